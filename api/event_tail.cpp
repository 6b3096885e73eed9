#include "event_tail.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "orderflow/ids.hpp"
#include "orderflow/kafka_log.hpp"

namespace orderflow::api {
namespace {

constexpr int kMetadataTimeoutMs = 5000;

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(name + ": " + err);
}

}  // namespace

EventTail::EventTail(const std::string& brokers, std::vector<std::string> topics)
    : topics_(std::move(topics)) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  kafka::route_logs(conf->c_ptr_global());
  set(*conf, "bootstrap.servers", brokers);
  // librdkafka's KafkaConsumer needs a group id even when it only assigns; it never joins this group
  // (no subscribe) and never commits to it.
  set(*conf, "group.id", "orderflow-api-events-" + random_uuid());
  set(*conf, "client.id", "orderflow-api-events");
  set(*conf, "enable.auto.commit", "false");
  set(*conf, "enable.auto.offset.store", "false");
  set(*conf, "auto.offset.reset", "earliest");
  set(*conf, "fetch.wait.max.ms", "100");            // an idle stream sees a new event within ~100 ms
  set(*conf, "queued.max.messages.kbytes", "1024");  // prefetch per stream: streams are bounded, so is this
  std::string err;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("cannot create Kafka consumer: " + err);

  RdKafka::Metadata* raw = nullptr;
  if (const auto code = consumer_->metadata(true, nullptr, &raw, kMetadataTimeoutMs);
      code != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("metadata: " + RdKafka::err2str(code));
  }
  std::unique_ptr<RdKafka::Metadata> metadata(raw);
  for (const auto& name : topics_) {
    int32_t count = 0;
    for (const auto* topic : *metadata->topics()) {
      if (topic->topic() == name) count = static_cast<int32_t>(topic->partitions()->size());
    }
    if (count == 0) throw std::runtime_error("topic " + name + " has no partitions (does it exist?)");
    partitions_.push_back(count);
  }
}

EventTail::~EventTail() {
  if (consumer_) consumer_->close();
}

EventPosition EventTail::end() const {
  auto position = EventPosition::uniform(partitions_, 0);
  for (size_t t = 0; t < topics_.size(); ++t) {
    for (int32_t p = 0; p < partitions_[t]; ++p) {
      int64_t low = 0;
      int64_t high = 0;
      if (const auto code =
              consumer_->query_watermark_offsets(topics_[t], p, &low, &high, kMetadataTimeoutMs);
          code != RdKafka::ERR_NO_ERROR) {
        throw std::runtime_error("watermarks of " + topics_[t] + ": " + RdKafka::err2str(code));
      }
      position.next_offsets[t][static_cast<size_t>(p)] = high;
    }
  }
  return position;
}

void EventTail::start(const EventPosition& position) {
  std::vector<RdKafka::TopicPartition*> parts;
  for (size_t t = 0; t < topics_.size(); ++t) {
    for (int32_t p = 0; p < partitions_[t]; ++p) {
      parts.push_back(
          RdKafka::TopicPartition::create(topics_[t], p, position.next_offsets[t][static_cast<size_t>(p)]));
    }
  }
  const auto code = consumer_->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (code != RdKafka::ERR_NO_ERROR) throw std::runtime_error("assign: " + RdKafka::err2str(code));
}

std::optional<TailedEvent> EventTail::next(std::chrono::milliseconds timeout) {
  std::unique_ptr<RdKafka::Message> m(consumer_->consume(static_cast<int>(timeout.count())));
  if (m->err() != RdKafka::ERR_NO_ERROR) {
    if (m->err() != RdKafka::ERR__TIMED_OUT && m->err() != RdKafka::ERR__PARTITION_EOF) {
      spdlog::warn("event stream: consume: {}", m->errstr());
    }
    return std::nullopt;
  }
  TailedEvent e;
  for (size_t t = 0; t < topics_.size(); ++t) {
    if (topics_[t] == m->topic_name()) e.topic_index = t;
  }
  e.partition = m->partition();
  e.offset = m->offset();
  if (m->payload() != nullptr) e.value.assign(static_cast<const char*>(m->payload()), m->len());
  return e;
}

}  // namespace orderflow::api
