#include "orderflow/runtime/kafka_consumer.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "orderflow/kafka_log.hpp"

namespace orderflow::runtime {
namespace {

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(name + ": " + err);
}

// The one owner of librdkafka's TopicPartition objects we create: built from values, destroyed with the
// list. (Lists librdkafka hands to the rebalance callback are its own.)
class NativeList {
 public:
  explicit NativeList(const std::vector<TopicPartition>& parts) {
    for (const auto& [topic, partition] : parts)
      list_.push_back(RdKafka::TopicPartition::create(topic, partition));
  }
  explicit NativeList(const std::map<TopicPartition, int64_t>& offsets) {
    for (const auto& [tp, offset] : offsets)
      list_.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, offset));
  }
  ~NativeList() { RdKafka::TopicPartition::destroy(list_); }
  NativeList(const NativeList&) = delete;
  NativeList& operator=(const NativeList&) = delete;
  std::vector<RdKafka::TopicPartition*>& get() { return list_; }

 private:
  std::vector<RdKafka::TopicPartition*> list_;
};

std::vector<TopicPartition> values(const std::vector<RdKafka::TopicPartition*>& parts) {
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto* p : parts) out.emplace_back(p->topic(), p->partition());
  return out;
}

}  // namespace

// librdkafka's rebalance callback, forwarding to the consumer that owns the handle.
class KafkaConsumer::Rebalancer : public RdKafka::RebalanceCb {
 public:
  explicit Rebalancer(KafkaConsumer& owner) : owner_(owner) {}

  // Eager protocol: every rebalance revokes everything, then assigns the new set.
  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    if (err != RdKafka::ERR__ASSIGN_PARTITIONS) {
      // A revocation, or a rebalance error (librdkafka asks for unassign() then too). Resume before
      // unassigning: librdkafka would keep our pause on these partitions into their next assignment.
      if (err != RdKafka::ERR__REVOKE_PARTITIONS) {
        spdlog::warn("{}: rebalance error: {}", owner_.options_.log_name, RdKafka::err2str(err));
      }
      owner_.revoked();
      if (const auto code = c->unassign(); code != RdKafka::ERR_NO_ERROR) {
        spdlog::warn("{}: unassign: {}", owner_.options_.log_name, RdKafka::err2str(code));
      }
      owner_.callbacks_.on_revoke();
      return;
    }
    const auto keys = values(parts);
    auto starts = owner_.callbacks_.on_assign(keys);
    for (auto* p : parts) {
      const auto it = starts.find({p->topic(), p->partition()});
      p->set_offset(it != starts.end() ? it->second : RdKafka::Topic::OFFSET_BEGINNING);
    }
    if (const auto code = c->assign(parts); code != RdKafka::ERR_NO_ERROR) {
      spdlog::error("{}: assign: {}", owner_.options_.log_name, RdKafka::err2str(code));
    }
    owner_.assigned(keys, std::move(starts));
  }

 private:
  KafkaConsumer& owner_;
};

KafkaConsumer::KafkaConsumer(Options options, Callbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      rebalancer_(std::make_unique<Rebalancer>(*this)) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  kafka::route_logs(conf->c_ptr_global());
  set(*conf, "bootstrap.servers", options_.brokers);
  set(*conf, "group.id", options_.group);
  set(*conf, "client.id", options_.client_id);
  set(*conf, "enable.auto.commit", "false");  // Kafka's commit follows the DB commit, never precedes it
  set(*conf, "enable.auto.offset.store", "false");
  set(*conf, "auto.offset.reset", "earliest");
  set(*conf, "partition.assignment.strategy", "range");  // co-partitions topics keyed alike
  set(*conf, "session.timeout.ms", std::to_string(options_.session_timeout_ms));
  if (!options_.group_instance_id.empty()) set(*conf, "group.instance.id", options_.group_instance_id);
  // A subscribed topic the broker does not know yet (just created, its metadata still propagating) is
  // looked up again only at this refresh: librdkafka's default of 5 min left a worker idle that long.
  set(*conf, "topic.metadata.refresh.interval.ms", "5000");
  set(*conf, "queued.max.messages.kbytes", "8192");  // bounds prefetch memory...
  set(*conf, "fetch.max.bytes", "8388608");          // ...and the size of one fetch response
  if (options_.fetch_hold_ms > 0) {
    set(*conf, "fetch.min.bytes", "1048576");
    set(*conf, "fetch.wait.max.ms", std::to_string(options_.fetch_hold_ms));
  } else {
    set(*conf, "fetch.wait.max.ms", "100");  // an empty fetch waits this long for a first record
  }
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(rebalancer_.get()), err) !=
      RdKafka::Conf::CONF_OK) {
    throw std::runtime_error(err);
  }
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer_) throw std::runtime_error("cannot create Kafka consumer: " + err);
}

KafkaConsumer::~KafkaConsumer() {
  // Closing serves the revocation to our callbacks, which the owner keeps alive longer than us.
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::warn("{}: closing the consumer: {}", options_.log_name, e.what());
  }
}

void KafkaConsumer::subscribe(const std::vector<std::string>& topics) {
  if (const auto code = consumer_->subscribe(topics); code != RdKafka::ERR_NO_ERROR) {
    throw std::runtime_error("subscribe: " + RdKafka::err2str(code));
  }
}

