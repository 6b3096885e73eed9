#include "inventory_role.hpp"

#include <set>

#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"
#include "stock_ledger.hpp"

namespace orderflow::inventory {
namespace {

std::string str(const rapidjson::Value& payload, const char* field) {
  return payload[field].GetString();
}

// Loads, with row locks, the stock and reservations this batch touches.
void load(pqxx::transaction_base& tx, const std::set<std::string>& skus,
          const std::set<StockLedger::ReservationKey>& keys, StockLedger& ledger) {
  if (!skus.empty()) {
    for (const auto& row :
         tx.exec("SELECT sku, on_hand, available, version FROM inventory.stock WHERE sku IN (" +
                 pg::quoted_list(tx, skus) + ") FOR UPDATE")) {
      ledger.stock[row[0].as<std::string>()] =
          Stock{row[1].as<int64_t>(), row[2].as<int64_t>(), row[3].as<int>(), false};
    }
  }
  if (!keys.empty()) {
    pg::ValuesList pairs(tx);
    for (const auto& [order_id, sku] : keys) pairs.row(order_id, sku);
    for (const auto& row :
         tx.exec("SELECT r.order_id::text, r.sku, r.quantity, r.state FROM inventory.reservations r"
                 " JOIN (VALUES " +
                 pairs.sql() +
                 ") AS k (order_id, sku)"
                 " ON r.order_id = k.order_id::uuid AND r.sku = k.sku")) {
      ledger.reservations[{row[0].as<std::string>(), row[1].as<std::string>()}] =
          Reservation{row[2].as<int>(), row[3].as<std::string>(), false};
    }
  }
}

// Writes back what the ledger changed: one statement for stock, one for reservations.
void save(pqxx::transaction_base& tx, const StockLedger& ledger) {
  pg::ValuesList stock(tx);
  for (const auto& [sku, s] : ledger.stock) {
    if (s.dirty) stock.row(sku, s.on_hand, s.available, s.version);
  }
  if (!stock.empty()) {
    tx.exec(
        "INSERT INTO inventory.stock (sku, on_hand, available, version)"
        " SELECT sku, on_hand::bigint, available::bigint, version::int FROM (VALUES " +
        stock.sql() +
        ") AS v (sku, on_hand, available, version)"
        " ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, available = EXCLUDED.available,"
        " version = EXCLUDED.version, updated_at = now()");
  }
  pg::ValuesList reservations(tx);
  for (const auto& [key, r] : ledger.reservations) {
    if (r.dirty) reservations.row(key.first, key.second, r.quantity, r.state);
  }
  if (!reservations.empty()) {
    tx.exec(
        "INSERT INTO inventory.reservations (order_id, sku, quantity, state)"
        " SELECT order_id::uuid, sku, quantity::int, state FROM (VALUES " +
        reservations.sql() +
        ") AS v (order_id, sku, quantity, state)"
        " ON CONFLICT (order_id, sku) DO UPDATE SET state = EXCLUDED.state, updated_at = now()");
  }
}

}  // namespace

std::vector<std::string> InventoryRole::topics() const {
  return {topics::kInventoryCommands};
}

void InventoryRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch,
                          runtime::Outbox& out) {
  std::set<std::string> skus;
  std::set<StockLedger::ReservationKey> keys;
  for (const auto& r : batch) {
    const auto& p = r.payload;
    skus.insert(str(p, "sku"));
    if (p.HasMember("order_id")) keys.emplace(str(p, "order_id"), str(p, "sku"));
  }
  StockLedger ledger;
  load(tx, skus, keys, ledger);

  for (const auto& r : batch) {
    const auto& p = r.payload;
    const std::string& type = r.envelope.type;
    std::optional<LedgerEvent> event;
    if (type == "ReserveStock") {
      event = ledger.reserve(str(p, "order_id"), str(p, "sku"), p["quantity"].GetInt());
    } else if (type == "ReleaseStock") {
      event = ledger.release(str(p, "order_id"), str(p, "sku"));
    } else if (type == "AdjustStock") {
      event = ledger.adjust(str(p, "sku"), p["on_hand"].GetInt64());
    } else {
      out.dead_letter(r, "the inventory worker does not handle " + type);
      continue;
    }
    if (event) {
      out.publish(topics::kInventoryEvents,
                  make_caused_envelope(r.envelope.id, event->type, event->key, event->payload));
    }
  }
  save(tx, ledger);
}

}  // namespace orderflow::inventory
