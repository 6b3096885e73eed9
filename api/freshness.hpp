#pragma once
// How fresh a read of the projections is, sent with every answer read from them so that a client can
// tell "not yet" from "no": Projection-Position is how many event records the views have applied (the
// sum over the partitions of orders.events and inventory.events of their next offset; it only grows),
// Projection-As-Of the time of the newest event applied (absent while the views are empty).
#include <cstdint>
#include <pqxx/pqxx>
#include <string>

namespace orderflow::api {

class Exchange;

struct Freshness {
  int64_t position = 0;
  std::string as_of;  // ISO 8601 UTC, empty when no event was applied
};

// A SQL expression of one text column, "<position> <as_of>", read in the same statement as the data.
extern const std::string kFreshnessColumn;
Freshness freshness_from(const std::string& column);
// The freshness alone, for a read whose data query found no row to carry it.
Freshness read_freshness(pqxx::transaction_base& tx);

// Adds the two headers to the exchange's reply (call before reply()).
void add_freshness_headers(Exchange& exchange, const Freshness& f);

}  // namespace orderflow::api