std::optional<Record> KafkaConsumer::consume(std::chrono::milliseconds timeout) {
  std::unique_ptr<RdKafka::Message> m(consumer_->consume(static_cast<int>(timeout.count())));
  if (m->err() != RdKafka::ERR_NO_ERROR) {
    if (m->err() != RdKafka::ERR__TIMED_OUT && m->err() != RdKafka::ERR__PARTITION_EOF) {
      spdlog::warn("{}: consume: {}", options_.log_name, m->errstr());
    }
    return std::nullopt;
  }
  Record r;
  r.topic = m->topic_name();
  r.partition = m->partition();
  r.offset = m->offset();
  r.timestamp_ms = m->timestamp().timestamp;
  if (m->key() != nullptr) r.key = *m->key();
  if (m->payload() != nullptr) r.value.assign(static_cast<const char*>(m->payload()), m->len());
  return r;
}

void KafkaConsumer::commit_async(const std::map<TopicPartition, int64_t>& next) {
  if (next.empty()) return;
  NativeList list(next);  // librdkafka copies the list: it may go before the commit completes
  if (const auto code = consumer_->commitAsync(list.get()); code != RdKafka::ERR_NO_ERROR) {
    // Harmless: the offsets that count are in PostgreSQL; Kafka's are for lag tools.
    spdlog::debug("{}: commit: {}", options_.log_name, RdKafka::err2str(code));
  }
  for (const auto& [tp, offset] : next) {
    // Only while the partition is still ours: a commit can follow a revocation.
    if (std::find(assignment_.begin(), assignment_.end(), tp) != assignment_.end()) committed_[tp] = offset;
  }
}

void KafkaConsumer::pause_all() {
  pause_intent_ = true;
  std::vector<TopicPartition> todo;
  for (const auto& tp : assignment_) {
    if (!paused_.contains(tp)) todo.push_back(tp);
  }
  for (auto& tp : set_paused(todo, true)) paused_.insert(std::move(tp));
}

void KafkaConsumer::resume_all() {
  pause_intent_ = false;
  set_paused({paused_.begin(), paused_.end()}, false);
  paused_.clear();
}

void KafkaConsumer::assigned(const std::vector<TopicPartition>& partitions,
                             std::map<TopicPartition, int64_t> starts) {
  assignment_ = partitions;
  committed_ = std::move(starts);
  // The runtime is in a retry wait: what was just assigned must not be fetched either.
  if (pause_intent_) {
    for (auto& tp : set_paused(assignment_, true)) paused_.insert(std::move(tp));
  }
  spdlog::info("{}: assigned {} partitions{}", options_.log_name, assignment_.size(),
               pause_intent_ ? " (paused)" : "");
}

void KafkaConsumer::revoked() {
  // The intent stays (the next assignment gets it); the pause itself goes with the partitions.
  set_paused({paused_.begin(), paused_.end()}, false);
  paused_.clear();
  assignment_.clear();
  committed_.clear();
  spdlog::info("{}: partitions revoked", options_.log_name);
}

std::vector<TopicPartition> KafkaConsumer::set_paused(const std::vector<TopicPartition>& partitions,
                                                      bool pause) {
  if (partitions.empty()) return {};
  NativeList list(partitions);
  const auto code = pause ? consumer_->pause(list.get()) : consumer_->resume(list.get());
  std::vector<TopicPartition> done;
  for (const auto* p : list.get()) {
    if (code == RdKafka::ERR_NO_ERROR && p->err() == RdKafka::ERR_NO_ERROR) {
      done.emplace_back(p->topic(), p->partition());
    } else {
      spdlog::warn("{}: {} {} [{}]: {}", options_.log_name, pause ? "pause" : "resume", p->topic(),
                   p->partition(), RdKafka::err2str(code != RdKafka::ERR_NO_ERROR ? code : p->err()));
    }
  }
  return done;
}

std::map<TopicPartition, Watermarks> KafkaConsumer::watermarks() const {
  std::map<TopicPartition, Watermarks> out;
  for (const auto& tp : assignment_) {
    Watermarks w;
    // The cached values: the high watermark comes with every fetch response, idle partitions included
    // (fetches long-poll). Paused partitions are not fetched, so theirs is as of the pause.
    if (consumer_->get_watermark_offsets(tp.first, tp.second, &w.low, &w.high) == RdKafka::ERR_NO_ERROR &&
        w.high >= 0) {
      out.emplace(tp, w);
    }
  }
  return out;
}

std::map<TopicPartition, StallWatch::Progress> KafkaConsumer::progress() const {
  std::map<TopicPartition, StallWatch::Progress> out;
  for (const auto& [tp, w] : watermarks()) {
    const auto it = committed_.find(tp);
    const int64_t from =
        std::max<int64_t>(it != committed_.end() ? it->second : 0, std::max<int64_t>(w.low, 0));
    out.emplace(tp, StallWatch::Progress{std::max<int64_t>(0, w.high - from), from});
  }
  return out;
}

std::map<TopicPartition, int64_t> KafkaConsumer::lag() const {
  std::map<TopicPartition, int64_t> out;
  for (const auto& [tp, p] : progress()) out.emplace(tp, p.lag);
  return out;
}

bool KafkaConsumer::reachable(std::chrono::milliseconds timeout) const {
  RdKafka::Metadata* md = nullptr;
  const auto code = consumer_->metadata(false, nullptr, &md, static_cast<int>(timeout.count()));
  std::unique_ptr<RdKafka::Metadata> owned(md);
  return code == RdKafka::ERR_NO_ERROR;
}

void KafkaConsumer::close() {
  if (closed_) return;
  closed_ = true;
  if (const auto code = consumer_->close(); code != RdKafka::ERR_NO_ERROR) {
    spdlog::warn("{}: close: {}", options_.log_name, RdKafka::err2str(code));
  }
}

}  // namespace orderflow::runtime
