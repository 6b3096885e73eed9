#pragma once
// The projections role: the read side (CQRS). Consumes orders.events and inventory.events and keeps the
// read models of schema `views` (infra/views/views.sql) through the Projector, in the consumer runtime
// like every role (effect-once batches, offsets in the same transaction). It emits nothing; it NOTIFYs
// the api of the orders it changed, and counts sales in Prometheus (totals only: a label per SKU would
// grow without bound).
#include <prometheus/counter.h>

#include "orderflow/runtime/role.hpp"
#include "projector.hpp"

namespace orderflow::projections {

class ProjectionRole : public runtime::Role {
 public:
  ProjectionRole();
  std::string name() const override { return "projections"; }
  std::vector<std::string> topics() const override;
  void apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) override;
  // Every event: the projector guards each view row by the order's version, the SKU's version or the
  // event id, and counts a sale only on the guarded transition.
  bool idempotent_by_state(const messages::Message&) const override { return true; }
  void transaction_started() override { pending_ = {}; }
  void transaction_committed() override;

 private:
  struct Counters {
    prometheus::Counter &orders, &units, &revenue_cents;
  };
  static Counters counters(const char* kind);

  Projector projector_;
  Sales pending_;  // what the open transaction adds to the sales; counted once it commits
  Counters confirmed_, cancelled_;
};

}  // namespace orderflow::projections
