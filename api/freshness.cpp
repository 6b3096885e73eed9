#include "freshness.hpp"

#include "exchange.hpp"
#include "text_header.hpp"

namespace orderflow::api {
namespace {

ORDERFLOW_TEXT_HEADER(ProjectionPosition, "Projection-Position")
ORDERFLOW_TEXT_HEADER(ProjectionAsOf, "Projection-As-Of")

}  // namespace

const char* const kFreshnessColumn =
    "(SELECT coalesce(sum(next_offset), 0)::text || ' ' || coalesce(to_char(max(last_event_at) AT TIME ZONE"
    " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '') FROM views.progress)";

Freshness freshness_from(const std::string& column) {
  Freshness f;
  const auto space = column.find(' ');
  f.position = std::stoll(column.substr(0, space));
  if (space != std::string::npos) f.as_of = column.substr(space + 1);
  return f;
}

void add_freshness_headers(Exchange& exchange, const Freshness& f) {
  auto& headers = exchange.writer().headers();
  headers.add<ProjectionPosition>(std::to_string(f.position));
  if (!f.as_of.empty()) headers.add<ProjectionAsOf>(f.as_of);
}

}  // namespace orderflow::api
