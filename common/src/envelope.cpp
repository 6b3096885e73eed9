#include "orderflow/envelope.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/schema.hpp"

namespace orderflow {

Envelope make_envelope(std::string type, std::string key, std::string payload_json, int version) {
  return Envelope{random_uuid(),     std::move(type), version,
                  utc_now_iso8601(), std::move(key),  std::move(payload_json)};
}

Envelope make_caused_envelope(const std::string& cause_id, std::string type, std::string key,
                              std::string payload_json, const std::string& discriminator) {
  Envelope e{name_uuid(cause_id + "/" + type + "/" + discriminator),
             std::move(type),
             1,
             utc_now_iso8601(),
             std::move(key),
             std::move(payload_json)};
  return e;
}

std::string encode(const Envelope& e) {
  // The payload is already compact JSON: splice it in rather than parse and re-serialize it.
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "id", e.id);
  json::put(w, "type", e.type);
  json::put(w, "version", static_cast<int64_t>(e.version));
  json::put(w, "occurred_at", e.occurred_at);
  json::put(w, "key", e.key);
  w.Key("payload");
  w.RawValue(e.payload.data(), e.payload.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

// Parses and validates; on success returns the envelope and leaves the parsed document in `doc`.
std::variant<Envelope, DecodeError> decode_into(std::string_view bytes, rapidjson::Document& doc) {
  doc.Parse(bytes.data(), bytes.size());
  if (doc.HasParseError()) {
    return DecodeError{fmt::format("not JSON: {} at offset {}",
                                   rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset())};
  }
  const auto& schemas = SchemaSet::instance();
  if (auto err = schemas.validate("envelope", doc)) {
    return DecodeError{
        fmt::format("envelope: {} {}", err->field.empty() ? "document" : err->field, err->message)};
  }
  Envelope e;
  e.id = *json::get_string(doc, "id");
  e.type = *json::get_string(doc, "type");
  e.version = static_cast<int>(*json::get_int(doc, "version"));
  e.occurred_at = *json::get_string(doc, "occurred_at");
  e.key = *json::get_string(doc, "key");
  const auto& payload = doc["payload"];
  const std::string schema = SchemaSet::message_schema(e.type, e.version);
  if (!schemas.has(schema)) return DecodeError{fmt::format("unknown message type {} v{}", e.type, e.version)};
  if (auto err = schemas.validate(schema, payload)) {
    return DecodeError{fmt::format("{} v{}: payload.{} {}", e.type, e.version, err->field, err->message)};
  }
  e.payload = json::to_string(payload);
  return e;
}

}  // namespace

std::variant<Envelope, DecodeError> decode(std::string_view bytes, rapidjson::Document* payload_doc) {
  rapidjson::Document doc;
  auto result = decode_into(bytes, doc);
  if (payload_doc != nullptr && std::holds_alternative<Envelope>(result)) {
    payload_doc->CopyFrom(doc["payload"], payload_doc->GetAllocator());
  }
  return result;
}

std::variant<Envelope, DecodeError> decode(std::string_view bytes, rapidjson::Value& payload,
                                           rapidjson::MemoryPoolAllocator<>& allocator) {
  // One parse buffer per thread, reused: parsing allocates nothing new once it has grown.
  thread_local rapidjson::MemoryPoolAllocator<> parse_pool(16 * 1024);
  rapidjson::Document doc(&parse_pool);
  auto result = decode_into(bytes, doc);
  if (std::holds_alternative<Envelope>(result)) payload.CopyFrom(doc["payload"], allocator);
  parse_pool.Clear();
  return result;
}

}  // namespace orderflow
