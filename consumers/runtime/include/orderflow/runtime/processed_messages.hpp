#pragma once
// The ids of the messages a consumer group has applied (runtime.processed_messages). A message seen
// again, by a replay or because it was published twice, is dropped before the role sees it, in the
// transaction that would have applied it: effect-once without every command having to be idempotent.
#include <functional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "orderflow/runtime/record.hpp"

namespace orderflow::runtime {

class ProcessedMessages {
 public:
  explicit ProcessedMessages(std::string group) : group_(std::move(group)) {}
  // Marks the envelope ids of the records whose message `keeps_id` processed; returns, per record,
  // whether it is new (false for an id processed before, and for a repeat within the batch). A record
  // whose message keeps no id (its role's state makes a repeat harmless: Role::idempotent_by_state) is
  // always new and leaves no row. One round trip, none when no record keeps its id.
  std::vector<bool> mark(pqxx::transaction_base& tx, const std::vector<Record>& records,
                         const std::function<bool(const messages::Message&)>& keeps_id) const;

 private:
  std::string group_;
};

}  // namespace orderflow::runtime
