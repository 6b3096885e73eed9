#include "seed_demo.hpp"

#include "inventory/stock_seed.hpp"

namespace orderflow::cli {

void seed_demo(pqxx::connection& catalog, pqxx::connection& inventory, const Config& config,
               std::ostream& out) {
  struct Product {
    const char* sku;
    const char* name;
    int price_cents;
    int on_hand;
  };
  // POSTER-LTD has one unit: the demo's second order for it is rejected for short stock.
  const Product products[] = {
      {"TEE-BLK-M", "T-shirt, black, M", 1999, 100}, {"TEE-WHT-L", "T-shirt, white, L", 1999, 100},
      {"MUG-LOGO", "Mug with logo", 1299, 50},       {"CAP-RED", "Cap, red", 1499, 25},
      {"SOCKS-3P", "Socks, 3 pairs", 999, 200},      {"POSTER-LTD", "Poster, limited edition", 4999, 1},
  };
  pqxx::work tx(catalog);
  pqxx::work stock(inventory);
  int added = 0;
  for (const auto& p : products) {
    added +=
        tx.exec("INSERT INTO catalog.products (sku, name, price_cents) VALUES (" + stock.quote(p.sku) + "," +
                tx.quote(p.name) + "," + std::to_string(p.price_cents) + ") ON CONFLICT DO NOTHING")
            .affected_rows();
    inventory::seed_stock(stock, config, p.sku, p.on_hand);
  }
  // Stock first: a product that can be sold must have its stock row, not the other way round.
  stock.commit();
  tx.commit();
  out << added << " product(s) added to the demo catalog\n";
}

}  // namespace orderflow::cli
