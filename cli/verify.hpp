#pragma once
// `orderflow-ctl verify`: checks the guarantees on the data, from PostgreSQL.
#include <ostream>
#include <pqxx/pqxx>

namespace orderflow::cli {

struct VerifyOptions {
  int pending_seconds = 60;  // an order still PENDING after this is a violation (guarantee 5)
  int settle_seconds = 10;   // a release still in flight after this is a violation
};

// Prints a summary to `out`; returns the number of violations.
int verify(pqxx::connection& conn, const VerifyOptions& options, std::ostream& out);

}  // namespace orderflow::cli
