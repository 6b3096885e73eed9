#include "order_role.hpp"

#include <set>

#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::consumers {

std::vector<std::string> OrderRole::topics() const { return {topics::kOrdersCommands}; }

void OrderRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) {
  pg::ValuesList orders(tx);
  pg::ValuesList lines(tx);
  std::set<std::string> seen;  // a batch may hold the same PlaceOrder twice (redelivery, client retry)
  for (const auto& r : batch) {
    if (r.envelope.type != "PlaceOrder") {
      out.dead_letter(r, "orders worker does not handle " + r.envelope.type);
      continue;
    }
    const auto& p = r.payload;
    const std::string order_id = p["order_id"].GetString();
    if (!seen.insert(order_id).second) continue;
    std::optional<std::string> cart;
    if (p.HasMember("cart_id")) cart = p["cart_id"].GetString();
    orders.row(order_id, std::string(p["customer_id"].GetString()), std::string(p["idempotency_key"].GetString()),
               cart, r.envelope.occurred_at);
    int line_no = 0;
    for (const auto& line : p["lines"].GetArray()) {
      lines.row(order_id, ++line_no, std::string(line["sku"].GetString()), line["quantity"].GetInt());
    }
  }
  if (orders.empty()) return;
  // Only orders new to us get their lines: ON CONFLICT makes a redelivered PlaceOrder a no-op.
  tx.exec(
      "WITH input (order_id, customer_id, idempotency_key, cart_id, placed_at) AS (VALUES " + orders.sql() +
      "), created AS ("
      " INSERT INTO orders.orders (order_id, customer_id, idempotency_key, cart_id, status, placed_at)"
      " SELECT order_id::uuid, customer_id, idempotency_key, cart_id, 'PENDING', placed_at::timestamptz"
      " FROM input ON CONFLICT (order_id) DO NOTHING RETURNING order_id)"
      " , line_input (order_id, line_no, sku, quantity) AS (VALUES " + lines.sql() + ")"
      " INSERT INTO orders.order_lines (order_id, line_no, sku, quantity)"
      " SELECT l.order_id::uuid, l.line_no::int, l.sku, l.quantity::int FROM line_input l"
      " JOIN created c ON c.order_id = l.order_id::uuid");
}

}  // namespace orderflow::consumers
