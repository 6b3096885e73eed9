#include "catalog_store.hpp"

#include <pqxx/pqxx>

#include "db.hpp"
#include "orderflow/pg.hpp"

namespace orderflow::api {
namespace {

constexpr const char* kSelect = "SELECT p.sku, p.name, p.price_cents FROM catalog.products p";

std::vector<Product> products_of(const pqxx::result& rows) {
  std::vector<Product> out;
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(Product{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>(), 0, 0});
  return out;
}

}  // namespace

void write_product(json::Writer& w, const Product& p) {
  w.StartObject();
  json::put(w, "sku", p.sku);
  json::put(w, "name", p.name);
  json::put(w, "price_cents", p.price_cents);
  json::put(w, "available", p.available);
  json::put(w, "on_hand", p.on_hand);
  w.EndObject();
}

std::map<std::string, Product> catalog_entries(const std::string& catalog_dsn,
                                               const std::vector<std::string>& skus) {
  if (skus.empty()) return {};
  return db::read(catalog_dsn, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::map<std::string, Product> out;
    for (auto& p : products_of(pg::exec_prepared(tx, std::string(kSelect) + " WHERE p.sku = ANY($1::text[])",
                                                 pg::array_literal(skus))))
      out[p.sku] = std::move(p);
    return out;
  });
}

std::vector<Product> CatalogStore::products(size_t count, const std::optional<std::string>& after_sku,
                                            Freshness& freshness) const {
  // The primary key's order (the database's collation) is the page order: `sku > after` walks the
  // index, so every page costs the same however deep it is.
  auto out = db::read(catalog_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return products_of(
        after_sku ? tx.exec_params(std::string(kSelect) + " WHERE p.sku > $1 ORDER BY p.sku LIMIT $2",
                                   *after_sku, count)
                  : tx.exec_params(std::string(kSelect) + " ORDER BY p.sku LIMIT $1", count));
  });
  freshness = add_stock(out);
  return out;
}

std::optional<Product> CatalogStore::product(const std::string& sku, Freshness& freshness) const {
  auto found = db::read(catalog_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return products_of(tx.exec_params(std::string(kSelect) + " WHERE p.sku = $1", sku));
  });
  freshness = add_stock(found);
  if (found.empty()) return std::nullopt;
  return found[0];
}

bool CatalogStore::exists(const std::string& sku) const {
  return db::read(catalog_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return !tx.exec_params("SELECT 1 FROM catalog.products WHERE sku = $1", sku).empty();
  });
}

Freshness CatalogStore::add_stock(std::vector<Product>& products) const {
  std::vector<std::string> skus;
  for (const auto& p : products) skus.push_back(p.sku);
  // The stock as the projections saw it in inventory.events, and how fresh that is, in one statement.
  const auto [stock, freshness] = db::read(views_dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::map<std::string, std::pair<int64_t, int64_t>> out;
    const auto rows = pg::exec_prepared(
        tx,
        std::string("SELECT s.sku, s.available, coalesce(s.on_hand, 0), ") + kFreshnessColumn +
            " FROM (SELECT 1) one LEFT JOIN views.stock s ON s.sku = ANY($1::text[])",
        pg::array_literal(skus));
    for (const auto& row : rows) {
      if (!row[0].is_null()) out[row[0].as<std::string>()] = {row[1].as<int64_t>(), row[2].as<int64_t>()};
    }
    return std::pair{out, freshness_from(rows[0][3].as<std::string>())};
  });
  for (auto& p : products) {
    if (const auto it = stock.find(p.sku); it != stock.end()) std::tie(p.available, p.on_hand) = it->second;
  }
  return freshness;
}

}  // namespace orderflow::api
