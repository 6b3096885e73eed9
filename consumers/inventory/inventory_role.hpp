#pragma once
// The inventory role: owns inventory.stock and inventory.reservations. Consumes inventory.commands
// (keyed by SKU, so one instance at a time writes a SKU) and emits inventory.events through the outbox.
#include "orderflow/runtime/role.hpp"

namespace orderflow::inventory {

class InventoryRole : public runtime::Role {
 public:
  std::string name() const override { return "inventory"; }
  std::vector<std::string> topics() const override;
  void apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) override;
  // ReserveStock (the reservation exists) and ReleaseStock (it is no longer reserved); not AdjustStock,
  // whose late repeat would set an older on-hand count again.
  bool idempotent_by_state(const messages::Message& m) const override;
};

}  // namespace orderflow::inventory
