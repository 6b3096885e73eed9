#include "catalog_store.hpp"

#include <pqxx/pqxx>

#include "db.hpp"

namespace orderflow::api {
namespace {

// With the freshness in one more column, so the rows and it come from one snapshot.
const std::string kSelect = std::string(
                                "SELECT p.sku, p.name, p.price_cents, coalesce(s.available, 0),"
                                " coalesce(s.on_hand, 0), ") +
                            kFreshnessColumn +
                            " FROM catalog.products p LEFT JOIN views.stock s ON s.sku = p.sku";

// When no product matched, the freshness is read on its own.
Freshness freshness_of(pqxx::transaction_base& tx, const pqxx::result& rows) {
  if (!rows.empty()) return freshness_from(rows[0][5].as<std::string>());
  return freshness_from(tx.exec(std::string("SELECT ") + kFreshnessColumn)[0][0].as<std::string>());
}

Product product_of(const pqxx::row& row) {
  return Product{row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>(),
                 row[3].as<int64_t>(), row[4].as<int64_t>()};
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

std::vector<Product> CatalogStore::products(size_t count, const std::optional<std::string>& after_sku,
                                            Freshness& freshness) const {
  // The primary key's order (the database's collation) is the page order: `sku > after` walks the
  // index, so every page costs the same however deep it is.
  return db::read(dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const auto rows =
        after_sku ? tx.exec_params(kSelect + " WHERE p.sku > $1 ORDER BY p.sku LIMIT $2", *after_sku, count)
                  : tx.exec_params(kSelect + " ORDER BY p.sku LIMIT $1", count);
    freshness = freshness_of(tx, rows);
    std::vector<Product> out;
    out.reserve(rows.size());
    for (const auto& row : rows) out.push_back(product_of(row));
    return out;
  });
}

std::optional<Product> CatalogStore::product(const std::string& sku, Freshness& freshness) const {
  return db::read(dsn_, [&](pqxx::connection& c) -> std::optional<Product> {
    pqxx::nontransaction tx(c);
    const auto rows = tx.exec_params(kSelect + " WHERE p.sku = $1", sku);
    freshness = freshness_of(tx, rows);
    if (rows.empty()) return std::nullopt;
    return product_of(rows[0]);
  });
}

bool CatalogStore::exists(const std::string& sku) const {
  return db::read(dsn_, [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return !tx.exec_params("SELECT 1 FROM catalog.products WHERE sku = $1", sku).empty();
  });
}

}  // namespace orderflow::api
