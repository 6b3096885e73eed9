#pragma once
// Publishing a command and answering for it, written once for every command endpoint. The reply is
// 202 only once the broker acknowledged the write to all in-sync replicas (guarantee 1): it is sent
// from the delivery report, on the producer's thread; a failed or unqueueable write answers 503.
#include <string>
#include <string_view>

#include "exchange.hpp"
#include "orderflow/config.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/messages/message.hpp"

namespace orderflow::api {

// What the client gets once the command is durably in Kafka.
struct Accepted {
  std::string body;      // JSON
  std::string location;  // Location header; empty for none
};

// The answer to a command that starts an order (POST /v1/orders, a cart checkout): the order's id,
// PENDING, and its Location.
Accepted order_accepted(const std::string& order_id);

class CommandPublisher {
 public:
  CommandPublisher(const Config& config, kafka::Producer& producer) : config_(config), producer_(producer) {}

  // Produces `command` (a new message) to its topic with this run's prefix, then answers `exchange`: 202
  // with `accepted` on the broker's ack, 503 on failure. Encoding checks the command against its
  // contract: what a consumer would refuse answers 400 naming the field, with nothing published, so a
  // 202 never ends in a dead-letter topic. Records the produce latency.
  void publish(messages::Payload command, Exchange& exchange, Accepted accepted) const;

 private:
  const Config& config_;
  kafka::Producer& producer_;
};

}  // namespace orderflow::api
