#pragma once
// The orders role: owns orders.orders and orders.order_lines and runs the order saga. Consumes
// orders.commands (PlaceOrder, CancelOrder) and inventory.events (the answers to its reservations);
// emits orders.events and inventory.commands through the outbox.
#include "orderflow/runtime/role.hpp"

namespace orderflow::orders {

class OrderRole : public runtime::Role {
 public:
  std::string name() const override { return "orders"; }
  std::vector<std::string> topics() const override;
  void apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) override;
  // PlaceOrder (the order exists) and the stock answers (the line is no longer pending); not CancelOrder,
  // whose repeat would be refused, an event its first copy did not cause.
  bool idempotent_by_state(const messages::Message& m) const override;
};

}  // namespace orderflow::orders
