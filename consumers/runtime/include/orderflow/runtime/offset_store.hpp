#pragma once
// Consumed offsets kept in PostgreSQL, next to the state they belong to (runtime.consumer_offsets).
#include <cstdint>
#include <map>
#include <pqxx/pqxx>
#include <string>
#include <utility>
#include <vector>

namespace orderflow::runtime {

using TopicPartition = std::pair<std::string, int32_t>;

class OffsetStore {
 public:
  explicit OffsetStore(std::string group) : group_(std::move(group)) {}
  // Next offsets to consume for the given partitions; partitions never stored are absent.
  std::map<TopicPartition, int64_t> load(pqxx::transaction_base& tx,
                                         const std::vector<TopicPartition>& parts) const;
  // Records `next` (offset after the last applied record) per partition, in the caller's transaction.
  void store(pqxx::transaction_base& tx, const std::map<TopicPartition, int64_t>& next) const;
  // Forgets the stored offsets of `topic`, so the next assignment replays it from the start.
  void reset(pqxx::transaction_base& tx, const std::string& topic) const;

 private:
  std::string group_;
};

}  // namespace orderflow::runtime
