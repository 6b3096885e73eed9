#include "order_routes.hpp"

#include <fmt/format.h>

#include <set>

#include "access.hpp"
#include "commands.hpp"
#include "json_body.hpp"
#include "order_reply.hpp"
#include "orderflow/json.hpp"
#include "text_header.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

namespace {

// json::error_body's shape plus the order's status, so a client sees why without another GET.
std::string conflict_body(std::string_view message, const std::string& status) {
  auto doc = *json::parse(json::error_body("conflict", message, "status"));
  doc.AddMember("status", rapidjson::Value(status.c_str(), doc.GetAllocator()), doc.GetAllocator());
  return json::to_string(doc);
}

// Whether the caller may see this order: another namespace's order is answered 404, as an order that
// does not exist (a 403 would confirm that the id is an order). Parsed only for namespaced keys.
bool may_see(const Caller& caller, const std::string& order_json) {
  if (caller.customer_namespace.empty()) return true;
  const auto doc = json::parse(order_json);
  return doc && doc->HasMember("customer_id") && (*doc)["customer_id"].IsString() &&
         caller.may_act_for((*doc)["customer_id"].GetString());
}

Visible visible_to(const Caller& caller) {
  return [caller](const std::string& order_json) { return may_see(caller, order_json); };
}

void no_such_order(const std::string& order_id, Exchange& exchange) {
  exchange.error(Code::Not_Found, "not_found", "no order " + order_id + " (yet)");
}

}  // namespace

void OrderRoutes::register_on(Router& router) {
  router.add(
      Method::Post, "/v1/orders",
      [this](const auto& request, const PathParams&, Exchange& exchange) { place(request, exchange); },
      Needs::no_database);  // Kafka only: a hung PostgreSQL must not hold an order back
  router.add(Method::Get, "/v1/orders/:id",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               get(request, params.at("id"), exchange);
             });
  router.add(Method::Get, "/v1/customers/:customer_id/orders",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               customer_orders(request, params.at("customer_id"), exchange);
             });
  router.add(Method::Post, "/v1/orders/:id/cancel",
             [this](const auto& request, const PathParams& params, Exchange& exchange) {
               cancel(request, params.at("id"), exchange);
             });
}

void OrderRoutes::place(const Pistache::Http::Request& request, Exchange& exchange) {
  const auto key = require_idempotency_key(request, exchange);
  if (!key) return;
  auto body = read_json_body(request, exchange, "http/place_order", config_.max_body_bytes);
  if (!body) return;
  std::set<std::string_view> skus;
  const auto& lines = (*body)["lines"];
  for (rapidjson::SizeType i = 0; i < lines.Size(); ++i) {
    if (!skus.insert(lines[i]["sku"].GetString()).second) {
      const std::string field = fmt::format("lines[{}].sku", i);
      exchange.error(Code::Bad_Request, "invalid_field", field + " repeats an earlier line's sku", field);
      return;
    }
  }

  if (!require_may_act_for(exchange, (*body)["customer_id"].GetString())) return;
  auto command = commands::place_order(*body, *key, config_.order_id_secret);
  const std::string order_id = command.order_id;
  replies_.publish(std::move(command), exchange, order_accepted(order_id));
}

void OrderRoutes::reply_current(const std::string& order_id, Exchange& exchange) {
  reply_read(order_id, store_.orders_json({order_id}, false), exchange, visible_to(exchange.caller()));
}

void OrderRoutes::customer_orders(const Pistache::Http::Request& request, const std::string& customer_id,
                                  Exchange& exchange) {
  if (!require_cart_id(customer_id, "customer_id", exchange)) return;  // the same shape as a cart id
  if (!require_may_act_for(exchange, customer_id)) return;
  const auto limit = require_int_query(request, "limit", 1, kMaxPageSize, kDefaultPageSize, exchange);
  if (!limit) return;
  const auto after = request.query().get("after");
  if (after && !OrderStore::is_cursor(*after)) {
    exchange.error(Code::Bad_Request, "invalid_query", "after must be the next of an earlier page", "after");
    return;
  }
  const auto page = store_.customer_orders(customer_id, static_cast<size_t>(*limit), after);
  add_freshness_headers(exchange, page.freshness);
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < page.orders.size(); ++i) body += (i ? "," : "") + page.orders[i];
  body += "],\"next\":";
  body += page.next ? "\"" + *page.next + "\"" : std::string("null");  // a cursor needs no escaping
  exchange.reply(Code::Ok, body + "}");
}

void OrderRoutes::get(const Pistache::Http::Request& request, const std::string& order_id,
                      Exchange& exchange) {
  if (!require_uuid(order_id, "id", exchange)) return;
  const auto wait = require_int_query(request, "wait", 0, kMaxWaitSeconds, 0, exchange);
  if (!wait) return;
  if (*wait == 0) {
    reply_current(order_id, exchange);
    return;
  }
  // Decided already: answer now. Otherwise the waiter answers, from its own thread; this one is free.
  auto decided = store_.orders_json({order_id}, true);
  if (!decided.orders.empty()) {
    reply_read(order_id, decided, exchange, visible_to(exchange.caller()));
    return;
  }
  switch (waiter_.wait(order_id, OrderWaiter::Clock::now() + std::chrono::seconds(*wait), exchange.share(),
                       visible_to(exchange.caller()), exchange.client())) {
    case OrderWaiter::Added::waiting:
      return;
    case OrderWaiter::Added::client_full:
      exchange.writer().headers().add<RetryAfter>("1");
      exchange.error(Code::Too_Many_Requests, "too_many_waiters",
                     "this client already has the most requests waiting for orders "
                     "(ORDERFLOW_WAITERS_PER_CLIENT); retry later or without wait",
                     "wait");
      return;
    case OrderWaiter::Added::full:
      exchange.error(Code::Service_Unavailable, "too_many_waiters",
                     "too many requests are waiting for orders; retry later or without wait");
      return;
    case OrderWaiter::Added::stopped:  // shutting down: no waiting, but the answer we have
      reply_current(order_id, exchange);
      return;
  }
}

void OrderRoutes::cancel(const Pistache::Http::Request& request, const std::string& order_id,
                         Exchange& exchange) {
  if (!require_uuid(order_id, "id", exchange)) return;
  std::optional<rapidjson::Document> body;
  // The body is optional; when there is one it must be JSON and valid.
  if (!request.body().empty()) {
    body = read_json_body(request, exchange, "http/cancel_order", config_.max_body_bytes);
    if (!body) return;
  }
  const auto head = store_.status(order_id);
  if (!head || !exchange.caller().may_act_for(head->customer_id)) {
    no_such_order(order_id, exchange);
    return;
  }
  const std::string& status = head->status;
  if (status == "REJECTED" || status == "CANCELLED") {
    exchange.reply(Code::Conflict,
                   conflict_body("the order is " + status + " already: it cannot be cancelled", status));
    return;
  }
  replies_.publish(commands::cancel_order(order_id, body ? &*body : nullptr), exchange,
                   Accepted{json_object([&](json::Writer& w) {
                              json::put(w, "order_id", order_id);
                              json::put(w, "status", status);
                              json::put(w, "cancel", "requested");
                            }),
                            "/v1/orders/" + order_id});
}

}  // namespace orderflow::api
