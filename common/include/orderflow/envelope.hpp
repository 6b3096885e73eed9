#pragma once
// The JSON envelope every message carries: id, type, version, occurred_at, key, payload.
// Decoding checks the envelope schema and the payload schema of its type, so a consumer sees only
// well-formed messages; anything else is a reason for the dead-letter topic.
#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <variant>

namespace orderflow {

struct Envelope {
  std::string id;
  std::string type;
  int version = 1;
  std::string occurred_at;
  std::string key;
  std::string payload;  // the payload object as compact JSON
};

// Builds an envelope with a fresh random id and the current time.
Envelope make_envelope(std::string type, std::string key, std::string payload_json, int version = 1);
// An envelope caused by another message: its id is derived from the cause's id, the type and a
// discriminator (e.g. the sku of one of several ReserveStock an order causes), so re-applying the cause
// after a crash produces the same id, and a reader can drop the duplicate.
Envelope make_caused_envelope(const std::string& cause_id, std::string type, std::string key,
                              std::string payload_json, const std::string& discriminator = {});
std::string encode(const Envelope& e);

struct DecodeError {
  std::string reason;  // for the DLQ header
};
// Parses and validates; `payload_doc` receives the parsed payload for the caller's use.
std::variant<Envelope, DecodeError> decode(std::string_view bytes,
                                           rapidjson::Document* payload_doc = nullptr);
// The same, the payload copied into `payload` with memory from `allocator`: a consumer decoding a
// batch shares one allocator among its records (a Document of its own costs 64 KiB per record).
std::variant<Envelope, DecodeError> decode(std::string_view bytes, rapidjson::Value& payload,
                                           rapidjson::MemoryPoolAllocator<>& allocator);

}  // namespace orderflow
