#include "admin_routes.hpp"

#include "commands.hpp"
#include "json_body.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

void AdminRoutes::register_on(Router& router) {
  router.add(Method::Put, "/v1/admin/stock/:sku",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               set_stock(request, params.at("sku"), exchange);
             });
}

void AdminRoutes::set_stock(const Pistache::Http::Request& request, const std::string& sku,
                            Exchange& exchange) {
  if (!require_sku(sku, "sku", exchange)) return;
  auto body = read_json_body(request, exchange, "http/set_stock", config_.max_body_bytes);
  if (!body) return;
  const int64_t on_hand = (*body)["on_hand"].GetInt64();
  if (!catalog_.exists(sku)) {
    exchange.error(Code::Not_Found, "not_found", "no product " + sku + " in the catalog", "sku");
    return;
  }
  replies_.publish(commands::adjust_stock(sku, *body), exchange,
                   Accepted{json_object([&](json::Writer& w) {
                              json::put(w, "sku", sku);
                              json::put(w, "on_hand", on_hand);
                              json::put(w, "status", "requested");
                            }),
                            "/v1/products/" + sku});
}

}  // namespace orderflow::api
