#pragma once
// `orderflow-ctl seed-demo`: a small catalog with stock, for `make up` and by hand. Idempotent: rows
// that exist are left as they are. The catalog goes to the orders role's database, the stock to the
// inventory role's (the same connection's database when they share one), announced with StockAdjusted
// (inventory/stock_seed.hpp).
#include <ostream>
#include <pqxx/pqxx>

#include "orderflow/config.hpp"

namespace orderflow::cli {
void seed_demo(pqxx::connection& catalog, pqxx::connection& inventory, const Config& config,
               std::ostream& out);
}
