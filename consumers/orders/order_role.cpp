#include "order_role.hpp"

#include <set>

#include "order_saga.hpp"
#include "orderflow/overloaded.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::orders {
namespace {

// Loads, with row locks, the orders the batch refers to, and the catalog prices of new orders' SKUs.
void load(pqxx::transaction_base& tx, const std::set<std::string>& order_ids,
          const std::set<std::string>& skus, OrderSaga& saga) {
  if (!order_ids.empty()) {
    const std::string ids = pg::array_literal(order_ids);
    for (const auto& row :
         pg::exec_prepared(tx,
                           "SELECT order_id::text, customer_id, idempotency_key, cart_id, "
                           "status, reason, coalesce(total_cents, 0), version, placed_at::text"
                           " FROM orders.orders WHERE order_id = ANY($1::uuid[]) FOR UPDATE",
                           ids)) {
      Order& o = saga.orders[row[0].as<std::string>()];
      o.order_id = row[0].as<std::string>();
      o.customer_id = row[1].as<std::string>();
      o.idempotency_key = row[2].as<std::string>();
      if (!row[3].is_null()) o.cart_id = row[3].as<std::string>();
      o.status = pg::state_from<OrderStatus>(row[4]);
      if (!row[5].is_null()) o.reason = row[5].as<std::string>();
      o.total_cents = row[6].as<int64_t>();
      o.version = row[7].as<int>();
      o.placed_at = row[8].as<std::string>();
    }
    for (const auto& row : pg::exec_prepared(
             tx,
             "SELECT order_id::text, line_no, sku, quantity, coalesce(unit_price_cents, 0), state"
             " FROM orders.order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY line_no",
             ids)) {
      saga.orders[row[0].as<std::string>()].lines.push_back(Line{row[1].as<int>(), row[2].as<std::string>(),
                                                                 row[3].as<int>(), row[4].as<int64_t>(),
                                                                 pg::state_from<LineState>(row[5]), false});
    }
    for (const auto& row :
         pg::exec_prepared(tx,
                           "SELECT order_id::text, sku, type, quantity, available, sku_version FROM "
                           "orders.early_stock_answers WHERE order_id = ANY($1::uuid[]) ORDER BY received_at",
                           ids)) {
      messages::StockAnswer a{row[0].as<std::string>(), row[1].as<std::string>(), row[3].as<int>(),
                              row[4].as<int64_t>(), row[5].as<int64_t>()};
      const std::string type = row[2].as<std::string>();
      auto& answers = saga.early[a.order_id];
      if (type == messages::StockReserved::kType) answers.push_back(messages::StockReserved{a});
      if (type == messages::StockShort::kType) answers.push_back(messages::StockShort{a});
      if (type == messages::StockReleased::kType) answers.push_back(messages::StockReleased{a});
    }
  }
  if (!skus.empty()) {
    for (const auto& row :
         pg::exec_prepared(tx, "SELECT sku, price_cents FROM catalog.products WHERE sku = ANY($1::text[])",
                           pg::array_literal(skus))) {
      saga.catalog_prices[row[0].as<std::string>()] = row[1].as<int64_t>();
    }
  }
}

// Writes back what the saga changed: new orders and lines inserted, changed ones updated, one
// statement each.
void save_early_answers(pqxx::transaction_base& tx, const OrderSaga& saga) {
  pg::Rows rows;
  for (const auto& answer : saga.parked) {
    std::visit(
        [&](const auto& m) {
          if (saga.early_applied.count(m.order_id) == 0)
            rows.row(m.order_id, m.sku, std::string(m.kType), m.quantity, m.available, m.sku_version);
        },
        answer);
  }
  if (!rows.empty()) {
    pg::exec_rows(
        tx,
        "INSERT INTO orders.early_stock_answers (order_id, sku, type, quantity, available, sku_version)"
        " SELECT order_id::uuid, sku, type, quantity::int, available::bigint, sku_version::bigint FROM " +
            rows.from("order_id, sku, type, quantity, available, sku_version") + " ON CONFLICT DO NOTHING",
        rows);
  }
  if (!saga.early_applied.empty()) {
    pg::exec_prepared(tx, "DELETE FROM orders.early_stock_answers WHERE order_id = ANY($1::uuid[])",
                      pg::array_literal(saga.early_applied));
  }
}

void save(pqxx::transaction_base& tx, const OrderSaga& saga) {
  save_early_answers(tx, saga);
  pg::Rows new_orders, changed_orders, new_lines, changed_lines;
  for (const auto& [id, o] : saga.orders) {
    if (!o.dirty) continue;
    if (o.created) {
      new_orders.row(id, o.customer_id, o.idempotency_key, o.cart_id, to_string(o.status), o.reason,
                     o.total_cents, o.version, o.placed_at);
    } else {
      changed_orders.row(id, to_string(o.status), o.reason, o.version);
    }
    for (const auto& l : o.lines) {
      if (o.created) {
        new_lines.row(id, l.line_no, l.sku, l.quantity, l.unit_price_cents, to_string(l.state));
      } else if (l.dirty) {
        changed_lines.row(id, l.line_no, to_string(l.state));
      }
    }
  }
  if (!new_orders.empty()) {
    pg::exec_rows(
        tx,
        "INSERT INTO orders.orders (order_id, customer_id, idempotency_key, cart_id, status, reason,"
        " total_cents, version, placed_at) SELECT order_id::uuid, customer_id, idempotency_key, cart_id,"
        " status, reason, total_cents::bigint, version::int, placed_at::timestamptz FROM " +
            new_orders.from("order_id, customer_id, idempotency_key, cart_id, status, reason, "
                            "total_cents, version, placed_at"),
        new_orders);
  }
  if (!new_lines.empty()) {
    pg::exec_rows(
        tx,
        "INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, unit_price_cents, state)"
        " SELECT order_id::uuid, line_no::int, sku, quantity::int, unit_price_cents::bigint, state FROM " +
            new_lines.from("order_id, line_no, sku, quantity, unit_price_cents, state"),
        new_lines);
  }
  if (!changed_orders.empty()) {
    pg::exec_rows(tx,
                  "UPDATE orders.orders o SET status = v.status, reason = v.reason, version = v.version::int,"
                  " updated_at = now() FROM " +
                      changed_orders.from("order_id, status, reason, version") +
                      " WHERE o.order_id = v.order_id::uuid",
                  changed_orders);
  }
  if (!changed_lines.empty()) {
    pg::exec_rows(tx,
                  "UPDATE orders.order_lines l SET state = v.state FROM " +
                      changed_lines.from("order_id, line_no, state") +
                      " WHERE l.order_id = v.order_id::uuid AND l.line_no = v.line_no::int",
                  changed_lines);
  }
}

}  // namespace

