#include "stock_ledger.hpp"

#include "orderflow/json.hpp"

namespace orderflow::inventory {
namespace {

std::string reservation_payload(const std::string& order_id, const std::string& sku, int quantity,
                                const Stock& s) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::put(w, "order_id", order_id);
  json::put(w, "sku", sku);
  json::put(w, "quantity", static_cast<int64_t>(quantity));
  json::put(w, "available", s.available);
  json::put(w, "sku_version", static_cast<int64_t>(std::max(s.version, 1)));
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

}  // namespace

std::optional<LedgerEvent> StockLedger::reserve(const std::string& order_id, const std::string& sku,
                                                int quantity) {
  auto [it, inserted] = reservations.try_emplace({order_id, sku});
  if (!inserted) return std::nullopt;  // this order line was answered before
  Reservation& r = it->second;
  r.quantity = quantity;
  r.dirty = true;
  Stock& s = stock[sku];  // an unknown SKU has nothing available
  if (s.version > 0 && s.available >= quantity) {
    s.available -= quantity;
    ++s.version;
    s.dirty = true;
    r.state = "RESERVED";
    return LedgerEvent{"StockReserved", order_id, reservation_payload(order_id, sku, quantity, s)};
  }
  r.state = "SHORT";
  return LedgerEvent{"StockShort", order_id, reservation_payload(order_id, sku, quantity, s)};
}

std::optional<LedgerEvent> StockLedger::release(const std::string& order_id, const std::string& sku) {
  auto it = reservations.find({order_id, sku});
  if (it == reservations.end() || it->second.state != "RESERVED") return std::nullopt;
  Reservation& r = it->second;
  Stock& s = stock[sku];
  s.available += r.quantity;
  ++s.version;
  s.dirty = true;
  r.state = "RELEASED";
  r.dirty = true;
  return LedgerEvent{"StockReleased", order_id, reservation_payload(order_id, sku, r.quantity, s)};
}

LedgerEvent StockLedger::adjust(const std::string& sku, int64_t on_hand) {
  Stock& s = stock[sku];
  const int64_t reserved = s.on_hand - s.available;
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::put(w, "sku", sku);
  if (on_hand < reserved) {
    // Taking away units that orders hold would break the invariant: refuse, say why.
    json::put(w, "on_hand", s.on_hand);
    json::put(w, "reserved", reserved);
    json::put(w, "requested_on_hand", on_hand);
    json::put(w, "sku_version", static_cast<int64_t>(std::max(s.version, 1)));
    w.EndObject();
    return LedgerEvent{"StockAdjustRefused", sku, {b.GetString(), b.GetSize()}};
  }
  s.on_hand = on_hand;
  s.available = on_hand - reserved;
  ++s.version;
  s.dirty = true;
  json::put(w, "on_hand", s.on_hand);
  json::put(w, "available", s.available);
  json::put(w, "sku_version", static_cast<int64_t>(s.version));
  w.EndObject();
  return LedgerEvent{"StockAdjusted", sku, {b.GetString(), b.GetSize()}};
}

}  // namespace orderflow::inventory
