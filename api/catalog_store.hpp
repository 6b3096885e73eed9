#pragma once
// Reads of the catalog with its stock: the products (reference data the catalog owns) with the stock
// the projections saw in inventory.events (catalog.products LEFT JOIN views.stock), and how fresh that is.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "freshness.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {

struct Product {
  std::string sku;
  std::string name;
  int64_t price_cents = 0;
  int64_t available = 0;  // 0 while the views know no stock of the SKU
  int64_t on_hand = 0;
};
// {"sku","name","price_cents","available","on_hand"}
void write_product(json::Writer& w, const Product& p);

class CatalogStore {
 public:
  explicit CatalogStore(std::string dsn) : dsn_(std::move(dsn)) {}
  // Up to `count` products ordered by sku, those after `after_sku` when given (keyset pagination).
  std::vector<Product> products(size_t count, const std::optional<std::string>& after_sku,
                                Freshness& freshness) const;
  std::optional<Product> product(const std::string& sku, Freshness& freshness) const;
  // True when the SKU is in the catalog (what may be ordered, carted or stocked).
  bool exists(const std::string& sku) const;

 private:
  std::string dsn_;
};

}  // namespace orderflow::api
