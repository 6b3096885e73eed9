#include "orderflow/producers/kafka_producer.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "delivery_deadlines.hpp"
#include "orderflow/kafka_log.hpp"

namespace orderflow::kafka {
namespace {

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) {
    throw std::runtime_error("kafka config " + name + ": " + err);
  }
}

}  // namespace

// Each message carries a heap-allocated shared_ptr<PendingDelivery> as its opaque; the report hands it
// back once, and resolves it unless its deadline came first.
class Producer::DeliveryCallback : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<std::shared_ptr<PendingDelivery>> pending(
        static_cast<std::shared_ptr<PendingDelivery>*>(message.msg_opaque()));
    if (!pending || !*pending) return;
    DeliveryResult r;
    r.ok = message.err() == RdKafka::ERR_NO_ERROR;
    if (!r.ok) r.error = message.errstr();
    r.partition = message.partition();
    r.offset = message.offset();
    if (!(*pending)->resolve(r) && r.ok) {
      // Answered "failed" at its deadline, acknowledged since: in Kafka all the same (a client retry
      // with the same Idempotency-Key finds the same order id).
      spdlog::warn("{} [{}] offset {} acknowledged after its deadline had failed it", message.topic_name(),
                   r.partition, r.offset);
    }
  }
};

Producer::Producer(const ProducerOptions& options)
    : deadlines_(std::make_unique<DeliveryDeadlines>(std::chrono::milliseconds(options.message_timeout_ms))),
      delivery_cb_(std::make_unique<DeliveryCallback>()) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  kafka::route_logs(conf->c_ptr_global());
  set(*conf, "bootstrap.servers", options.brokers);
  set(*conf, "client.id", options.client_id);
  // Guarantee 1: a write counts only when every in-sync replica has it, and retries never duplicate
  // or reorder (idempotent producer).
  set(*conf, "enable.idempotence", "true");
  set(*conf, "acks", "all");
  set(*conf, "linger.ms", std::to_string(options.linger_ms));
  set(*conf, "message.timeout.ms", std::to_string(options.message_timeout_ms));
  // The broker waits up to this for the in-sync replicas' acks (default 30 s): no longer than we wait.
  set(*conf, "request.timeout.ms", std::to_string(options.message_timeout_ms));
  set(*conf, "socket.timeout.ms", std::to_string(std::max(options.message_timeout_ms, 1000u)));
  set(*conf, "compression.type", "lz4");
  std::string err;
  if (conf->set("dr_cb", delivery_cb_.get(), err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(err);
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) throw std::runtime_error("cannot create Kafka producer: " + err);
  // Delivery reports fire only from poll(): one thread polls for the producer's whole life.
  poll_thread_ = std::thread([this] {
    while (running_.load(std::memory_order_relaxed)) {
      producer_->poll(50);
      deadlines_->expire(std::chrono::steady_clock::now());
    }
  });
}

Producer::~Producer() {
  producer_->flush(5000);
  running_ = false;
  poll_thread_.join();
  producer_->poll(0);
  deadlines_->fail_all("the producer closed before an acknowledgement");
}

bool Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                       const Headers& headers, DeliveryFn on_delivery, std::string* error) {
  RdKafka::Headers* hdrs = nullptr;
  if (!headers.empty()) {
    hdrs = RdKafka::Headers::create();
    for (const auto& [k, v] : headers) hdrs->add(k, v.data(), v.size());
  }
  auto* fn = new std::shared_ptr<PendingDelivery>(deadlines_->track(std::move(on_delivery)));
  const auto code =
      producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         const_cast<char*>(value.data()), value.size(), key.data(), key.size(), 0, hdrs, fn);
  if (code != RdKafka::ERR_NO_ERROR) {
    // On failure librdkafka did not take ownership of the headers or the opaque. Resolved without a
    // call, so its deadline never reports it either.
    (*fn)->resolve_silently();
    delete fn;
    delete hdrs;
    if (error != nullptr) *error = RdKafka::err2str(code);
    return false;
  }
  return true;
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return producer_->flush(static_cast<int>(timeout.count())) == RdKafka::ERR_NO_ERROR;
}

bool Producer::reachable(std::chrono::milliseconds timeout) {
  RdKafka::Metadata* md = nullptr;
  const auto code = producer_->metadata(true, nullptr, &md, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  return code == RdKafka::ERR_NO_ERROR && owned && !owned->brokers()->empty();
}

}  // namespace orderflow::kafka
