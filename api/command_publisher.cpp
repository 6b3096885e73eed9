#include "command_publisher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <variant>

#include "api_metrics.hpp"
#include "json_body.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

void CommandPublisher::publish(messages::Payload command, Exchange& exchange, Accepted accepted) const {
  const auto envelope = messages::make_message(std::move(command));
  std::string message;
  try {
    message = messages::encode(envelope);
  } catch (const messages::ContractViolation& bad) {
    spdlog::info("refused a {}: {}", bad.type, bad.what());
    const std::string field = bad.field.empty() ? "body" : bad.field;
    exchange.error(Code::Bad_Request, "invalid_field", field + " " + bad.why, field);
    return;
  }
  auto reply = exchange.share();
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  const bool queued = producer_.produce(
      config_.topic(std::string(envelope.topic())), envelope.key, message, {},
      [reply, accepted = std::move(accepted), started](const kafka::DeliveryResult& r) {
        metrics::observe_produce(
            r.ok, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        if (!r.ok) {
          reply->error(Code::Service_Unavailable, "kafka_unavailable",
                       "the command was not accepted: " + r.error);
          return;
        }
        if (!accepted.location.empty()) {
          reply->writer().headers().add<Pistache::Http::Header::Location>(accepted.location);
        }
        reply->reply(Code::Accepted, accepted.body);
      },
      &error);
  if (!queued)
    exchange.error(Code::Service_Unavailable, "kafka_unavailable", "the command was not accepted: " + error);
}

Accepted order_accepted(const std::string& order_id) {
  return Accepted{json_object([&](json::Writer& w) {
                    json::put(w, "order_id", order_id);
                    json::put(w, "status", "PENDING");
                  }),
                  "/v1/orders/" + order_id};
}

}  // namespace orderflow::api
