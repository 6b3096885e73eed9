#include "stock_ledger.hpp"

#include <algorithm>

#include "orderflow/vassert.hpp"

namespace orderflow::inventory {
namespace {

messages::StockAnswer answer(const std::string& order_id, const std::string& sku, int quantity,
                             const Stock& s) {
  return messages::StockAnswer{order_id, sku, quantity, s.available, std::max<int64_t>(s.version, 1)};
}

}  // namespace

void StockLedger::check(const std::string& sku, int64_t reserved_before, int64_t delta) const {
  const Stock& s = stock.at(sku);
  vassert(s.available >= 0, "sku {}: available {} < 0", sku, s.available);
  vassert(s.on_hand >= s.available, "sku {}: available {} > on hand {}", sku, s.available, s.on_hand);
  vassert(s.reserved() == reserved_before + delta,
          "sku {}: on_hand {} != available {} + reserved {} (reserved was {}, moved by {})", sku, s.on_hand,
          s.available, reserved_before + delta, reserved_before, delta);
}

std::optional<messages::Payload> StockLedger::reserve(const messages::ReserveStock& m) {
  auto [it, inserted] = reservations.try_emplace({m.order_id, m.sku});
  if (!inserted) return std::nullopt;  // this order line was answered before
  Reservation& r = it->second;
  r.quantity = m.quantity;
  r.dirty = true;
  Stock& s = stock[m.sku];  // an unknown SKU has nothing available
  const int64_t before = s.reserved();
  if (s.version > 0 && s.available >= m.quantity) {
    s.available -= m.quantity;
    ++s.version;
    s.dirty = true;
    r.state = ReservationState::Reserved;
    check(m.sku, before, m.quantity);
    return messages::StockReserved{answer(m.order_id, m.sku, m.quantity, s)};
  }
  r.state = ReservationState::Short;
  check(m.sku, before, 0);
  return messages::StockShort{answer(m.order_id, m.sku, m.quantity, s)};
}

std::optional<messages::Payload> StockLedger::release(const messages::ReleaseStock& m) {
  auto it = reservations.find({m.order_id, m.sku});
  if (it == reservations.end() || it->second.state != ReservationState::Reserved) return std::nullopt;
  Reservation& r = it->second;
  Stock& s = stock[m.sku];
  const int64_t before = s.reserved();
  s.available += r.quantity;
  ++s.version;
  s.dirty = true;
  r.state = ReservationState::Released;
  r.dirty = true;
  check(m.sku, before, -r.quantity);
  return messages::StockReleased{answer(m.order_id, m.sku, r.quantity, s)};
}

messages::Payload StockLedger::adjust(const messages::AdjustStock& m) {
  Stock& s = stock[m.sku];
  const int64_t reserved = s.reserved();
  if (m.on_hand < reserved) {
    // Taking away units that orders hold would break the invariant: refuse, say why.
    return messages::StockAdjustRefused{m.sku, s.on_hand, reserved, m.on_hand,
                                        std::max<int64_t>(s.version, 1)};
  }
  s.on_hand = m.on_hand;
  s.available = m.on_hand - reserved;
  ++s.version;
  s.dirty = true;
  check(m.sku, reserved, 0);
  return messages::StockAdjusted{m.sku, s.on_hand, s.available, s.version};
}

}  // namespace orderflow::inventory
