#pragma once
// A message as it travels: the envelope {id, type, version, occurred_at, key, payload} around a typed
// payload. encode() checks what it writes against the envelope schema and the payload's schema while it
// writes it, so nothing leaves a process that a consumer would refuse (a 202 never ends in a DLQ for a
// contract reason); decode() checks what arrives the same way and hands back the typed value.
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "orderflow/messages/topics.hpp"

namespace orderflow::messages {

struct Message {
  std::string id;           // uuid; stable for a caused message (see caused_by)
  std::string occurred_at;  // ISO 8601, UTC
  std::string key;          // the topic's key, derived from the payload
  Payload payload;

  std::string_view type() const { return type_name(payload); }
  int version() const { return version_of(payload); }
  std::string_view topic() const { return topic_name(payload); }
  template <typename T>
  const T* as() const {
    return std::get_if<T>(&payload);
  }
};

// A new message: a random id, the current time, the key its topic derives from the payload.
Message make_message(Payload payload);
// A message caused by another one: its id is derived from the cause's id, its type and what tells it
// apart from the cause's other messages of that type (the sku of one of an order's ReserveStock), so
// re-applying the cause after a crash produces the same id, and a reader can drop the duplicate.
Message caused_by(const std::string& cause_id, Payload payload);

// A value that breaks its message's contract: which field (as in lines[1].sku) and why.
struct ContractViolation : std::runtime_error {
  ContractViolation(std::string type, std::string field, std::string why);
  std::string type, field, why;
};

// The envelope as compact JSON. Throws ContractViolation when the payload breaks its schema or a
// string is not acceptable text (text.hpp).
std::string encode(const Message& m);
// The payload alone, as compact JSON, checked the same way (for tests and tools).
std::string encode_payload(const Payload& p);

struct DecodeError {
  std::string reason;  // for the DLQ header
};
// Parses (UTF-8 validated), checks the envelope and the payload schema of its type and version, and
// that the key is the one the topic derives from the payload.
std::variant<Message, DecodeError> decode(std::string_view bytes);

// Every (type, version) this layer knows, as "Type.vN".
std::vector<std::string> known_types();

}  // namespace orderflow::messages
