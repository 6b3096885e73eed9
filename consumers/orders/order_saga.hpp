#pragma once
// The order saga's rules, without I/O. The orders role loads the orders a batch touches (and catalog
// prices for new ones), feeds the records to the saga in order, and writes back what changed.
//
//   PlaceOrder      -> order PENDING, lines priced from the catalog; ReserveStock per line
//                      (unknown SKU or no lines: REJECTED at once)
//   StockReserved   -> line RESERVED; all lines reserved -> CONFIRMED
//                      (order already REJECTED/CANCELLED: release the line right away)
//   StockShort      -> line SHORT; order PENDING -> REJECTED, release every RESERVED line
//   StockReleased   -> line RELEASED
//   CancelOrder     -> PENDING|CONFIRMED -> CANCELLED, release every RESERVED line;
//                      in any other state: OrderCommandRefused
// A message that was applied before (same order, same line state) changes nothing: effect-once.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orderflow::orders {

struct Line {
  int line_no = 0;
  std::string sku;
  int quantity = 0;
  int64_t unit_price_cents = 0;
  std::string state = "PENDING";  // PENDING | RESERVED | SHORT | RELEASING | RELEASED
  bool dirty = false;
};

struct Order {
  std::string order_id;
  std::string customer_id;
  std::string idempotency_key;
  std::optional<std::string> cart_id;
  std::string status;  // PENDING | CONFIRMED | REJECTED | CANCELLED
  std::optional<std::string> reason;
  int64_t total_cents = 0;
  int version = 0;
  std::string placed_at;
  std::vector<Line> lines;
  bool created = false;  // new in this batch: inserted rather than updated
  bool dirty = false;
};

// A message the saga wants sent: topic (without prefix), type, key, payload, and what makes its id
// unique among the messages of one cause.
struct SagaMessage {
  std::string topic;
  std::string type;
  std::string key;
  std::string payload;
  std::string discriminator;
};

struct NewOrderLine {
  std::string sku;
  int quantity = 0;
};

class OrderSaga {
 public:
  std::map<std::string, Order> orders;            // loaded, and created by place()
  std::map<std::string, int64_t> catalog_prices;  // sku -> price, for the SKUs of new orders

  void place(const std::string& order_id, const std::string& customer_id, const std::string& idempotency_key,
             const std::optional<std::string>& cart_id, const std::vector<NewOrderLine>& lines,
             const std::string& placed_at, std::vector<SagaMessage>& out);
  void reserved(const std::string& order_id, const std::string& sku, std::vector<SagaMessage>& out);
  void short_of(const std::string& order_id, const std::string& sku, int64_t available,
                std::vector<SagaMessage>& out);
  void released(const std::string& order_id, const std::string& sku);
  void cancel(const std::string& order_id, const std::optional<std::string>& reason,
              std::vector<SagaMessage>& out);

 private:
  Line* line_of(Order& order, const std::string& sku);
  void reject(Order& order, const std::string& reason, std::vector<SagaMessage>& out);
  void release_reserved_lines(Order& order, std::vector<SagaMessage>& out);
  void release_line(Order& order, Line& line, std::vector<SagaMessage>& out);
  void touch(Order& order);
};

}  // namespace orderflow::orders
