#pragma once
// The carts resource: POST /v1/carts/:cart_id/items, DELETE /v1/carts/:cart_id/items/:sku,
// POST /v1/carts/:cart_id/checkout, GET /v1/carts/:cart_id. Writes are commands to carts.commands
// (keyed by cart_id, so one cart's commands apply in order); the carts worker owns the tables.
#include "cart_store.hpp"
#include "catalog_store.hpp"
#include "command_replies.hpp"
#include "orderflow/config.hpp"
#include "router.hpp"

namespace orderflow::api {

class CartRoutes {
 public:
  CartRoutes(const Config& config, const CommandReplies& replies, const CartStore& carts,
             const CatalogStore& catalog)
      : config_(config), replies_(replies), carts_(carts), catalog_(catalog) {}
  void register_on(Router& router);

 private:
  void add_item(const Pistache::Http::Request& request, const std::string& cart_id, Exchange& exchange);
  void remove_item(const std::string& cart_id, const std::string& sku, Exchange& exchange);
  void checkout(const Pistache::Http::Request& request, const std::string& cart_id, Exchange& exchange);
  void get(const std::string& cart_id, Exchange& exchange);

  const Config& config_;
  const CommandReplies& replies_;
  const CartStore& carts_;
  const CatalogStore& catalog_;
};

}  // namespace orderflow::api
