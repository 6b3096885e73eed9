#include "order_store.hpp"

#include <memory>
#include <pqxx/pqxx>

#include "orderflow/pg.hpp"

namespace orderflow::api {
namespace {

// One connection per thread (libpqxx connections are not thread-safe); replaced when broken.
template <typename Fn>
auto with_connection(const std::string& dsn, Fn&& fn) {
  thread_local std::unique_ptr<pqxx::connection> conn;
  if (!conn || !conn->is_open()) conn = pg::connect(dsn);
  try {
    return fn(*conn);
  } catch (const pqxx::broken_connection&) {
    conn.reset();
    throw;
  }
}

}  // namespace

std::optional<std::string> OrderStore::order_json(const std::string& order_id) const {
  return with_connection(dsn_, [&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::read_transaction tx(c);
    // PostgreSQL builds the document: one round trip, and the JSON is exactly the row.
    const auto rows = tx.exec(
        "SELECT json_build_object("
        " 'order_id', o.order_id, 'customer_id', o.customer_id, 'status', o.status, 'reason', o.reason,"
        " 'total_cents', o.total_cents, 'version', o.version,"
        " 'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
        " 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
        " 'lines', (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,"
        "   'unit_price_cents', l.unit_price_cents) ORDER BY l.line_no), '[]'::json)"
        "   FROM orders.order_lines l WHERE l.order_id = o.order_id))::text"
        " FROM orders.orders o WHERE o.order_id = " + tx.quote(order_id) + "::uuid");
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  });
}

bool OrderStore::reachable() const {
  try {
    return with_connection(dsn_, [](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT 1");
      return true;
    });
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace orderflow::api
