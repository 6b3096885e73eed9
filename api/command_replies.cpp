#include "command_replies.hpp"

#include "api_metrics.hpp"
#include "json_body.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using producers::PublishResult;

void CommandReplies::publish(messages::Payload command, Exchange& exchange, Accepted accepted) const {
  publisher_.publish(
      std::move(command), [reply = exchange.share(), accepted = std::move(accepted)](const PublishResult& r) {
        switch (r.outcome) {
          case PublishResult::Outcome::refused: {
            const std::string field = r.field.empty() ? "body" : r.field;
            reply->error(Code::Bad_Request, "invalid_field", field + " " + r.why, field);
            return;
          }
          case PublishResult::Outcome::failed:
            metrics::observe_produce(false, r.produce_seconds);
            reply->error(Code::Service_Unavailable, "kafka_unavailable",
                         "the command was not accepted: " + r.error);
            return;
          case PublishResult::Outcome::acked:
            metrics::observe_produce(true, r.produce_seconds);
            if (!accepted.location.empty()) {
              reply->writer().headers().add<Pistache::Http::Header::Location>(accepted.location);
            }
            reply->reply(Code::Accepted, accepted.body);
            return;
        }
      });
}

Accepted order_accepted(const std::string& order_id) {
  return Accepted{json_object([&](json::Writer& w) {
                    json::put(w, "order_id", order_id);
                    json::put(w, "status", "PENDING");
                  }),
                  "/v1/orders/" + order_id};
}

}  // namespace orderflow::api
