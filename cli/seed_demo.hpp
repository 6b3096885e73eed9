#pragma once
// `orderflow-ctl seed-demo`: a small catalog with stock, for `make up` and by hand. Idempotent: rows
// that exist are left as they are.
#include <ostream>
#include <pqxx/pqxx>

namespace orderflow::cli {
void seed_demo(pqxx::connection& conn, std::ostream& out);
}
