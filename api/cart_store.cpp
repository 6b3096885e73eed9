#include "cart_store.hpp"

#include <pqxx/pqxx>

#include "db.hpp"

namespace orderflow::api {

std::optional<std::string> CartStore::cart_json(const std::string& cart_id) const {
  return db::read(dsn_, [&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::nontransaction tx(c);
    // An item whose product left the catalog still shows (name and price null): it can be removed.
    const auto rows = tx.exec_params(
        "SELECT json_build_object('cart_id', c.cart_id,"
        " 'items', (SELECT coalesce(json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity,"
        "   'name', p.name, 'price_cents', p.price_cents) ORDER BY i.sku), '[]'::json)"
        "   FROM carts.cart_items i LEFT JOIN catalog.products p ON p.sku = i.sku WHERE i.cart_id = "
        "c.cart_id),"
        " 'last_order_id', c.last_order_id, 'version', c.version)::text"
        " FROM carts.carts c WHERE c.cart_id = $1",
        cart_id);
    if (rows.empty()) return std::nullopt;
    return rows[0][0].as<std::string>();
  });
}

bool CartStore::would_exceed(const std::string& cart_id, const std::string& sku, size_t limit) const {
  return db::read(dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const auto row = tx.exec_params(
        "SELECT count(*), coalesce(bool_or(sku = $2), false) FROM carts.cart_items WHERE cart_id = $1",
        cart_id, sku)[0];
    return row[0].as<size_t>() >= limit && !row[1].as<bool>();
  });
}

}  // namespace orderflow::api
