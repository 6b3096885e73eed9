#pragma once
// The products resource: GET /v1/products?limit=&after= (keyset pages by sku) and GET /v1/products/:sku,
// each product with its stock (available, on_hand).
#include "catalog_store.hpp"
#include "router.hpp"

namespace orderflow::api {

class ProductRoutes {
 public:
  explicit ProductRoutes(const CatalogStore& catalog) : catalog_(catalog) {}
  void register_on(Router& router);

  static constexpr int kDefaultLimit = 20;
  static constexpr int kMaxLimit = 100;

 private:
  void list(const Pistache::Http::Request& request, Exchange& exchange);
  void get(const std::string& sku, Exchange& exchange);

  const CatalogStore& catalog_;
};

}  // namespace orderflow::api
