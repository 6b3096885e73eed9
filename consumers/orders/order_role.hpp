#pragma once
// The orders role: owns orders.orders and orders.order_lines.
//   PlaceOrder -> the order, PENDING, with its lines; a PlaceOrder whose id exists is a retry: ignored.
#include "orderflow/runtime/role.hpp"

namespace orderflow::consumers {

class OrderRole : public runtime::Role {
 public:
  std::string name() const override { return "orders"; }
  std::vector<std::string> topics() const override;
  void apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) override;
};

}  // namespace orderflow::consumers
