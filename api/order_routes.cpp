#include "order_routes.hpp"

#include <fmt/format.h>

#include <set>

#include "api_metrics.hpp"
#include "json_body.hpp"
#include "orderflow/envelope.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/topics.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

std::string check_idempotency_key(const std::optional<std::string>& key) {
  if (!key) return "the Idempotency-Key header is required";
  if (key->empty() || key->size() > 128) return "Idempotency-Key must be 1 to 128 characters";
  for (unsigned char c : *key) {
    if (c < 0x21 || c > 0x7e) return "Idempotency-Key must be visible ASCII characters";
  }
  return "";
}

void OrderRoutes::register_on(Router& router) {
  router.add(Method::Post, "/v1/orders",
             [this](const auto& request, const PathParams&, Exchange& exchange) { place(request, exchange); });
  router.add(Method::Get, "/v1/orders/:id",
             [this](const auto&, const PathParams& params, Exchange& exchange) { get(params.at("id"), exchange); });
}

void OrderRoutes::place(const Pistache::Http::Request& request, Exchange& exchange) {
  std::optional<std::string> key;
  if (auto raw = request.headers().tryGetRaw("Idempotency-Key")) key = raw->value();
  if (auto problem = check_idempotency_key(key); !problem.empty()) {
    exchange.error(Code::Bad_Request, "invalid_header", problem, "Idempotency-Key");
    return;
  }
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

  const std::string customer = (*body)["customer_id"].GetString();
  const std::string order_id = order_id_for(customer, *key);
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "order_id", order_id);
  json::put(w, "customer_id", customer);
  json::put(w, "idempotency_key", *key);
  w.Key("lines");
  lines.Accept(w);
  w.EndObject();
  const std::string message = encode(make_envelope("PlaceOrder", order_id, {buffer.GetString(), buffer.GetSize()}));

  // 202 only once the broker acknowledged the write (guarantee 1): the reply is sent from the
  // delivery report, on the producer's thread.
  auto reply = exchange.share();
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  const bool queued = producer_.produce(
      config_.topic(topics::kOrdersCommands), order_id, message, {},
      [reply, order_id, started](const kafka::DeliveryResult& r) {
        metrics::observe_produce(r.ok, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (!r.ok) {
          reply->error(Code::Service_Unavailable, "kafka_unavailable", "the order was not accepted: " + r.error);
          return;
        }
        reply->writer().headers().add<Pistache::Http::Header::Location>("/v1/orders/" + order_id);
        reply->reply(Code::Accepted, fmt::format(R"({{"order_id":"{}","status":"PENDING"}})", order_id));
      },
      &error);
  if (!queued) exchange.error(Code::Service_Unavailable, "kafka_unavailable", "the order was not accepted: " + error);
}

void OrderRoutes::get(const std::string& order_id, Exchange& exchange) {
  if (!is_uuid(order_id)) {
    exchange.error(Code::Bad_Request, "invalid_path", "order id must be a lowercase UUID", "id");
    return;
  }
  if (auto order = store_.order_json(order_id)) {
    exchange.reply(Code::Ok, *order);
  } else {
    exchange.error(Code::Not_Found, "not_found", "no order " + order_id + " (yet)");
  }
}

}  // namespace orderflow::api
