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

}  // namespace orderflow::api
