#include "sales_routes.hpp"

#include <pqxx/pqxx>
#include <regex>

#include "db.hpp"
#include "freshness.hpp"
#include "orderflow/pg.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

// RFC 3339, as the OpenAPI document's date-time (seconds and fraction optional); PostgreSQL parses it.
bool is_time(const std::string& text) {
  static const std::regex shape(
      "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]"
      "(:[0-5][0-9](\\.[0-9]{1,6})?)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])");
  return std::regex_match(text, shape);
}

}  // namespace

void SalesRoutes::register_on(Router& router) {
  router.add(
      Method::Get, "/v1/admin/sales",
      [this](const auto& request, const PathParams&, Exchange& exchange) { sales(request, exchange); });
}

void SalesRoutes::sales(const Pistache::Http::Request& request, Exchange& exchange) const {
  // Admin only: the router's access table (access.cpp) lets nobody else reach it.
  auto query_param = [&](const char* name) -> std::optional<std::string> {
    const auto value = request.query().get(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
  const auto from = query_param("from"), to = query_param("to"), sku = query_param("sku");
  for (const auto& [name, value] : {std::pair{"from", from}, std::pair{"to", to}}) {
    if (value && !is_time(*value)) {
      exchange.error(Code::Bad_Request, "invalid_query",
                     std::string(name) + " must be an RFC 3339 time, e.g. 2026-12-02T10:00:00Z", name);
      return;
    }
  }
  if (sku && !is_sku(*sku)) {
    exchange.error(Code::Bad_Request, "invalid_query", "sku must be a sku: ^[A-Za-z0-9_.-]{1,64}$", "sku");
    return;
  }
  // One statement: the range (defaults filled in, checked), the minutes, and the freshness.
  const std::string range =
      "WITH r AS (SELECT coalesce($1::timestamptz, coalesce($2::timestamptz, now()) - interval '" +
      std::to_string(kDefaultMinutes) +
      " minutes') AS from_, coalesce($2::timestamptz, now()) AS to_)"
      " SELECT (SELECT to_ < from_ OR to_ - from_ > interval '" +
      std::to_string(kMaxMinutes) + " minutes' FROM r)::text,";
  // The lateral reads the range from the outer `r`.
  const std::string minutes = sku ? " FROM views.sku_sales_per_minute s WHERE s.sku = $3 AND"
                                  : " FROM views.sales_per_minute s WHERE";
  const std::string query =
      range + " (SELECT json_build_object('from', " + pg::iso8601_utc("from_", false) + ", 'to', " +
      pg::iso8601_utc("to_", false) +
      ", 'sku', $3::text, 'minutes', coalesce(json_agg(json_build_object('minute', " +
      pg::iso8601_utc("s.minute", false) +
      ", 'orders', s.orders,"
      "    'units', s.units, 'revenue_cents', s.revenue_cents) ORDER BY s.minute)"
      "    FILTER (WHERE s.minute IS NOT NULL), '[]'::json),"
      "  'total', json_build_object('orders', coalesce(sum(s.orders), 0), 'units', coalesce(sum(s.units), 0),"
      "    'revenue_cents', coalesce(sum(s.revenue_cents), 0)))::text"
      "  FROM r LEFT JOIN LATERAL (SELECT s.*" +
      minutes +
      " s.minute >= date_trunc('minute', r.from_) AND s.minute < r.to_) s ON true GROUP BY r.from_, r.to_),"
      " " +
      kFreshnessColumn;
  std::optional<pqxx::row> row;
  try {
    row = db::read(config_.pg_dsn_for("projections"), [&](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      return tx.exec_params(query, from, to, sku)[0];
    });
  } catch (const pqxx::data_exception&) {  // a date the shape allows but the calendar does not
    exchange.error(Code::Bad_Request, "invalid_query", "from or to is not a date of the calendar",
                   from ? "from" : "to");
    return;
  }
  if ((*row)[0].as<std::string>() == "true") {
    exchange.error(
        Code::Bad_Request, "invalid_query",
        "from must not be after to, and the range spans at most " + std::to_string(kMaxMinutes) + " minutes",
        "from");
    return;
  }
  add_freshness_headers(exchange, freshness_from((*row)[2].as<std::string>()));
  exchange.reply(Code::Ok, (*row)[1].as<std::string>());
}

}  // namespace orderflow::api
