#pragma once
// What a command endpoint answers, written once: 202 only once the broker acknowledged the command to
// all in-sync replicas (guarantee 1), sent from the delivery report on the producer's thread; 400
// naming the field when the command breaks its contract (nothing published, so a 202 never ends in a
// dead-letter topic); 503 when Kafka did not take or confirm it. The publishing itself is
// producers::CommandPublisher's.
#include <string>

#include "exchange.hpp"
#include "orderflow/producers/command_publisher.hpp"

namespace orderflow::api {

// What the client gets once the command is durably in Kafka.
struct Accepted {
  std::string body;      // JSON
  std::string location;  // Location header; empty for none
};

// The answer to a command that starts an order (POST /v1/orders, a cart checkout): the order's id,
// PENDING, and its Location.
Accepted order_accepted(const std::string& order_id);

class CommandReplies {
 public:
  explicit CommandReplies(const producers::CommandPublisher& publisher) : publisher_(publisher) {}

  // Publishes `command` and answers `exchange` as above; records the produce latency.
  void publish(messages::Payload command, Exchange& exchange, Accepted accepted) const;

 private:
  const producers::CommandPublisher& publisher_;
};

}  // namespace orderflow::api
