#include "orderflow/runtime/processed_messages.hpp"

#include <set>

#include "orderflow/pg.hpp"

namespace orderflow::runtime {

std::vector<bool> ProcessedMessages::mark(
    pqxx::transaction_base& tx, const std::vector<Record>& records,
    const std::function<bool(const messages::Message&)>& keeps_id) const {
  std::vector<bool> is_new(records.size(), true);
  std::vector<bool> by_id(records.size());
  pg::Rows ids;
  for (size_t i = 0; i < records.size(); ++i)
    if ((by_id[i] = keeps_id(records[i].message))) ids.row(records[i].message.id);
  if (ids.empty()) return is_new;
  std::set<std::string> fresh;
  for (const auto& row : pg::exec_rows(
           tx,
           "INSERT INTO runtime.processed_messages (group_id, message_id) SELECT " + tx.quote(group_) +
               ", id::uuid FROM " + ids.from("id") + " ON CONFLICT DO NOTHING RETURNING message_id::text",
           ids)) {
    fresh.insert(row[0].as<std::string>());
  }
  // The first record of a fresh id is new; erasing the id from `fresh` makes its repeats old.
  for (size_t i = 0; i < records.size(); ++i)
    if (by_id[i]) is_new[i] = fresh.erase(records[i].message.id) == 1;
  return is_new;
}

}  // namespace orderflow::runtime
