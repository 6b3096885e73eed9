#include "orderflow/json.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

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
