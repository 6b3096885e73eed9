#pragma once
// A consumed Kafka record, decoded: what a worker role gets to apply.
#include <cstdint>
#include <string>

#include "orderflow/messages/message.hpp"

namespace orderflow::runtime {

struct Record {
  std::string topic;  // full name, with the run's prefix
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // Kafka's record timestamp: when the producer wrote it
  std::string key;
  std::string value;          // raw bytes as consumed
  messages::Message message;  // the typed message (only set for records handed to a role)
};

}  // namespace orderflow::runtime
