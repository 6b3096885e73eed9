#include "product_routes.hpp"

#include "json_body.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

void ProductRoutes::register_on(Router& router) {
  router.add(Method::Get, "/v1/products",
             [this](const auto& request, const PathParams&, Exchange& exchange) { list(request, exchange); });
  router.add(
      Method::Get, "/v1/products/:sku",
      [this](const auto&, const PathParams& params, Exchange& exchange) { get(params.at("sku"), exchange); });
}

void ProductRoutes::list(const Pistache::Http::Request& request, Exchange& exchange) {
  const auto limit = require_int_query(request, "limit", 1, kMaxLimit, kDefaultLimit, exchange);
  if (!limit) return;
  const auto after = request.query().get("after");
  if (after && !is_sku(*after)) {
    exchange.error(Code::Bad_Request, "invalid_query", "after must be a sku: ^[A-Za-z0-9_.-]{1,64}$",
                   "after");
    return;
  }
  // One row more than the page tells whether there is a next page without a count.
  Freshness freshness;
  auto products = catalog_.products(static_cast<size_t>(*limit) + 1, after, freshness);
  add_freshness_headers(exchange, freshness);
  const bool more = products.size() > static_cast<size_t>(*limit);
  if (more) products.resize(static_cast<size_t>(*limit));
  exchange.reply(Code::Ok, json_object([&](json::Writer& w) {
                   w.Key("items");
                   w.StartArray();
                   for (const auto& p : products) write_product(w, p);
                   w.EndArray();
                   w.Key("next");
                   if (more) {
                     w.String(products.back().sku.c_str(),
                              static_cast<rapidjson::SizeType>(products.back().sku.size()));
                   } else {
                     w.Null();
                   }
                 }));
}

void ProductRoutes::get(const std::string& sku, Exchange& exchange) {
  if (!require_sku(sku, "sku", exchange)) return;
  Freshness freshness;
  const auto product = catalog_.product(sku, freshness);
  add_freshness_headers(exchange, freshness);
  if (!product) {
    exchange.error(Code::Not_Found, "not_found", "no product " + sku + " in the catalog");
    return;
  }
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  write_product(w, *product);
  exchange.reply(Code::Ok, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace orderflow::api
