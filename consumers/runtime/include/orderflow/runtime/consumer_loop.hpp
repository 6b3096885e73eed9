#pragma once
// The consumer runtime every worker role runs in:
//   poll a batch -> decode and validate (bad records to the DLQ) -> ONE transaction that applies the batch,
//   writes the outbox and stores the offsets -> commit to Kafka too (for lag tools) -> repeat.
// On assignment it seeks to the offsets stored in PostgreSQL. A transient database error is retried with
// backoff, the partitions paused meanwhile so the group does not evict us; nothing is skipped.
#include <atomic>
#include <memory>

#include "orderflow/config.hpp"
#include "orderflow/runtime/role.hpp"

namespace orderflow::runtime {

class ConsumerLoop {
 public:
  ConsumerLoop(const Config& config, Role& role);
  ~ConsumerLoop();
  // Runs until orderflow::shutdown is requested; finishes and commits the current batch, then closes.
  void run();
  bool ready() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow::runtime
