#pragma once
// The order saga's rules, without I/O. The orders role loads the orders a batch touches (and catalog
// prices for new ones), feeds the typed messages to the saga in order, and writes back what changed.
//
//   PlaceOrder      -> order PENDING, lines priced from the catalog; ReserveStock per line
//                      (unknown SKU or no lines: REJECTED at once)
//   StockReserved   -> line RESERVED; all lines reserved -> CONFIRMED
//                      (order already REJECTED/CANCELLED: release the line right away)
//   StockShort      -> line SHORT; order PENDING -> REJECTED, release every RESERVED line
//   StockReleased   -> line RELEASED
//   CancelOrder     -> PENDING|CONFIRMED -> CANCELLED, release every RESERVED line;
//                      in any other state: OrderCommandRefused
//   an answer before its order -> kept (early), applied right after PlaceOrder creates the order
// A message that was applied before (same order, same line state) changes nothing: effect-once.
// Invariants, asserted where they are kept (vassert): an order moves only along the edges above, a line
// only PENDING -> RESERVED|SHORT, RESERVED -> RELEASING -> RELEASED, and CONFIRMED means every line is
// RESERVED.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "orderflow/messages/payloads.hpp"
#include "orderflow/messages/topics.hpp"

namespace orderflow::orders {

using messages::LineState;
using messages::OrderStatus;

struct Line {
  int line_no = 0;
  std::string sku;
  int quantity = 0;
  int64_t unit_price_cents = 0;
  LineState state = LineState::Pending;
  bool dirty = false;
};

struct Order {
  std::string order_id;
  std::string customer_id;
  std::string idempotency_key;
  std::optional<std::string> cart_id;
  OrderStatus status = OrderStatus::Pending;
  std::optional<std::string> reason;
  int64_t total_cents = 0;
  int version = 0;
  std::string placed_at;
  std::vector<Line> lines;
  bool created = false;  // new in this batch: inserted rather than updated
  bool dirty = false;
};

// What the saga wants sent; the role publishes each as caused by the message it applied.
using Out = std::vector<messages::Payload>;

// An answer of inventory about one line of an order.
using StockAnswerMessage =
    std::variant<messages::StockReserved, messages::StockShort, messages::StockReleased>;

class OrderSaga {
 public:
  std::map<std::string, Order> orders;            // loaded, and created by place()
  std::map<std::string, int64_t> catalog_prices;  // sku -> price, for the SKUs of new orders
  // Answers that came before their order (a restore or a replay re-reads the two topics from different
  // points): by order id, those loaded for the batch's orders and those parked by it. place() applies
  // them once it created the order.
  std::map<std::string, std::vector<StockAnswerMessage>> early;
  std::vector<StockAnswerMessage> parked;  // parked by this batch: to store
  std::set<std::string> early_applied;     // orders whose stored answers were applied: to forget

  void place(const messages::PlaceOrder& m, const std::string& placed_at, Out& out);
  void reserved(const messages::StockReserved& m, Out& out);
  void short_of(const messages::StockShort& m, Out& out);
  void released(const messages::StockReleased& m);
  void cancel(const messages::CancelOrder& m, Out& out);

  // The only ways state changes: each asserts that the edge is legal.
  static void set_status(Order& order, OrderStatus to);
  static void set_state(Order& order, Line& line, LineState to);

 private:
  Line* line_of(Order& order, const std::string& sku);
  void create(const messages::PlaceOrder& m, const std::string& placed_at, Out& out);
  // Keeps an answer to an order that does not exist yet; true if it did so.
  bool park_if_early(const StockAnswerMessage& answer, const std::string& order_id);
  void apply_early(const std::string& order_id, Out& out);
  void reject(Order& order, const std::string& reason, Out& out);
  void release_reserved_lines(Order& order, Out& out);
  void release_line(Order& order, Line& line, Out& out);
};

}  // namespace orderflow::orders
