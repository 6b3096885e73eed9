#pragma once
// The inventory's rules, without I/O: reserve, release and adjust stock for the SKUs of one batch.
// The inventory role loads the rows a batch touches, runs the ledger, and writes back what changed.
// Invariant kept by every operation: on_hand = available + sum(RESERVED reservations), available >= 0.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace orderflow::inventory {

struct Stock {
  int64_t on_hand = 0;
  int64_t available = 0;
  int version = 0;  // 0: no row yet
  bool dirty = false;
};

struct Reservation {
  int quantity = 0;
  std::string state;  // RESERVED | SHORT | RELEASED
  bool dirty = false;
};

// An event the ledger emits: its type, partition key and payload (compact JSON).
struct LedgerEvent {
  std::string type;
  std::string key;
  std::string payload;
};

class StockLedger {
 public:
  using ReservationKey = std::pair<std::string, std::string>;  // (order_id, sku)

  // Rows as loaded; SKUs or reservations not given do not exist yet.
  std::map<std::string, Stock> stock;
  std::map<ReservationKey, Reservation> reservations;

  // StockReserved or StockShort; nothing for a repeated command (a reservation of (order, sku) exists).
  std::optional<LedgerEvent> reserve(const std::string& order_id, const std::string& sku, int quantity);
  // StockReleased when a RESERVED reservation went back; nothing when there is none (repeat, or short).
  std::optional<LedgerEvent> release(const std::string& order_id, const std::string& sku);
  // StockAdjusted, or StockAdjustRefused when fewer units than are reserved are asked for.
  LedgerEvent adjust(const std::string& sku, int64_t on_hand);
};

}  // namespace orderflow::inventory
