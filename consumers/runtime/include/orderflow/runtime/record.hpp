#pragma once
// A consumed Kafka record, decoded: what a worker role gets to apply.
#include <rapidjson/document.h>

#include <cstdint>
#include <memory>
#include <string>

#include "orderflow/envelope.hpp"

namespace orderflow::runtime {

struct Record {
  std::string topic;  // full name, with the run's prefix
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // Kafka's record timestamp: when the producer wrote it
  std::string key;
  std::string value;  // raw bytes as consumed
  Envelope envelope;  // valid envelope (only set for records handed to a role)
  // The envelope's payload, already checked against its type's schema. Its memory lives in `arena`,
  // which the records of one batch share (a Document per record would cost 64 KiB each).
  std::shared_ptr<rapidjson::MemoryPoolAllocator<>> arena;
  rapidjson::Value payload;
};

}  // namespace orderflow::runtime
