#include "json_body.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "orderflow/schema.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

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
  if (auto bad = json::first_bad_text(*doc)) {
    const std::string field = bad->first.empty() ? "body" : bad->first;
    exchange.error(Code::Bad_Request, "invalid_text", field + " " + std::string(bad->second), field);
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
