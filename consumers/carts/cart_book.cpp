#include "cart_book.hpp"

#include "orderflow/messages/limits.hpp"
#include "orderflow/vassert.hpp"

namespace orderflow::carts {

void CartBook::touch(Cart& cart) {
  ++cart.version;
  cart.dirty = true;
  vassert(cart.items.size() <= messages::limits().max_order_lines,
          "a cart holds {} items, more than an order may", cart.items.size());
}

bool CartBook::add(const messages::AddCartItem& m) {
  Cart& cart = carts[m.cart_id];
  if (!cart.items.contains(m.sku) && cart.items.size() >= messages::limits().max_order_lines) return false;
  cart.items[m.sku] = m.quantity;
  touch(cart);
  return true;
}

void CartBook::remove(const messages::RemoveCartItem& m) {
  Cart& cart = carts[m.cart_id];
  cart.items.erase(m.sku);
  touch(cart);
}

std::optional<messages::PlaceOrder> CartBook::checkout(const messages::CheckoutCart& m) {
  Cart& cart = carts[m.cart_id];
  // A retried checkout (same Idempotency-Key, so same order id) must not take the items added since.
  if (cart.last_order_id == m.order_id) return std::nullopt;
  messages::PlaceOrder order{m.order_id, m.customer_id, m.idempotency_key, m.cart_id, {}};
  for (const auto& [sku, quantity] : cart.items) order.lines.push_back(messages::OrderLine{sku, quantity});
  cart.items.clear();
  cart.last_order_id = m.order_id;
  touch(cart);
  return order;
}

}  // namespace orderflow::carts
