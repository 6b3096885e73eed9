#include "cart_store.hpp"

#include <pqxx/pqxx>

#include "catalog_store.hpp"
#include "db.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {

std::optional<std::string> CartStore::cart_json(const std::string& cart_id) const {
  struct Item {
    std::string sku;
    int64_t quantity;
  };
  struct Cart {
    std::optional<std::string> last_order_id;
    int64_t version = 0;
    std::vector<Item> items;
  };
  // One statement: the cart and its items as of one moment.
  const auto cart = db::read(dsn_, [&](pqxx::connection& c) -> std::optional<Cart> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params(
        "SELECT c.last_order_id::text, c.version, i.sku, i.quantity FROM carts.carts c"
        " LEFT JOIN carts.cart_items i USING (cart_id) WHERE c.cart_id = $1 ORDER BY i.sku",
        cart_id);
    if (rows.empty()) return std::nullopt;
    Cart out{rows[0][0].is_null() ? std::nullopt : std::optional(rows[0][0].as<std::string>()),
             rows[0][1].as<int64_t>(),
             {}};
    for (const auto& row : rows) {
      if (!row[2].is_null()) out.items.push_back({row[2].as<std::string>(), row[3].as<int64_t>()});
    }
    return out;
  });
  if (!cart) return std::nullopt;
  std::vector<std::string> skus;
  for (const auto& item : cart->items) skus.push_back(item.sku);
  const auto products = catalog_entries(catalog_dsn_, skus);

  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "cart_id", cart_id);
  w.Key("items");
  w.StartArray();
  // An item whose product left the catalog still shows (name and price null): it can be removed.
  for (const auto& item : cart->items) {
    w.StartObject();
    json::put(w, "sku", item.sku);
    json::put(w, "quantity", item.quantity);
    const auto p = products.find(item.sku);
    w.Key("name");
    p == products.end() ? w.Null() : w.String(p->second.name.c_str());
    w.Key("price_cents");
    p == products.end() ? w.Null() : w.Int64(p->second.price_cents);
    w.EndObject();
  }
  w.EndArray();
  w.Key("last_order_id");
  cart->last_order_id ? w.String(cart->last_order_id->c_str()) : w.Null();
  json::put(w, "version", cart->version);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
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
