#pragma once
// The carts role: owns carts.carts and carts.cart_items. Consumes carts.commands (keyed by cart, so a
// cart's commands apply in the order the api accepted them); a checkout becomes a PlaceOrder for the
// cart's lines, sent to orders.commands through the outbox, and empties the cart.
#include "orderflow/runtime/role.hpp"

namespace orderflow::carts {

class CartRole : public runtime::Role {
 public:
  std::string name() const override { return "carts"; }
  std::vector<std::string> topics() const override;
  void apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) override;
};

}  // namespace orderflow::carts
