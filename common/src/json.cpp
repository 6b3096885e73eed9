#include "orderflow/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <vector>

#include "orderflow/text.hpp"

namespace orderflow::json {

std::optional<rapidjson::Document> parse(std::string_view text, std::string* error) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    if (error != nullptr) {
      *error = fmt::format("{} at offset {}", rapidjson::GetParseError_En(doc.GetParseError()),
                           doc.GetErrorOffset());
    }
    return std::nullopt;
  }
  return doc;
}

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::string_view> get_string(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return std::nullopt;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

std::optional<int64_t> get_int(const rapidjson::Value& obj, const char* name) {
  if (!obj.IsObject()) return std::nullopt;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

namespace {

// Where the walk is: member names and array indexes, turned into a path only when something is found.
struct Step {
  std::string_view name;  // empty: an array index
  size_t index = 0;
};

std::optional<std::string_view> find_bad_text(const rapidjson::Value& v, std::vector<Step>& at) {
  if (v.IsString()) return text::problem({v.GetString(), v.GetStringLength()});
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (auto why = text::problem(name)) return why;  // reported at the object that has it
      at.push_back({name, 0});
      if (auto why = find_bad_text(m.value, at)) return why;
      at.pop_back();
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      at.push_back({{}, i});
      if (auto why = find_bad_text(v[i], at)) return why;
      at.pop_back();
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<std::string, std::string_view>> first_bad_text(const rapidjson::Value& v) {
  std::vector<Step> at;
  const auto why = find_bad_text(v, at);
  if (!why) return std::nullopt;
  std::string path;
  for (const auto& step : at) {
    if (step.name.empty()) {
      path += fmt::format("[{}]", step.index);
    } else {
      if (!path.empty()) path += '.';
      path += step.name;
    }
  }
  return std::pair{std::move(path), *why};
}

std::string error_body(std::string_view code, std::string_view message, std::string_view field) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  put(w, "code", code);
  put(w, "message", message);
  if (!field.empty()) put(w, "field", field);
  w.EndObject();
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace orderflow::json
