#include "order_role.hpp"

#include <set>

#include "order_saga.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::orders {
namespace {

std::string str(const rapidjson::Value& v, const char* field) {
  return v[field].GetString();
}
std::optional<std::string> opt_str(const rapidjson::Value& v, const char* field) {
  auto it = v.FindMember(field);
  return it == v.MemberEnd() ? std::nullopt : std::optional<std::string>(it->value.GetString());
}

bool is_stock_answer(const std::string& type) {
  return type == "StockReserved" || type == "StockShort" || type == "StockReleased";
}

// Loads, with row locks, the orders the batch refers to, and the catalog prices of new orders' SKUs.
void load(pqxx::transaction_base& tx, const std::set<std::string>& order_ids,
          const std::set<std::string>& skus, OrderSaga& saga) {
  if (!order_ids.empty()) {
    const std::string ids = pg::quoted_list(tx, order_ids);
    for (const auto& row : tx.exec("SELECT order_id::text, customer_id, idempotency_key, cart_id, status, "
                                   "reason, coalesce(total_cents, 0),"
                                   " version, placed_at::text FROM orders.orders WHERE order_id IN (" +
                                   ids + ") FOR UPDATE")) {
      Order& o = saga.orders[row[0].as<std::string>()];
      o.order_id = row[0].as<std::string>();
      o.customer_id = row[1].as<std::string>();
      o.idempotency_key = row[2].as<std::string>();
      if (!row[3].is_null()) o.cart_id = row[3].as<std::string>();
      o.status = row[4].as<std::string>();
      if (!row[5].is_null()) o.reason = row[5].as<std::string>();
      o.total_cents = row[6].as<int64_t>();
      o.version = row[7].as<int>();
      o.placed_at = row[8].as<std::string>();
    }
    for (const auto& row :
         tx.exec("SELECT order_id::text, line_no, sku, quantity, coalesce(unit_price_cents, 0), state"
                 " FROM orders.order_lines WHERE order_id IN (" +
                 ids + ") ORDER BY line_no")) {
      saga.orders[row[0].as<std::string>()].lines.push_back(Line{row[1].as<int>(), row[2].as<std::string>(),
                                                                 row[3].as<int>(), row[4].as<int64_t>(),
                                                                 row[5].as<std::string>(), false});
    }
  }
  if (!skus.empty()) {
    for (const auto& row : tx.exec("SELECT sku, price_cents FROM catalog.products WHERE sku IN (" +
                                   pg::quoted_list(tx, skus) + ")")) {
      saga.catalog_prices[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
  }
}

// Writes back what the saga changed: new orders and lines inserted, changed ones updated, one
// statement each.
void save(pqxx::transaction_base& tx, const OrderSaga& saga) {
  pg::ValuesList new_orders(tx), changed_orders(tx), new_lines(tx), changed_lines(tx);
  for (const auto& [id, o] : saga.orders) {
    if (!o.dirty) continue;
    if (o.created) {
      new_orders.row(id, o.customer_id, o.idempotency_key, o.cart_id, o.status, o.reason, o.total_cents,
                     o.version, o.placed_at);
    } else {
      changed_orders.row(id, o.status, o.reason, o.version);
    }
    for (const auto& l : o.lines) {
      if (o.created) {
        new_lines.row(id, l.line_no, l.sku, l.quantity, l.unit_price_cents, l.state);
      } else if (l.dirty) {
        changed_lines.row(id, l.line_no, l.state);
      }
    }
  }
  if (!new_orders.empty()) {
    tx.exec(
        "INSERT INTO orders.orders (order_id, customer_id, idempotency_key, cart_id, status, reason, "
        "total_cents,"
        " version, placed_at) SELECT order_id::uuid, customer_id, idempotency_key, cart_id, status, reason,"
        " total_cents::bigint, version::int, placed_at::timestamptz FROM (VALUES " +
        new_orders.sql() +
        ") AS v (order_id, customer_id, idempotency_key, cart_id, status, reason, total_cents, version, "
        "placed_at)");
  }
  if (!new_lines.empty()) {
    tx.exec(
        "INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, unit_price_cents, state)"
        " SELECT order_id::uuid, line_no::int, sku, quantity::int, unit_price_cents::bigint, state FROM "
        "(VALUES " +
        new_lines.sql() + ") AS v (order_id, line_no, sku, quantity, unit_price_cents, state)");
  }
  if (!changed_orders.empty()) {
    tx.exec(
        "UPDATE orders.orders o SET status = v.status, reason = v.reason, version = v.version::int,"
        " updated_at = now() FROM (VALUES " +
        changed_orders.sql() +
        ") AS v (order_id, status, reason, version)"
        " WHERE o.order_id = v.order_id::uuid");
  }
  if (!changed_lines.empty()) {
    tx.exec("UPDATE orders.order_lines l SET state = v.state FROM (VALUES " + changed_lines.sql() +
            ") AS v (order_id, line_no, state) WHERE l.order_id = v.order_id::uuid AND l.line_no = "
            "v.line_no::int");
  }
}

}  // namespace

std::vector<std::string> OrderRole::topics() const {
  return {topics::kOrdersCommands, topics::kInventoryEvents};
}

void OrderRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) {
  std::set<std::string> order_ids, skus;
  for (const auto& r : batch) {
    const auto& type = r.envelope.type;
    if (type == "PlaceOrder") {
      for (const auto& l : r.payload["lines"].GetArray()) skus.insert(l["sku"].GetString());
    }
    if (type == "PlaceOrder" || type == "CancelOrder" || is_stock_answer(type)) {
      order_ids.insert(str(r.payload, "order_id"));
    }
  }
  OrderSaga saga;
  load(tx, order_ids, skus, saga);

  std::vector<SagaMessage> messages;
  for (const auto& r : batch) {
    const auto& p = r.payload;
    const auto& type = r.envelope.type;
    messages.clear();
    if (type == "PlaceOrder") {
      std::vector<NewOrderLine> lines;
      std::set<std::string> seen;
      bool duplicate = false;
      for (const auto& l : p["lines"].GetArray()) {
        duplicate |= !seen.insert(l["sku"].GetString()).second;
        lines.push_back(NewOrderLine{l["sku"].GetString(), l["quantity"].GetInt()});
      }
      if (duplicate) {  // the api refuses these; a hand-made command may not
        out.dead_letter(r, "PlaceOrder names a sku on two lines");
        continue;
      }
      saga.place(str(p, "order_id"), str(p, "customer_id"), str(p, "idempotency_key"), opt_str(p, "cart_id"),
                 lines, r.envelope.occurred_at, messages);
    } else if (type == "CancelOrder") {
      saga.cancel(str(p, "order_id"), opt_str(p, "reason"), messages);
    } else if (type == "StockReserved") {
      saga.reserved(str(p, "order_id"), str(p, "sku"), messages);
    } else if (type == "StockShort") {
      saga.short_of(str(p, "order_id"), str(p, "sku"), p["available"].GetInt64(), messages);
    } else if (type == "StockReleased") {
      saga.released(str(p, "order_id"), str(p, "sku"));
    } else if (r.topic.ends_with(topics::kOrdersCommands)) {
      out.dead_letter(r, "the orders worker does not handle " + type);
    }
    // Other inventory events (StockAdjusted, ...) are not for the saga: skipped, not dead letters.
    for (auto& m : messages) {
      out.publish(m.topic,
                  make_caused_envelope(r.envelope.id, m.type, m.key, std::move(m.payload), m.discriminator));
    }
  }
  save(tx, saga);
}

}  // namespace orderflow::orders
