#pragma once
// The read models' writer: applies events of orders.events and inventory.events to the tables of
// infra/views/views.sql in one schema (`views` for the live role, a fresh one for a rebuild), a batch at
// a time, with a few bulk statements. Every write is guarded (see views.sql), so applying an event twice,
// or replaying a topic from its start over views that saw part of it, changes nothing: the projections
// role and `orderflow-ctl rebuild-projections` write through this one class.
#include <cstdint>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "orderflow/runtime/record.hpp"

namespace orderflow::projections {

// Orders, units and revenue.
struct SalesDelta {
  int64_t orders = 0;
  int64_t units = 0;
  int64_t revenue_cents = 0;
  SalesDelta& operator+=(const SalesDelta& o) {
    orders += o.orders;
    units += o.units;
    revenue_cents += o.revenue_cents;
    return *this;
  }
  bool operator==(const SalesDelta&) const = default;
};

// What a batch added to the sales, for the Prometheus counters: counters only go up, so the confirmed
// and the cancelled (confirmed orders cancelled later) are counted apart; sales are their difference.
struct Sales {
  SalesDelta confirmed, cancelled;
  Sales& operator+=(const Sales& o) {
    confirmed += o.confirmed;
    cancelled += o.cancelled;
    return *this;
  }
};

class Projector {
 public:
  // `schema`: where the tables are; `notify`: NOTIFY pg::kViewsOrdersChannel on commit (the live views).
  Projector(std::string schema, bool notify);
  // Applies `records` (decoded events, in partition order) inside `tx`. Records of other types are
  // ignored. Returns the sales the batch added.
  Sales apply(pqxx::transaction_base& tx, const std::vector<runtime::Record>& records) const;

 private:
  std::string table(const char* name) const;
  std::string schema_;
  bool notify_;
};

}  // namespace orderflow::projections
