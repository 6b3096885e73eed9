#include "command_publisher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <variant>

#include "api_metrics.hpp"
#include "json_body.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

void CommandPublisher::publish(std::string_view topic_base, const Envelope& envelope, Exchange& exchange,
                               Accepted accepted) const {
  const std::string message = encode(envelope);
  const auto checked = decode(message);
  if (const auto* bad = std::get_if<DecodeError>(&checked)) {
    spdlog::error("refusing to publish an invalid {}: {}", envelope.type, bad->reason);
    exchange.error(Code::Internal_Server_Error, "internal", "the command failed its own schema");
    return;
  }
  auto reply = exchange.share();
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  const bool queued = producer_.produce(
      config_.topic(std::string(topic_base)), envelope.key, message, {},
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
