#include "cart_role.hpp"

#include <map>
#include <optional>
#include <set>

#include "orderflow/json.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::carts {
namespace {

struct Cart {
  std::map<std::string, int> items;  // sku -> quantity, ordered by sku
  std::optional<std::string> last_order_id;
  int version = 0;  // 0: new
  bool dirty = false;
};

std::string str(const rapidjson::Value& v, const char* field) {
  return v[field].GetString();
}

std::map<std::string, Cart> load(pqxx::transaction_base& tx, const std::set<std::string>& ids) {
  std::map<std::string, Cart> carts;
  const std::string list = pg::quoted_list(tx, ids);
  for (const auto& row :
       tx.exec("SELECT cart_id, last_order_id::text, version FROM carts.carts WHERE cart_id IN (" + list +
               ") FOR UPDATE")) {
    Cart& c = carts[row[0].as<std::string>()];
    if (!row[1].is_null()) c.last_order_id = row[1].as<std::string>();
    c.version = row[2].as<int>();
  }
  for (const auto& row :
       tx.exec("SELECT cart_id, sku, quantity FROM carts.cart_items WHERE cart_id IN (" + list + ")")) {
    carts[row[0].as<std::string>()].items[row[1].as<std::string>()] = row[2].as<int>();
  }
  return carts;
}

// A touched cart is written whole: its row upserted, its items replaced.
void save(pqxx::transaction_base& tx, const std::map<std::string, Cart>& carts) {
  pg::ValuesList rows(tx), items(tx);
  std::set<std::string> touched;
  for (const auto& [id, c] : carts) {
    if (!c.dirty) continue;
    touched.insert(id);
    rows.row(id, c.last_order_id, c.version);
    for (const auto& [sku, quantity] : c.items) items.row(id, sku, quantity);
  }
  if (touched.empty()) return;
  tx.exec(
      "INSERT INTO carts.carts (cart_id, last_order_id, version) SELECT cart_id, last_order_id::uuid, "
      "version::int"
      " FROM (VALUES " +
      rows.sql() +
      ") AS v (cart_id, last_order_id, version) ON CONFLICT (cart_id) DO UPDATE"
      " SET last_order_id = EXCLUDED.last_order_id, version = EXCLUDED.version, updated_at = now()");
  tx.exec("DELETE FROM carts.cart_items WHERE cart_id IN (" + pg::quoted_list(tx, touched) + ")");
  if (!items.empty()) {
    tx.exec(
        "INSERT INTO carts.cart_items (cart_id, sku, quantity) SELECT cart_id, sku, quantity::int FROM "
        "(VALUES " +
        items.sql() + ") AS v (cart_id, sku, quantity)");
  }
}

std::string place_order_payload(const rapidjson::Value& checkout, const Cart& cart) {
  rapidjson::StringBuffer b;
  json::Writer w(b);
  w.StartObject();
  json::put(w, "order_id", str(checkout, "order_id"));
  json::put(w, "customer_id", str(checkout, "customer_id"));
  json::put(w, "idempotency_key", str(checkout, "idempotency_key"));
  json::put(w, "cart_id", str(checkout, "cart_id"));
  w.Key("lines");
  w.StartArray();
  for (const auto& [sku, quantity] : cart.items) {
    w.StartObject();
    json::put(w, "sku", sku);
    json::put(w, "quantity", static_cast<int64_t>(quantity));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return {b.GetString(), b.GetSize()};
}

}  // namespace

std::vector<std::string> CartRole::topics() const {
  return {topics::kCartsCommands};
}

void CartRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) {
  std::set<std::string> ids;
  for (const auto& r : batch) ids.insert(str(r.payload, "cart_id"));
  if (ids.empty()) return;
  auto carts = load(tx, ids);
  for (const auto& r : batch) {
    const auto& p = r.payload;
    const auto& type = r.envelope.type;
    Cart& cart = carts[str(p, "cart_id")];
    if (type == "AddCartItem") {
      cart.items[str(p, "sku")] = p["quantity"].GetInt();
    } else if (type == "RemoveCartItem") {
      cart.items.erase(str(p, "sku"));
    } else if (type == "CheckoutCart") {
      const std::string order_id = str(p, "order_id");
      // A retried checkout (same Idempotency-Key, so same order id) must not take the items added since.
      if (cart.last_order_id == order_id) continue;
      out.publish(topics::kOrdersCommands,
                  make_caused_envelope(r.envelope.id, "PlaceOrder", order_id, place_order_payload(p, cart)));
      cart.items.clear();
      cart.last_order_id = order_id;
    } else {
      out.dead_letter(r, "the carts worker does not handle " + type);
      continue;
    }
    ++cart.version;
    cart.dirty = true;
  }
  save(tx, carts);
}

}  // namespace orderflow::carts
