#pragma once
// The inventory's rules, without I/O: reserve, release and adjust stock for the SKUs of one batch.
// The inventory role loads the rows a batch touches, runs the ledger, and writes back what changed.
// Invariant kept, and asserted (vassert), after every operation: on_hand = available + reserved, where
// reserved moves by exactly the quantity of the reservation taken or given back; available >= 0.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "orderflow/messages/payloads.hpp"
#include "orderflow/messages/topics.hpp"

namespace orderflow::inventory {

using messages::ReservationState;

struct Stock {
  int64_t on_hand = 0;
  int64_t available = 0;
  int64_t version = 0;  // 0: no row yet; bigint in the table (it counts every change of the sku)
  bool dirty = false;
  int64_t reserved() const { return on_hand - available; }
};

struct Reservation {
  int quantity = 0;
  ReservationState state = ReservationState::Short;
  bool dirty = false;
};

class StockLedger {
 public:
  using ReservationKey = std::pair<std::string, std::string>;  // (order_id, sku)

  // Rows as loaded; SKUs or reservations not given do not exist yet.
  std::map<std::string, Stock> stock;
  std::map<ReservationKey, Reservation> reservations;

  // StockReserved or StockShort; nothing for a repeated command (a reservation of (order, sku) exists).
  std::optional<messages::Payload> reserve(const messages::ReserveStock& m);
  // StockReleased when a RESERVED reservation went back; nothing when there is none (repeat, or short).
  std::optional<messages::Payload> release(const messages::ReleaseStock& m);
  // StockAdjusted, or StockAdjustRefused when fewer units than are reserved are asked for.
  messages::Payload adjust(const messages::AdjustStock& m);

 private:
  // Asserts the invariant for `sku` after an operation that moved its reserved units by `delta`.
  void check(const std::string& sku, int64_t reserved_before, int64_t delta) const;
};

}  // namespace orderflow::inventory
