#pragma once
// The back-office resource: PUT /v1/admin/stock/:sku {"on_hand": n} sets a SKU's units on hand
// (AdjustStock to inventory.commands, keyed by sku so it is ordered with the SKU's reservations).
// Like every route under /v1/admin/, it takes an admin key (the router's gate, access.hpp).
#include "catalog_store.hpp"
#include "command_replies.hpp"
#include "orderflow/config.hpp"
#include "router.hpp"

namespace orderflow::api {

class AdminRoutes {
 public:
  AdminRoutes(const Config& config, const CommandReplies& replies, const CatalogStore& catalog)
      : config_(config), replies_(replies), catalog_(catalog) {}
  void register_on(Router& router);

 private:
  void set_stock(const Pistache::Http::Request& request, const std::string& sku, Exchange& exchange);

  const Config& config_;
  const CommandReplies& replies_;
  const CatalogStore& catalog_;
};

}  // namespace orderflow::api
