#include "projection_role.hpp"

#include "orderflow/messages/topics.hpp"
#include "orderflow/metrics.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::projections {

ProjectionRole::Counters ProjectionRole::counters(const char* kind) {
  // One family per figure, one series per kind: sales = confirmed - cancelled, in PromQL.
  auto family = [](const char* name, const char* help) -> auto& {
    return prometheus::BuildCounter().Name(name).Help(help).Register(metrics::registry());
  };
  static auto& orders =
      family("orderflow_sales_orders_total",
             "Orders confirmed (kind=confirmed) and confirmed orders cancelled (kind=cancelled)");
  static auto& units = family("orderflow_sales_units_total", "Units of those orders");
  static auto& revenue = family("orderflow_sales_revenue_cents_total", "Revenue of those orders, in cents");
  return Counters{orders.Add({{"kind", kind}}), units.Add({{"kind", kind}}), revenue.Add({{"kind", kind}})};
}

ProjectionRole::ProjectionRole()
    : projector_(pg::kViewsSchema, true),
      confirmed_(counters("confirmed")),
      cancelled_(counters("cancelled")) {}

std::vector<std::string> ProjectionRole::topics() const {
  return {std::string(messages::kOrdersEvents.name), std::string(messages::kInventoryEvents.name)};
}

void ProjectionRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch,
                           runtime::Outbox&) {
  // Shared with the other projections workers; a rebuild's swap takes it exclusive (projector.hpp).
  tx.exec("SELECT pg_advisory_xact_lock_shared(" + std::to_string(pg::kViewsLock) + ")");
  const auto sales = projector_.apply(tx, batch);
  pending_ += sales;  // after the writes: a record that threw adds nothing
}

void ProjectionRole::transaction_committed() {
  auto add = [](Counters& c, const SalesDelta& d) {
    c.orders.Increment(static_cast<double>(d.orders));
    c.units.Increment(static_cast<double>(d.units));
    c.revenue_cents.Increment(static_cast<double>(d.revenue_cents));
  };
  add(confirmed_, pending_.confirmed);
  add(cancelled_, pending_.cancelled);
  pending_ = {};
}

}  // namespace orderflow::projections
