#pragma once
// `orderflow-ctl verify`: checks the guarantees on the data, from PostgreSQL.
#include <ostream>

#include "orderflow/config.hpp"

namespace orderflow::cli {

struct VerifyOptions {
  int pending_seconds = 60;  // an order still PENDING after this is a violation (guarantee 5)
  int settle_seconds = 10;   // a release still in flight after this is a violation
};

// Checks inventory in the inventory role's database, orders in the orders role's, and what spans
// both (reservations against order lines) by reading both: in one snapshot when they are one
// database; else the reservations first, then the orders (a reservation is made after its order line
// exists and released after its order left CONFIRMED, so that order raises no false alarm).
// Prints a summary to `out`; returns the number of violations.
int verify(const Config& config, const VerifyOptions& options, std::ostream& out);

}  // namespace orderflow::cli
