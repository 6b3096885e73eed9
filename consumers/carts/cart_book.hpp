#pragma once
// The carts' rules, without I/O: what each cart command does to a cart. The carts role loads the carts
// a batch touches, runs the book, and writes back what changed.
//   AddCartItem    -> the sku's quantity set; refused (cart unchanged) when it would be one sku more
//                     than an order may have lines (messages::limits()), so a checkout always makes
//                     a PlaceOrder the orders worker accepts
//   RemoveCartItem -> the sku taken out
//   CheckoutCart   -> a PlaceOrder of the cart's lines, the cart emptied; a retried checkout (same order
//                     id) does nothing
#include <map>
#include <optional>
#include <string>

#include "orderflow/messages/payloads.hpp"

namespace orderflow::carts {

struct Cart {
  std::map<std::string, int> items;  // sku -> quantity, ordered by sku
  std::optional<std::string> last_order_id;
  int version = 0;  // 0: new
  bool dirty = false;
};

class CartBook {
 public:
  std::map<std::string, Cart> carts;  // loaded; a cart not loaded is new and empty

  // False when refused: the cart is full.
  bool add(const messages::AddCartItem& m);
  void remove(const messages::RemoveCartItem& m);
  // The order the checkout places, or nullopt for a retried checkout.
  std::optional<messages::PlaceOrder> checkout(const messages::CheckoutCart& m);

 private:
  static void touch(Cart& cart);
};

}  // namespace orderflow::carts
