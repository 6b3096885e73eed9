#pragma once
// Reads of the carts context (carts.carts, carts.cart_items, priced from the catalog).
#include <optional>
#include <string>

namespace orderflow::api {

class CartStore {
 public:
  explicit CartStore(std::string dsn) : dsn_(std::move(dsn)) {}
  // {"cart_id","items":[{"sku","quantity","name","price_cents"}],"last_order_id","version"}, or nullopt
  // when the cart has no row (never written, or its commands not applied yet).
  std::optional<std::string> cart_json(const std::string& cart_id) const;
  // True when the cart as stored holds `limit` skus already and `sku` is not one of them.
  bool would_exceed(const std::string& cart_id, const std::string& sku, size_t limit) const;

 private:
  std::string dsn_;
};

}  // namespace orderflow::api
