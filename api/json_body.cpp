#include "json_body.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "orderflow/schema.hpp"
#include "orderflow/text.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

// The first member name or string value in `v` that is not acceptable text (invalid UTF-8, a control
// character), as the field a client names and why. Checked before the schema, whose lengths count code
// points and skip strings they cannot count.
std::optional<std::pair<std::string, std::string_view>> bad_text(const rapidjson::Value& v,
                                                                 const std::string& at) {
  if (v.IsString()) {
    if (auto why = text::problem({v.GetString(), v.GetStringLength()}))
      return std::pair{at.empty() ? "body" : at, *why};
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      const std::string_view name(m.name.GetString(), m.name.GetStringLength());
      const std::string path = at.empty() ? std::string(name) : at + "." + std::string(name);
      if (auto why = text::problem(name)) return std::pair{at.empty() ? std::string("body") : at, *why};
      if (auto bad = bad_text(m.value, path)) return bad;
    }
  } else if (v.IsArray()) {
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (auto bad = bad_text(v[i], fmt::format("{}[{}]", at, i))) return bad;
    }
  }
  return std::nullopt;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  constexpr std::string_view kJson = "application/json";
  return std::equal(type.begin(), type.end(), kJson.begin(), kJson.end(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

std::optional<rapidjson::Document> read_json_body(const Pistache::Http::Request& request, Exchange& exchange,
                                                  const std::string& schema, size_t max_body_bytes) {
  const auto& body = request.body();
  if (body.size() > max_body_bytes) {
    exchange.error(Code::Request_Entity_Too_Large, "body_too_large",
                   fmt::format("body is {} bytes; the limit is {}", body.size(), max_body_bytes));
    return std::nullopt;
  }
  const std::string type = header(request, "Content-Type").value_or("");
  if (!is_json_media_type(type)) {
    exchange.error(Code::Unsupported_Media_Type, "unsupported_media_type",
                   "Content-Type must be application/json, got '" + type + "'", "Content-Type");
    return std::nullopt;
  }
  std::string parse_error;
  auto doc = json::parse(body, &parse_error);
  if (!doc) {
    exchange.error(Code::Bad_Request, "malformed_json", "body is not valid JSON: " + parse_error, "body");
    return std::nullopt;
  }
  if (auto bad = bad_text(*doc, "")) {
    exchange.error(Code::Bad_Request, "invalid_text", bad->first + " " + std::string(bad->second),
                   bad->first);
    return std::nullopt;
  }
  if (auto err = SchemaSet::instance().validate(schema, *doc)) {
    const std::string field = err->field.empty() ? "body" : err->field;
    exchange.error(Code::Bad_Request, "invalid_field", field + " " + err->message, field);
    return std::nullopt;
  }
  return doc;
}

}  // namespace orderflow::api
