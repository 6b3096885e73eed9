#pragma once
// Reads of the carts context (carts.carts, carts.cart_items, in the carts role's database), priced
// from the catalog (in the orders role's database: they may be two databases).
#include <optional>
#include <string>

namespace orderflow::api {

class CartStore {
 public:
  CartStore(std::string dsn, std::string catalog_dsn)
      : dsn_(std::move(dsn)), catalog_dsn_(std::move(catalog_dsn)) {}
  // {"cart_id","items":[{"sku","quantity","name","price_cents"}],"last_order_id","version"}, or nullopt
  // when the cart has no row (never written, or its commands not applied yet).
  std::optional<std::string> cart_json(const std::string& cart_id) const;
  // True when the cart as stored holds `limit` skus already and `sku` is not one of them.
  bool would_exceed(const std::string& cart_id, const std::string& sku, size_t limit) const;

 private:
  std::string dsn_;
  std::string catalog_dsn_;
};

}  // namespace orderflow::api
