#include "cart_role.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "cart_book.hpp"
#include "orderflow/overloaded.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::carts {
namespace {

std::map<std::string, Cart> load(pqxx::transaction_base& tx, const std::set<std::string>& ids) {
  std::map<std::string, Cart> carts;
  const std::string list = pg::array_literal(ids);
  for (const auto& row : pg::exec_prepared(tx,
                                           "SELECT cart_id, last_order_id::text, version FROM carts.carts "
                                           "WHERE cart_id = ANY($1::text[]) FOR UPDATE",
                                           list)) {
    Cart& c = carts[row[0].as<std::string>()];
    if (!row[1].is_null()) c.last_order_id = row[1].as<std::string>();
    c.version = row[2].as<int>();
  }
  for (const auto& row : pg::exec_prepared(
           tx, "SELECT cart_id, sku, quantity FROM carts.cart_items WHERE cart_id = ANY($1::text[])", list)) {
    carts[row[0].as<std::string>()].items[row[1].as<std::string>()] = row[2].as<int>();
  }
  return carts;
}

// A touched cart is written whole: its row upserted, its items replaced.
void save(pqxx::transaction_base& tx, const std::map<std::string, Cart>& carts) {
  pg::Rows rows, items;
  std::set<std::string> touched;
  for (const auto& [id, c] : carts) {
    if (!c.dirty) continue;
    touched.insert(id);
    rows.row(id, c.last_order_id, c.version);
    for (const auto& [sku, quantity] : c.items) items.row(id, sku, quantity);
  }
  if (touched.empty()) return;
  pg::exec_rows(
      tx,
      "INSERT INTO carts.carts (cart_id, last_order_id, version) SELECT cart_id, last_order_id::uuid,"
      " version::int FROM " +
          rows.from("cart_id, last_order_id, version") +
          " ON CONFLICT (cart_id) DO UPDATE"
          " SET last_order_id = EXCLUDED.last_order_id, version = EXCLUDED.version, updated_at = now()",
      rows);
  pg::exec_prepared(tx, "DELETE FROM carts.cart_items WHERE cart_id = ANY($1::text[])",
                    pg::array_literal(touched));
  if (!items.empty()) {
    pg::exec_rows(
        tx,
        "INSERT INTO carts.cart_items (cart_id, sku, quantity) SELECT cart_id, sku, quantity::int FROM " +
            items.from("cart_id, sku, quantity"),
        items);
  }
}

}  // namespace

std::vector<std::string> CartRole::topics() const {
  return {std::string(messages::kCartsCommands.name)};
}

void CartRole::apply(pqxx::transaction_base& tx, std::vector<runtime::Record>& batch, runtime::Outbox& out) {
  std::set<std::string> ids;
  for (const auto& r : batch) ids.insert(r.message.key);  // carts.commands is keyed by cart_id
  if (ids.empty()) return;
  CartBook book{load(tx, ids)};
  for (const auto& r : batch) {
    std::visit(overloaded{[&](const messages::AddCartItem& m) {
                            if (!book.add(m)) {
                              spdlog::warn("cart {} is full: {} not added (message {})", m.cart_id, m.sku,
                                           r.message.id);
                            }
                          },
                          [&](const messages::RemoveCartItem& m) { book.remove(m); },
                          [&](const messages::CheckoutCart& m) {
                            if (auto order = book.checkout(m))
                              out.publish_caused(r.message, std::move(*order));
                          },
                          [](const auto&) {}},
               r.message.payload);
  }
  save(tx, book.carts);
}

}  // namespace orderflow::carts
