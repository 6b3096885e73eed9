#include "order_store.hpp"

#include <pqxx/pqxx>
#include <regex>

#include "db.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::api {
namespace {

// PostgreSQL builds the document: one round trip, and the JSON is exactly the rows.
const std::string kOrderFields =
    "'order_id', o.order_id, 'customer_id', o.customer_id, 'status', o.status, 'reason', o.reason,"
    " 'total_cents', o.total_cents, 'version', o.version, 'placed_at', " +
    pg::iso8601_utc("o.placed_at") + ", 'updated_at', " + pg::iso8601_utc("o.updated_at") +
    ", 'lines', (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,"
    "   'unit_price_cents', l.unit_price_cents) ORDER BY l.line_no), '[]'::json)"
    "   FROM views.order_lines l WHERE l.order_id = o.order_id)";

const std::string kTimelineField =
    "'timeline', (SELECT coalesce(json_agg(json_build_object('event_id', e.event_id, 'type', e.type,"
    "   'occurred_at', " +
    pg::iso8601_utc("e.occurred_at") +
    ", 'detail', e.detail) ORDER BY e.occurred_at, e.event_id), '[]'::json)"
    " FROM views.order_events e WHERE e.order_id = o.order_id)";

}  // namespace

OrderReads OrderStore::orders_json(const std::vector<std::string>& order_ids, bool decided_only) const {
  // The freshness comes with the rows (a LEFT JOIN: also when none is found), read in one snapshot.
  const std::string query = "SELECT o.order_id::text, json_build_object(" + kOrderFields + ", " +
                            kTimelineField + ")::text, " + kFreshnessColumn +
                            " FROM (SELECT 1) one LEFT JOIN views.orders o ON o.order_id = ANY($1::uuid[])" +
                            (decided_only ? " AND o.status <> 'PENDING'" : "");
  const std::string ids = pg::array_literal(order_ids);
  return db::read(views_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    OrderReads found;
    for (const auto& row : pg::exec_prepared(tx, query, ids)) {
      found.freshness = freshness_from(row[2].as<std::string>());
      if (!row[0].is_null()) found.orders.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    }
    return found;
  });
}

CustomerOrdersPage OrderStore::customer_orders(const std::string& customer_id, size_t limit,
                                               const std::optional<std::string>& cursor) const {
  // (placed_at, order_id) descending is the index's order (views.sql: orders_by_customer): every page
  // costs the same however deep it is.
  const std::string select =
      "SELECT json_build_object(" + kOrderFields +
      ")::text, (extract(epoch FROM o.placed_at) * 1000000)::bigint || '~' || o.order_id, " +
      kFreshnessColumn + " FROM views.orders o WHERE o.customer_id = $1";
  const std::string order = " ORDER BY o.placed_at DESC, o.order_id DESC LIMIT $2";
  return db::read(views_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    pqxx::result rows;
    if (cursor) {
      const auto tilde = cursor->find('~');
      rows = tx.exec_params(select +
                                " AND (o.placed_at, o.order_id) < ('epoch'::timestamptz + $3::bigint *"
                                " interval '1 microsecond', $4::uuid)" +
                                order,
                            customer_id, limit + 1, cursor->substr(0, tilde), cursor->substr(tilde + 1));
    } else {
      rows = tx.exec_params(select + order, customer_id, limit + 1);
    }
    CustomerOrdersPage page;
    for (const auto& row : rows) {
      if (page.orders.size() == limit) {
        page.next = rows[static_cast<pqxx::result::size_type>(limit - 1)][1].as<std::string>();
        break;
      }
      page.orders.push_back(row[0].as<std::string>());
    }
    page.freshness = rows.empty() ? read_freshness(tx) : freshness_from(rows[0][2].as<std::string>());
    return page;
  });
}

bool OrderStore::is_cursor(const std::string& text) {
  static const std::regex shape("[0-9]{1,17}~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(text, shape);
}

std::optional<OrderStore::Head> OrderStore::status(const std::string& order_id) const {
  return db::read(orders_dsn_, [&](pqxx::connection& c) -> std::optional<Head> {
    pqxx::nontransaction tx(c);
    const auto rows =
        tx.exec_params("SELECT status, customer_id FROM orders.orders WHERE order_id = $1::uuid", order_id);
    if (rows.empty()) return std::nullopt;
    return Head{rows[0][0].as<std::string>(), rows[0][1].as<std::string>()};
  });
}

bool OrderStore::reachable() const {
  return db::reachable(views_dsn_) && (orders_dsn_ == views_dsn_ || db::reachable(orders_dsn_));
}

}  // namespace orderflow::api
