#include "json_body.hpp"

#include <fmt/format.h>

#include "orderflow/json.hpp"
#include "orderflow/schema.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

std::optional<rapidjson::Document> read_json_body(const Pistache::Http::Request& request, Exchange& exchange,
                                                  const std::string& schema, size_t max_body_bytes) {
  const auto& body = request.body();
  if (body.size() > max_body_bytes) {
    exchange.error(Code::Request_Entity_Too_Large, "body_too_large",
                   fmt::format("body is {} bytes; the limit is {}", body.size(), max_body_bytes));
    return std::nullopt;
  }
  const auto content_type = request.headers().tryGetRaw("Content-Type");
  const std::string type = content_type ? content_type->value() : "";
  if (type.substr(0, type.find(';')) != "application/json") {
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
  if (auto err = SchemaSet::instance().validate(schema, *doc)) {
    const std::string field = err->field.empty() ? "body" : err->field;
    exchange.error(Code::Bad_Request, "invalid_field", field + " " + err->message, field);
    return std::nullopt;
  }
  return doc;
}

}  // namespace orderflow::api
