#pragma once
// `orderflow-ctl seed-demo`: a small catalog with stock, for `make up` and by hand. Idempotent: rows
// that exist are left as they are. The catalog goes to the orders role's database, the stock to the
// inventory role's (the same connection's database when they share one).
#include <ostream>
#include <pqxx/pqxx>

namespace orderflow::cli {
void seed_demo(pqxx::connection& catalog, pqxx::connection& inventory, std::ostream& out);
}
