#pragma once
// Reads of the catalog (catalog.products, reference data in the orders role's database) with its stock
// as the projections saw it in inventory.events (views.stock, in the projections' database: they may
// be two databases), and how fresh that stock is.
#include <cstdint>
#include <map>
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
  int64_t available = 0;  // 0 when the SKU has no stock row yet
  int64_t on_hand = 0;
};
// {"sku","name","price_cents","available","on_hand"}
void write_product(json::Writer& w, const Product& p);

// The catalog's entries of `skus` (name and price; no stock), by sku: those it has.
std::map<std::string, Product> catalog_entries(const std::string& catalog_dsn,
                                               const std::vector<std::string>& skus);

class CatalogStore {
 public:
  CatalogStore(std::string catalog_dsn, std::string views_dsn)
      : catalog_dsn_(std::move(catalog_dsn)), views_dsn_(std::move(views_dsn)) {}
  // Up to `count` products ordered by sku, those after `after_sku` when given (keyset pagination).
  std::vector<Product> products(size_t count, const std::optional<std::string>& after_sku,
                                Freshness& freshness) const;
  std::optional<Product> product(const std::string& sku, Freshness& freshness) const;
  // True when the SKU is in the catalog (what may be ordered, carted or stocked).
  bool exists(const std::string& sku) const;

 private:
  // Fills in available and on_hand from the stock view; returns how fresh it is.
  Freshness add_stock(std::vector<Product>& products) const;

  std::string catalog_dsn_;
  std::string views_dsn_;
};

}  // namespace orderflow::api
