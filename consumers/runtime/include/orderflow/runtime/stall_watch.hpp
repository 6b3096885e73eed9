#pragma once
// Tells a stalled partition from a slow one: a partition is stalled when it is behind its end and its
// position (the next offset to apply) has not moved for longer than a bound. Whatever the cause (a
// partition left paused, a poison loop, a database that hangs), a worker with a stalled partition is
// not ready, and the metric says how many. Pure: the consumer loop feeds it what Kafka reports.
#include <chrono>
#include <cstdint>
#include <map>

#include "orderflow/runtime/offset_store.hpp"

namespace orderflow::runtime {

class StallWatch {
 public:
  using Clock = std::chrono::steady_clock;
  struct Progress {
    int64_t lag = 0;       // records behind the end
    int64_t position = 0;  // the next offset to apply
  };

  explicit StallWatch(std::chrono::milliseconds bound) : bound_(bound) {}

  // The assigned partitions as they stand at `now` (partitions not given are no longer ours); returns
  // how many are stalled.
  size_t observe(const std::map<TopicPartition, Progress>& partitions, Clock::time_point now);
  size_t stalled() const { return stalled_; }

 private:
  struct Seen {
    int64_t position = 0;
    Clock::time_point since;  // when it was last seen to move (or caught up)
  };
  std::chrono::milliseconds bound_;
  std::map<TopicPartition, Seen> seen_;
  size_t stalled_ = 0;
};

}  // namespace orderflow::runtime