std::vector<std::string> OrderRole::topics() const {
  return {std::string(messages::kOrdersCommands.name), std::string(messages::kInventoryEvents.name)};
}

bool OrderRole::idempotent_by_state(const messages::Message& m) const {
  return std::holds_alternative<messages::PlaceOrder>(m.payload) ||
         std::holds_alternative<messages::StockReserved>(m.payload) ||
         std::holds_alternative<messages::StockShort>(m.payload) ||
         std::holds_alternative<messages::StockReleased>(m.payload);
}

void OrderRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) {
  std::set<std::string> order_ids, skus;
  for (const auto& r : batch) {
    std::visit(
        [&](const auto& m) {
          if constexpr (requires { m.order_id; }) order_ids.insert(m.order_id);
          if constexpr (std::is_same_v<std::decay_t<decltype(m)>, messages::PlaceOrder>) {
            for (const auto& l : m.lines) skus.insert(l.sku);
          }
        },
        r.message.payload);
  }
  OrderSaga saga;
  load(tx, order_ids, skus, saga);

  Out messages;
  for (const auto& r : batch) {
    messages.clear();
    std::visit(
        overloaded{
            [&](const messages::PlaceOrder& m) {
              std::set<std::string_view> seen;
              for (const auto& l : m.lines) {
                if (!seen.insert(l.sku).second) {  // the api refuses these; a hand-made command may not
                  out.dead_letter(r, "PlaceOrder names a sku on two lines");
                  return;
                }
              }
              saga.place(m, r.message.occurred_at, messages);
            },
            [&](const messages::CancelOrder& m) { saga.cancel(m, messages); },
            [&](const messages::StockReserved& m) { saga.reserved(m, messages); },
            [&](const messages::StockShort& m) { saga.short_of(m, messages); },
            [&](const messages::StockReleased& m) { saga.released(m); },
            // Other inventory events (StockAdjusted, ...) are not for the saga: skipped.
            [](const auto&) {}},
        r.message.payload);
    for (auto& m : messages) out.publish_caused(r.message, std::move(m));
  }
  save(tx, saga);
}

}  // namespace orderflow::orders
