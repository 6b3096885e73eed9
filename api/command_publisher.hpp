#pragma once
// Publishing a command and answering for it, written once for every command endpoint. The reply is
// 202 only once the broker acknowledged the write to all in-sync replicas (guarantee 1): it is sent
// from the delivery report, on the producer's thread; a failed or unqueueable write answers 503.
#include <string>
#include <string_view>

#include "exchange.hpp"
#include "orderflow/config.hpp"
#include "orderflow/envelope.hpp"
#include "orderflow/kafka.hpp"

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

  // Produces `envelope` to this run's `topic_base` keyed by envelope.key, then answers `exchange`: 202
  // with `accepted` on the broker's ack, 503 on failure. The envelope is checked against the envelope
  // schema and its type's payload schema first: a message we would not accept ourselves is a bug, and
  // answers 500 with nothing published. Records the produce latency.
  void publish(std::string_view topic_base, const Envelope& envelope, Exchange& exchange,
               Accepted accepted) const;

 private:
  const Config& config_;
  kafka::Producer& producer_;
};

}  // namespace orderflow::api
