#include "order_store.hpp"

#include <pqxx/pqxx>

#include "db.hpp"

namespace orderflow::api {
namespace {

// PostgreSQL builds the document: one round trip, and the JSON is exactly the row.
constexpr const char* kOrderJson =
    "json_build_object("
    " 'order_id', o.order_id, 'customer_id', o.customer_id, 'status', o.status, 'reason', o.reason,"
    " 'total_cents', o.total_cents, 'version', o.version,"
    " 'placed_at', to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " 'updated_at', to_char(o.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " 'lines', (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,"
    "   'unit_price_cents', l.unit_price_cents) ORDER BY l.line_no), '[]'::json)"
    "   FROM orders.order_lines l WHERE l.order_id = o.order_id))::text";

// A PostgreSQL array literal of UUIDs, passed as ONE parameter: {id1,id2,...}. Callers pass validated
// UUIDs; the server parses the literal as uuid[] and would refuse anything else.
std::string uuid_array(const std::vector<std::string>& ids) {
  std::string out = "{";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += ids[i];
  }
  return out + "}";
}

}  // namespace

std::map<std::string, std::string> OrderStore::orders_json(const std::vector<std::string>& order_ids,
                                                           bool decided_only) const {
  std::map<std::string, std::string> out;
  if (order_ids.empty()) return out;
  const std::string query = std::string("SELECT o.order_id::text, ") + kOrderJson +
                            " FROM orders.orders o WHERE o.order_id = ANY($1::uuid[])" +
                            (decided_only ? " AND o.status <> 'PENDING'" : "");
  const std::string ids = uuid_array(order_ids);
  return db::read(dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::map<std::string, std::string> found;
    for (const auto& row : tx.exec_params(query, ids))
      found.emplace(row[0].as<std::string>(), row[1].as<std::string>());
    return found;
  });
}

std::optional<std::string> OrderStore::order_json(const std::string& order_id) const {
  auto found = orders_json({order_id}, false);
  if (found.empty()) return std::nullopt;
  return std::move(found.begin()->second);
}

std::optional<OrderStore::Head> OrderStore::status(const std::string& order_id) const {
  return db::read(dsn_, [&](pqxx::connection& c) -> std::optional<Head> {
    pqxx::nontransaction tx(c);
    const auto rows =
        tx.exec_params("SELECT status, customer_id FROM orders.orders WHERE order_id = $1::uuid", order_id);
    if (rows.empty()) return std::nullopt;
    return Head{rows[0][0].as<std::string>(), rows[0][1].as<std::string>()};
  });
}

bool OrderStore::reachable() const {
  return db::reachable(dsn_);
}

}  // namespace orderflow::api
