#pragma once
// The transactional half of the consumer runtime: decodes a batch of consumed records and applies it in
// ONE PostgreSQL transaction that holds the role's state changes, the ids of the applied messages, the
// dead letters, the outbox rows and the consumed offsets (guarantee 3). Knows nothing of Kafka. Owns the
// worker's database connection (one per thread: the consumer loop's).
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <utility>
#include <vector>

#include "orderflow/config.hpp"
#include "orderflow/runtime/offset_store.hpp"
#include "orderflow/runtime/outbox.hpp"
#include "orderflow/runtime/processed_messages.hpp"
#include "orderflow/runtime/record.hpp"
#include "orderflow/runtime/role.hpp"
#include "orderflow/runtime/worker_metrics.hpp"

namespace orderflow::runtime {

class BatchEngine {
 public:
  struct Batch {
    std::vector<Record> good;                         // decoded, for the role
    std::vector<std::pair<Record, std::string>> bad;  // dead letters, and why
    std::map<TopicPartition, int64_t> next;           // offset after the batch's last record, per partition
    size_t size() const { return good.size() + bad.size(); }
  };

  BatchEngine(const Config& config, Role& role, WorkerMetrics& metrics);

  // Typed messages for the role; what cannot be decoded, or sits on a topic its type does not belong to,
  // becomes a dead letter.
  Batch decode(std::vector<Record> records) const;

  // Opens the connection unless it is open; false (logged) when PostgreSQL cannot be reached.
  bool connect();
  // The offsets stored for `partitions` (absent: never stored), or nothing (logged) when PostgreSQL
  // cannot answer.
  std::optional<std::map<TopicPartition, int64_t>> stored_offsets(
      const std::vector<TopicPartition>& partitions);
  // Applies `batch` in one transaction and commits it; call after connect(). With `isolate` each record
  // runs in its own savepoint and a record that fails (not for a transient reason) becomes a dead letter
  // instead of failing the batch. Throws what PostgreSQL or the role threw; a lost connection is dropped,
  // so that connect() opens a new one.
  void apply(Batch& batch, bool isolate);

  // PostgreSQL answered the last time we asked. Safe from any thread.
  bool healthy() const { return healthy_.load(); }

 private:
  void transact(Batch& batch, bool isolate);
  void drop_if_closed();

  const Config& config_;
  Role& role_;
  WorkerMetrics& metrics_;
  OffsetStore offsets_;
  ProcessedMessages processed_;
  Outbox outbox_;
  std::unique_ptr<pqxx::connection> conn_;
  std::atomic<bool> healthy_{false};
};

}  // namespace orderflow::runtime
