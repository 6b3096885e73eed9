#include "orderflow/runtime/offset_store.hpp"

#include "orderflow/pg.hpp"

namespace orderflow::runtime {

std::map<TopicPartition, int64_t> OffsetStore::load(pqxx::transaction_base& tx,
                                                    const std::vector<TopicPartition>& parts) const {
  std::map<TopicPartition, int64_t> out;
  if (parts.empty()) return out;
  pg::Rows keys;
  for (const auto& [topic, partition] : parts) keys.row(topic, partition);
  const auto rows = pg::exec_rows(
      tx,
      "SELECT c.topic, c.partition, c.next_offset FROM runtime.consumer_offsets c JOIN " +
          keys.from("topic, partition") +
          " ON c.topic = v.topic AND c.partition = v.partition::int WHERE c.group_id = " + tx.quote(group_),
      keys);
  for (const auto& row : rows) {
    out[{row[0].as<std::string>(), row[1].as<int32_t>()}] = row[2].as<int64_t>();
  }
  return out;
}

void OffsetStore::store(pqxx::transaction_base& tx, const std::map<TopicPartition, int64_t>& next) const {
  if (next.empty()) return;
  pg::Rows rows;
  for (const auto& [tp, offset] : next) rows.row(tp.first, tp.second, offset);
  pg::exec_rows(
      tx,
      "INSERT INTO runtime.consumer_offsets (group_id, topic, partition, next_offset) SELECT " +
          tx.quote(group_) + ", topic, partition::int, next_offset::bigint FROM " +
          rows.from("topic, partition, next_offset") +
          " ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,"
          " updated_at = now()"
          // Never backwards: a batch of a worker that lost the partition meanwhile (a zombie that
          // woke up) must not move the new owner's position back. Its records were skipped as
          // processed anyway.
          " WHERE runtime.consumer_offsets.next_offset < EXCLUDED.next_offset",
      rows);
}

void OffsetStore::reset(pqxx::transaction_base& tx, const std::string& topic) const {
  tx.exec("DELETE FROM runtime.consumer_offsets WHERE group_id = " + tx.quote(group_) +
          " AND topic = " + tx.quote(topic));
}

}  // namespace orderflow::runtime
