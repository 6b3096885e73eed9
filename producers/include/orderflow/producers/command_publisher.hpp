#pragma once
// Publishing a new command, written once for whatever takes commands from outside (the api): encode it
// as a new message, checked against its contract on the way, produce it to its topic with the run's
// prefix, and say how it ended. What an endpoint answers for each outcome (202, 400, 503) is the api's.
#include <functional>
#include <string>

#include "orderflow/config.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/producers/kafka_producer.hpp"

namespace orderflow::producers {

struct PublishResult {
  enum class Outcome {
    acked,    // the broker has it, acknowledged by all in-sync replicas
    refused,  // it breaks its contract: nothing was produced (field, why)
    failed,   // Kafka did not take it, or did not confirm in time (error)
  };
  Outcome outcome = Outcome::failed;
  std::string field, why;      // refused
  std::string error;           // failed
  double produce_seconds = 0;  // acked or failed: from produce to the delivery report
};

class CommandPublisher {
 public:
  CommandPublisher(const Config& config, kafka::Producer& producer) : config_(config), producer_(producer) {}

  // Calls `done` exactly once: at once when refused or not even queued, else from the delivery report
  // on the producer's thread.
  void publish(messages::Payload command, std::function<void(const PublishResult&)> done) const;

 private:
  const Config& config_;
  kafka::Producer& producer_;
};

}  // namespace orderflow::producers
