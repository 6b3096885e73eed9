#include "orderflow/runtime/offset_store.hpp"

namespace orderflow::runtime {

std::map<TopicPartition, int64_t> OffsetStore::load(pqxx::transaction_base& tx,
                                                    const std::vector<TopicPartition>& parts) const {
  std::map<TopicPartition, int64_t> out;
  if (parts.empty()) return out;
  std::string keys;
  for (const auto& [topic, partition] : parts) {
    if (!keys.empty()) keys += ',';
    keys += '(' + tx.quote(topic) + ',' + std::to_string(partition) + ')';
  }
  const auto rows =
      tx.exec("SELECT topic, partition, next_offset FROM runtime.consumer_offsets WHERE group_id = " +
              tx.quote(group_) + " AND (topic, partition) IN (" + keys + ")");
  for (const auto& row : rows) {
    out[{row[0].as<std::string>(), row[1].as<int32_t>()}] = row[2].as<int64_t>();
  }
  return out;
}

void OffsetStore::store(pqxx::transaction_base& tx, const std::map<TopicPartition, int64_t>& next) const {
  if (next.empty()) return;
  std::string values;
  for (const auto& [tp, offset] : next) {
    if (!values.empty()) values += ',';
    values += '(' + tx.quote(group_) + ',' + tx.quote(tp.first) + ',' + std::to_string(tp.second) + ',' +
              std::to_string(offset) + ')';
  }
  tx.exec("INSERT INTO runtime.consumer_offsets (group_id, topic, partition, next_offset) VALUES " + values +
          " ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, "
          "updated_at = now()"
          // Never backwards: a batch of a worker that lost the partition meanwhile (a zombie that woke up)
          // must not move the new owner's position back. Its records were skipped as processed anyway.
          " WHERE runtime.consumer_offsets.next_offset < EXCLUDED.next_offset");
}

void OffsetStore::reset(pqxx::transaction_base& tx, const std::string& topic) const {
  tx.exec("DELETE FROM runtime.consumer_offsets WHERE group_id = " + tx.quote(group_) +
          " AND topic = " + tx.quote(topic));
}

}  // namespace orderflow::runtime
