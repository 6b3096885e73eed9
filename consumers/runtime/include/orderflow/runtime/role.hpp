#pragma once
// A worker role (orders, inventory, ...): the business logic only. The consumer loop around it does
// the polling, decoding, dead-lettering, transactions, offsets, retries and metrics.
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "orderflow/runtime/outbox.hpp"
#include "orderflow/runtime/record.hpp"

namespace orderflow::runtime {

class Role {
 public:
  virtual ~Role() = default;
  // The consumer group (with the run's prefix) and the outbox source.
  virtual std::string name() const = 0;
  // The topics to consume, without prefix.
  virtual std::vector<std::string> topics() const = 0;
  // Applies a batch inside `tx`, preferably with a few bulk statements rather than one per record.
  // Records arrive in partition order. A record the role cannot use goes to out.dead_letter().
  // Throwing aborts the whole batch; the loop retries it, then isolates the failing record.
  virtual void apply(pqxx::transaction_base& tx, std::vector<Record>& batch, Outbox& out) = 0;
  // True when the role's own state makes a second copy of `m` a no-op, whenever it comes (later in the
  // batch, in a later batch, after other messages moved that state on): a row that exists already, a
  // line no longer pending, a version that guards. Such messages get no runtime.processed_messages row,
  // a write per message that the state makes redundant. The default, false, keeps the id: say true
  // only with a test that sends the message twice, far apart, and sees one effect.
  virtual bool idempotent_by_state(const messages::Message&) const { return false; }
  // Around each batch transaction (apply may run more than once in one, record by record, and a
  // transaction may be retried): for what a role may only count once its effects are durable.
  virtual void transaction_started() {}
  virtual void transaction_committed() {}
};

}  // namespace orderflow::runtime
