#pragma once
// The one Kafka producer of every process that writes (the api's commands, the outbox relay's events):
// RAII around librdkafka 2.0.2, idempotent and acks=all, its delivery report calling back per message
// on the producer's own poll thread.
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace orderflow::kafka {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct DeliveryResult {
  bool ok = false;
  std::string error;  // empty when ok
  int32_t partition = -1;
  int64_t offset = -1;
};
using DeliveryFn = std::function<void(const DeliveryResult&)>;
class DeliveryDeadlines;

struct ProducerOptions {
  std::string brokers;
  std::string client_id = "orderflow";
  // A delivery report says "failed" at the latest after this, even for a message a broker still has in
  // flight (DeliveryDeadlines): never an ack later than this.
  unsigned message_timeout_ms = 5000;
  unsigned linger_ms = 2;
};

class Producer {
 public:
  explicit Producer(const ProducerOptions& options);
  ~Producer();  // flushes (bounded), then stops the poll thread
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message. `on_delivery` runs once on the producer's poll thread: when the broker has
  // acknowledged the write to all in-sync replicas (at least the topic's min.insync.replicas), or when
  // the message failed or found no ack within message_timeout_ms (the write may still land then).
  // Returns false (and never calls on_delivery) when the message could not even be queued.
  bool produce(const std::string& topic, std::string_view key, std::string_view value, const Headers& headers,
               DeliveryFn on_delivery, std::string* error = nullptr);
  // Waits until every queued message has its delivery report; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  // True when the broker answers a metadata request within the timeout.
  bool reachable(std::chrono::milliseconds timeout);

 private:
  class DeliveryCallback;
  std::unique_ptr<DeliveryDeadlines> deadlines_;
  std::unique_ptr<DeliveryCallback> delivery_cb_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::atomic<bool> running_{true};
  std::thread poll_thread_;
};

}  // namespace orderflow::kafka
