#include "inventory_role.hpp"

#include <set>

#include "orderflow/overloaded.hpp"
#include "orderflow/pg.hpp"
#include "stock_ledger.hpp"

namespace orderflow::inventory {
namespace {

// Loads, with row locks, the stock and reservations this batch touches.
void load(pqxx::transaction_base& tx, const std::set<std::string>& skus,
          const std::set<StockLedger::ReservationKey>& keys, StockLedger& ledger) {
  if (!skus.empty()) {
    for (const auto& row : pg::exec_prepared(
             tx,
             "SELECT sku, on_hand, available, version FROM inventory.stock WHERE sku = ANY($1::text[])"
             " FOR UPDATE",
             pg::array_literal(skus))) {
      ledger.stock[row[0].as<std::string>()] =
          Stock{row[1].as<int64_t>(), row[2].as<int64_t>(), row[3].as<int64_t>(), false};
    }
  }
  if (!keys.empty()) {
    pg::Rows pairs;
    for (const auto& [order_id, sku] : keys) pairs.row(order_id, sku);
    for (const auto& row : pg::exec_rows(tx,
                                         "SELECT r.order_id::text, r.sku, r.quantity, r.state FROM "
                                         "inventory.reservations r JOIN " +
                                             pairs.from("order_id, sku") +
                                             " ON r.order_id = v.order_id::uuid AND r.sku = v.sku",
                                         pairs)) {
      ledger.reservations[{row[0].as<std::string>(), row[1].as<std::string>()}] =
          Reservation{row[2].as<int>(), pg::state_from<ReservationState>(row[3]), false};
    }
  }
}

// Writes back what the ledger changed: one statement for stock, one for reservations.
void save(pqxx::transaction_base& tx, const StockLedger& ledger) {
  pg::Rows stock;
  for (const auto& [sku, s] : ledger.stock) {
    if (s.dirty) stock.row(sku, s.on_hand, s.available, s.version);
  }
  if (!stock.empty()) {
    pg::exec_rows(
        tx,
        "INSERT INTO inventory.stock (sku, on_hand, available, version)"
        " SELECT sku, on_hand::bigint, available::bigint, version::bigint FROM " +
            stock.from("sku, on_hand, available, version") +
            " ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, available = EXCLUDED.available,"
            " version = EXCLUDED.version, updated_at = now()",
        stock);
  }
  pg::Rows reservations;
  for (const auto& [key, r] : ledger.reservations) {
    if (r.dirty) reservations.row(key.first, key.second, r.quantity, to_string(r.state));
  }
  if (!reservations.empty()) {
    pg::exec_rows(tx,
                  "INSERT INTO inventory.reservations (order_id, sku, quantity, state)"
                  " SELECT order_id::uuid, sku, quantity::int, state FROM " +
                      reservations.from("order_id, sku, quantity, state") +
                      " ON CONFLICT (order_id, sku) DO UPDATE SET state = EXCLUDED.state, updated_at = now()",
                  reservations);
  }
}

}  // namespace

std::vector<std::string> InventoryRole::topics() const {
  return {std::string(messages::kInventoryCommands.name)};
}

bool InventoryRole::idempotent_by_state(const messages::Message& m) const {
  return std::holds_alternative<messages::ReserveStock>(m.payload) ||
         std::holds_alternative<messages::ReleaseStock>(m.payload);
}

void InventoryRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch,
                          runtime::Outbox& out) {
  std::set<std::string> skus;
  std::set<StockLedger::ReservationKey> keys;
  for (const auto& r : batch) {
    skus.insert(r.message.key);  // inventory.commands is keyed by sku
    std::visit(
        [&](const auto& m) {
          if constexpr (requires {
                          m.order_id;
                          m.sku;
                        })
            keys.emplace(m.order_id, m.sku);
        },
        r.message.payload);
  }
  StockLedger ledger;
  load(tx, skus, keys, ledger);

  for (const auto& r : batch) {
    const auto event =
        std::visit(overloaded{[&](const messages::ReserveStock& m) { return ledger.reserve(m); },
                              [&](const messages::ReleaseStock& m) { return ledger.release(m); },
                              [&](const messages::AdjustStock& m) { return std::optional(ledger.adjust(m)); },
                              [](const auto&) { return std::optional<messages::Payload>(); }},
                   r.message.payload);
    if (event) out.publish_caused(r.message, *event);
  }
  save(tx, ledger);
}

}  // namespace orderflow::inventory
