#include "cart_routes.hpp"

#include <fmt/format.h>

#include "access.hpp"
#include "commands.hpp"
#include "json_body.hpp"
#include "orderflow/messages/limits.hpp"
#include "orderflow/messages/message.hpp"
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
  router.add(
      Method::Post, "/v1/carts/:cart_id/checkout",
      [this](const auto& request, const PathParams& params, Exchange& exchange) {
        checkout(request, params.at("cart_id"), exchange);
      },
      Needs::no_database);  // Kafka only, like POST /v1/orders
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
  auto command = commands::add_cart_item(cart_id, *body);
  if (!catalog_.exists(command.sku)) {
    exchange.error(Code::Not_Found, "not_found", "no product " + command.sku + " in the catalog", "sku");
    return;
  }
  // A cart holds at most as many skus as an order may have lines, so its checkout is always an order
  // the orders worker takes. The carts worker enforces it; refusing here tells the client (as far as
  // the cart's stored state knows: an add still in flight is the worker's to refuse).
  const size_t limit = messages::limits().max_order_lines;
  if (carts_.would_exceed(cart_id, command.sku, limit)) {
    exchange.error(
        Code::Conflict, "cart_full",
        fmt::format("the cart holds {} items, the most an order may have: remove one first", limit), "sku");
    return;
  }
  // The reply repeats the command: the same members as its payload.
  std::string reply = messages::encode_payload(command);
  replies_.publish(std::move(command), exchange, Accepted{std::move(reply), cart_location(cart_id)});
}

void CartRoutes::remove_item(const std::string& cart_id, const std::string& sku, Exchange& exchange) {
  if (!require_cart_id(cart_id, "cart_id", exchange)) return;
  // No catalog check: a product that left the catalog must still be removable from a cart.
  if (!require_sku(sku, "sku", exchange)) return;
  replies_.publish(commands::remove_cart_item(cart_id, sku), exchange,
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
  if (!require_may_act_for(exchange, (*body)["customer_id"].GetString())) return;
  // As for POST /v1/orders: a retry with the same key names the same order, which the worker makes once.
  auto command = commands::checkout_cart(cart_id, *body, *key, config_.order_id_secret);
  const std::string order_id = command.order_id;
  replies_.publish(std::move(command), exchange, order_accepted(order_id));
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
