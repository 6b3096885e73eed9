#include "freshness.hpp"

#include "exchange.hpp"
#include "orderflow/pg.hpp"
#include "text_header.hpp"

namespace orderflow::api {
namespace {

ORDERFLOW_TEXT_HEADER(ProjectionPosition, "Projection-Position")
ORDERFLOW_TEXT_HEADER(ProjectionAsOf, "Projection-As-Of")

}  // namespace

const std::string kFreshnessColumn = "(SELECT coalesce(sum(next_offset), 0)::text || ' ' || coalesce(" +
                                     pg::iso8601_utc("max(last_event_at)") + ", '') FROM views.progress)";

Freshness freshness_from(const std::string& column) {
  Freshness f;
  const auto space = column.find(' ');
  f.position = std::stoll(column.substr(0, space));
  if (space != std::string::npos) f.as_of = column.substr(space + 1);
  return f;
}

Freshness read_freshness(pqxx::transaction_base& tx) {
  return freshness_from(tx.exec("SELECT " + kFreshnessColumn)[0][0].as<std::string>());
}

void add_freshness_headers(Exchange& exchange, const Freshness& f) {
  auto& headers = exchange.writer().headers();
  headers.add<ProjectionPosition>(std::to_string(f.position));
  if (!f.as_of.empty()) headers.add<ProjectionAsOf>(f.as_of);
}

}  // namespace orderflow::api
