#include "cart_routes.hpp"

#include "json_body.hpp"
#include "orderflow/envelope.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/topics.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

std::string cart_location(const std::string& cart_id) {
  return "/v1/carts/" + cart_id;
}

}  // namespace

void CartRoutes::register_on(Router& router) {
  router.add(Method::Post, "/v1/carts/:cart_id/items",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               add_item(request, params.at("cart_id"), exchange);
             });
  router.add(Method::Delete, "/v1/carts/:cart_id/items/:sku",
             [this](const auto&, const PathParams& params, Exchange& exchange) {
               remove_item(params.at("cart_id"), params.at("sku"), exchange);
             });
  router.add(Method::Post, "/v1/carts/:cart_id/checkout",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               checkout(request, params.at("cart_id"), exchange);
             });
  router.add(Method::Get, "/v1/carts/:cart_id",
             [this](const auto&, const PathParams& params, Exchange& exchange) {
               get(params.at("cart_id"), exchange);
             });
}

void CartRoutes::add_item(const Pistache::Http::Request& request, const std::string& cart_id,
                          Exchange& exchange) {
  if (!require_cart_id(cart_id, "cart_id", exchange)) return;
  auto body = read_json_body(request, exchange, "http/add_cart_item", config_.max_body_bytes);
  if (!body) return;
  const std::string sku = (*body)["sku"].GetString();
  const int64_t quantity = (*body)["quantity"].GetInt64();
  if (!catalog_.exists(sku)) {
    exchange.error(Code::Not_Found, "not_found", "no product " + sku + " in the catalog", "sku");
    return;
  }
  const std::string payload = json_object([&](json::Writer& w) {
    json::put(w, "cart_id", cart_id);
    json::put(w, "sku", sku);
    json::put(w, "quantity", quantity);
  });
  // The reply repeats the command: the same members as its payload.
  publisher_.publish(topics::kCartsCommands, make_envelope("AddCartItem", cart_id, payload), exchange,
                     Accepted{payload, cart_location(cart_id)});
}

void CartRoutes::remove_item(const std::string& cart_id, const std::string& sku, Exchange& exchange) {
  if (!require_cart_id(cart_id, "cart_id", exchange)) return;
  // No catalog check: a product that left the catalog must still be removable from a cart.
  if (!require_sku(sku, "sku", exchange)) return;
  const std::string payload = json_object([&](json::Writer& w) {
    json::put(w, "cart_id", cart_id);
    json::put(w, "sku", sku);
  });
  publisher_.publish(topics::kCartsCommands, make_envelope("RemoveCartItem", cart_id, payload), exchange,
                     Accepted{json_object([&](json::Writer& w) {
                                json::put(w, "cart_id", cart_id);
                                json::put(w, "sku", sku);
                                json::put(w, "status", "requested");
                              }),
                              cart_location(cart_id)});
}

void CartRoutes::checkout(const Pistache::Http::Request& request, const std::string& cart_id,
                          Exchange& exchange) {
  if (!require_cart_id(cart_id, "cart_id", exchange)) return;
  const auto key = require_idempotency_key(request, exchange);
  if (!key) return;
  auto body = read_json_body(request, exchange, "http/checkout_cart", config_.max_body_bytes);
  if (!body) return;
  const std::string customer = (*body)["customer_id"].GetString();
  // As for POST /v1/orders: a retry with the same key names the same order, which the worker makes once.
  const std::string order_id = order_id_for(customer, *key);
  const std::string payload = json_object([&](json::Writer& w) {
    json::put(w, "cart_id", cart_id);
    json::put(w, "order_id", order_id);
    json::put(w, "customer_id", customer);
    json::put(w, "idempotency_key", *key);
  });
  publisher_.publish(topics::kCartsCommands, make_envelope("CheckoutCart", cart_id, payload), exchange,
                     order_accepted(order_id));
}

void CartRoutes::get(const std::string& cart_id, Exchange& exchange) {
  if (!require_cart_id(cart_id, "cart_id", exchange)) return;
  if (auto cart = carts_.cart_json(cart_id)) {
    exchange.reply(Code::Ok, *cart);
  } else {
    exchange.error(Code::Not_Found, "not_found", "no cart " + cart_id + " (yet)");
  }
}

}  // namespace orderflow::api
