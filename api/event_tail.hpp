#pragma once
// Reads event topics from explicit positions, outside any consumer group: one librdkafka consumer with
// a manual assignment (no subscription, no commits), so every stream has its own position and a reader
// never disturbs the workers' groups. Not thread-safe: one per stream thread.
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event_position.hpp"

namespace orderflow::api {

struct TailedEvent {
  size_t topic_index = 0;  // into the topics given to EventTail
  int32_t partition = 0;
  int64_t offset = 0;
  std::string value;
};

class EventTail {
 public:
  // `topics` are full names (with the run's prefix). Throws when Kafka cannot tell their partitions.
  EventTail(const std::string& brokers, std::vector<std::string> topics);
  ~EventTail();
  EventTail(const EventTail&) = delete;
  EventTail& operator=(const EventTail&) = delete;

  // Partition count of each topic, in the order given.
  const std::vector<int32_t>& partitions() const { return partitions_; }
  // The high watermark of every partition: where "from now on" starts.
  EventPosition end() const;
  // Starts reading at `position` (a partition's offset below its low watermark reads from its start).
  void start(const EventPosition& position);
  // The next event, or nullopt when none arrived within `timeout`.
  std::optional<TailedEvent> next(std::chrono::milliseconds timeout);

 private:
  std::vector<std::string> topics_;
  std::vector<int32_t> partitions_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
};

}  // namespace orderflow::api
