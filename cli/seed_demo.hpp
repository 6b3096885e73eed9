#pragma once
// `orderflow-ctl seed-demo`: a small catalog with stock, for `make up` and by hand. Idempotent: rows
// that exist are left as they are. New stock is announced with StockAdjusted (inventory/stock_seed.hpp).
#include <ostream>
#include <pqxx/pqxx>

#include "orderflow/config.hpp"

namespace orderflow::cli {
void seed_demo(pqxx::connection& conn, const Config& config, std::ostream& out);
}
