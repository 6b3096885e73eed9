#include "orderflow/runtime/consumer_loop.hpp"

#include <fmt/format.h>
#include <librdkafka/rdkafkacpp.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <variant>

#include "orderflow/metrics.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/runtime/offset_store.hpp"
#include "orderflow/runtime/processed_messages.hpp"
#include "orderflow/runtime/worker_metrics.hpp"
#include "orderflow/shutdown.hpp"

namespace orderflow::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using MessagePtr = std::unique_ptr<RdKafka::Message>;

// Errors worth retrying as they are: the same batch will succeed once the cause passes.
bool transient(const pqxx::sql_error& e) {
  const std::string state = e.sqlstate();
  return state == "40001" /* serialization */ || state == "40P01" /* deadlock */ || state.starts_with("08") ||
         state == "57P01" /* admin shutdown */ || state == "53300" /* too many connections */;
}

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(name + ": " + err);
}

}  // namespace

struct ConsumerLoop::Impl : RdKafka::RebalanceCb {
  const Config& config;
  Role& role;
  const std::string group;
  OffsetStore offsets;
  ProcessedMessages processed;
  Outbox outbox;
  WorkerMetrics metrics;
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::atomic<bool> db_ok{false};
  std::atomic<bool> subscribed{false};
  bool revoked = false;           // set by a revocation; the batch being built or retried is void
  std::vector<MessagePtr> carry;  // records consumed while a void batch was retried: the next batch's start

  Impl(const Config& c, Role& r)
      : config(c),
        role(r),
        group(c.topic(r.name())),
        offsets(group),
        processed(group),
        outbox(c, r.name()),
        metrics(r.name()) {}

  // ---- database connection ------------------------------------------------------------------------
  bool ensure_connection() {
    if (conn && conn->is_open()) return true;
    try {
      conn = pg::connect(config.pg_dsn);
      db_ok = true;
      return true;
    } catch (const std::exception& e) {
      db_ok = false;
      spdlog::warn("{}: PostgreSQL unavailable: {}", role.name(), e.what());
      return false;
    }
  }

  // ---- rebalancing ----------------------------------------------------------------------------------
  // Eager protocol: every rebalance revokes everything, then assigns. On assignment we position each
  // partition at the offset stored in PostgreSQL with the state (guarantee 3), not Kafka's commit.
  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    if (err != RdKafka::ERR__ASSIGN_PARTITIONS) {
      revoked = true;
      c->unassign();
      metrics.set_assigned(0);
      return;
    }
    std::vector<TopicPartition> keys;
    for (auto* p : parts) keys.emplace_back(p->topic(), p->partition());
    std::map<TopicPartition, int64_t> stored;
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
      try {
        if (ensure_connection()) {
          pqxx::read_transaction tx(*conn);
          stored = offsets.load(tx, keys);
          break;
        }
      } catch (const std::exception& e) {
        db_ok = false;
        conn.reset();
        spdlog::warn("{}: cannot read stored offsets: {}", role.name(), e.what());
      }
      if (shutdown::requested()) break;  // assigning at the beginning is harmless: we are leaving
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
    for (auto* p : parts) {
      auto it = stored.find({p->topic(), p->partition()});
      p->set_offset(it != stored.end() ? it->second : RdKafka::Topic::OFFSET_BEGINNING);
    }
    c->assign(parts);
    metrics.set_assigned(parts.size());
    spdlog::info("{}: assigned {} partitions", role.name(), parts.size());
  }

  // ---- the loop -------------------------------------------------------------------------------------
  void create_consumer() {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(*conf, "bootstrap.servers", config.kafka_brokers);
    set(*conf, "group.id", group);
    set(*conf, "client.id", "orderflow-" + role.name());
    set(*conf, "enable.auto.commit", "false");  // Kafka's commit follows the DB commit, never precedes it
    set(*conf, "enable.auto.offset.store", "false");
    set(*conf, "auto.offset.reset", "earliest");
    set(*conf, "partition.assignment.strategy", "range");  // co-partitions topics keyed alike
    set(*conf, "session.timeout.ms", std::to_string(config.session_timeout_ms));
    set(*conf, "queued.max.messages.kbytes", "8192");  // bounds prefetch memory...
    set(*conf, "fetch.max.bytes", "8388608");          // ...and the size of one fetch response
    set(*conf, "fetch.wait.max.ms", "100");
    std::string err;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), err) != RdKafka::Conf::CONF_OK) {
      throw std::runtime_error(err);
    }
    consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer) throw std::runtime_error("cannot create Kafka consumer: " + err);
    std::vector<std::string> topics;
    for (const auto& t : role.topics()) topics.push_back(config.topic(t));
    if (auto code = consumer->subscribe(topics); code != RdKafka::ERR_NO_ERROR) {
      throw std::runtime_error("subscribe: " + RdKafka::err2str(code));
    }
    subscribed = true;
  }

  // Consumes one message; a revocation during the call voids what `batch` held so far.
  MessagePtr consume_one(int timeout_ms, std::vector<MessagePtr>& batch) {
    MessagePtr m(consumer->consume(timeout_ms));
    if (revoked) {
      batch.clear();
      revoked = false;
    }
    if (m->err() == RdKafka::ERR_NO_ERROR) return m;
    if (m->err() != RdKafka::ERR__TIMED_OUT && m->err() != RdKafka::ERR__PARTITION_EOF) {
      spdlog::warn("{}: consume: {}", role.name(), m->errstr());
    }
    return nullptr;
  }

  // What is there now, up to the batch bound: under load batches grow while the last one commits.
  std::vector<MessagePtr> poll_batch() {
    std::vector<MessagePtr> batch = std::move(carry);
    carry.clear();
    if (batch.empty()) {
      if (auto m = consume_one(100, batch)) batch.push_back(std::move(m));
      if (batch.empty()) return batch;
    }
    while (batch.size() < config.batch_max_records) {
      auto m = consume_one(0, batch);
      if (!m) break;
      batch.push_back(std::move(m));
    }
    return batch;
  }

  struct Decoded {
    std::vector<Record> good;
    std::vector<std::pair<Record, std::string>> bad;  // record and why it is a dead letter
    std::map<TopicPartition, int64_t> next;
  };

  Decoded decode_batch(const std::vector<MessagePtr>& batch) {
    Decoded d;
    for (const auto& m : batch) {
      Record r;
      r.topic = m->topic_name();
      r.partition = m->partition();
      r.offset = m->offset();
      r.timestamp_ms = m->timestamp().timestamp;
      if (m->key() != nullptr) r.key = *m->key();
      if (m->payload() != nullptr) r.value.assign(static_cast<const char*>(m->payload()), m->len());
      d.next[{r.topic, r.partition}] = r.offset + 1;
      auto decoded = messages::decode(r.value);
      if (auto* err = std::get_if<messages::DecodeError>(&decoded)) {
        d.bad.emplace_back(std::move(r), err->reason);
        continue;
      }
      r.message = std::move(std::get<messages::Message>(decoded));
      if (r.topic != config.topic(std::string(r.message.topic()))) {
        // Each topic carries its own types only (messages/topics.hpp): anything else is a producer's bug.
        d.bad.emplace_back(std::move(r), fmt::format("{} does not belong on this topic (it goes to {})",
                                                     r.message.type(), r.message.topic()));
        continue;
      }
      d.good.push_back(std::move(r));
    }
    return d;
  }

  // One transaction: role state + dead letters + outbox + offsets + processed ids. With `isolate`, each
  // record runs in its own savepoint and a record that throws becomes a dead letter instead of failing
  // the batch.
  void apply_batch(Decoded& d, bool isolate) {
    const auto started = Clock::now();
    outbox.clear();
    pqxx::work tx(*conn);
    // Records applied before are left out. Usually there are none; otherwise the role works on copies,
    // since a retry of this transaction must see every record again.
    const auto is_new = processed.mark(tx, d.good);
    std::vector<Record> copies;
    std::vector<Record>* records = &d.good;
    if (std::find(is_new.begin(), is_new.end(), false) != is_new.end()) {
      for (size_t i = 0; i < d.good.size(); ++i) {
        if (is_new[i]) copies.push_back(d.good[i]);
      }
      metrics.add_duplicates(d.good.size() - copies.size());
      records = &copies;
    }
    if (!isolate) {
      role.apply(tx, *records, outbox);
    } else {
      for (auto& r : *records) {
        const size_t queued = outbox.size();
        std::vector<Record> one;
        one.push_back(std::move(r));
        try {
          pqxx::subtransaction sub(tx, "record");
          role.apply(sub, one, outbox);
          sub.commit();
        } catch (const pqxx::broken_connection&) {
          throw;
        } catch (const std::exception& e) {
          outbox.truncate(queued);
          outbox.dead_letter(one.front(), std::string("processing failed: ") + e.what());
        }
        r = std::move(one.front());
      }
    }
    for (const auto& [r, reason] : d.bad) outbox.dead_letter(r, reason);
    const size_t dead = outbox.dead_letters();
    outbox.write(tx);
    offsets.store(tx, d.next);
    tx.commit();
    metrics.observe_transaction(std::chrono::duration<double>(Clock::now() - started).count());
    metrics.add_dead_letters(dead);
  }

  // Waits `delay` while still serving the group (partitions paused), so a slow database does not get
  // us evicted. Returns false when the batch became void meanwhile (revoked) or shutdown was asked.
  bool wait_serving_group(std::chrono::milliseconds delay) {
    std::vector<RdKafka::TopicPartition*> assignment;
    consumer->assignment(assignment);
    consumer->pause(assignment);
    const auto until = Clock::now() + delay;
    bool still_ours = true;
    while (Clock::now() < until && !shutdown::requested()) {
      MessagePtr m(consumer->consume(50));
      if (revoked) {  // what was carried came from an assignment that is gone too
        still_ours = false;
        carry.clear();
        revoked = false;
      }
      // A message can only come from a new assignment (paused partitions deliver nothing).
      if (m && m->err() == RdKafka::ERR_NO_ERROR) carry.push_back(std::move(m));
    }
    if (still_ours) consumer->resume(assignment);
    RdKafka::TopicPartition::destroy(assignment);
    return still_ours && !shutdown::requested();
  }

  // Applies the batch, retrying until it commits; false if it was abandoned (revoked or shutting down).
  bool process(std::vector<MessagePtr>& batch) {
    Decoded d = decode_batch(batch);
    auto backoff = std::chrono::milliseconds(100);
    int failures = 0;
    for (;;) {
      try {
        if (ensure_connection()) {
          apply_batch(d, failures >= 3);
          db_ok = true;
          break;
        }
      } catch (const pqxx::broken_connection& e) {
        spdlog::warn("{}: lost PostgreSQL: {}", role.name(), e.what());
        db_ok = false;
        conn.reset();
      } catch (const pqxx::sql_error& e) {
        if (!transient(e)) ++failures;
        spdlog::warn("{}: batch failed ({}), attempt {}: {}", role.name(), e.sqlstate(), failures, e.what());
        if (!conn->is_open()) conn.reset();
      } catch (const std::exception& e) {
        ++failures;
        spdlog::warn("{}: batch failed, attempt {}: {}", role.name(), failures, e.what());
      }
      metrics.add_retry();
      if (!wait_serving_group(backoff)) return false;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      if (failures >= 3) backoff = std::chrono::milliseconds(0);  // isolation needs no waiting
    }
    // Kafka's committed offsets follow the database, for lag tools; losing this commit is harmless.
    std::vector<RdKafka::TopicPartition*> commits;
    for (const auto& [tp, next] : d.next)
      commits.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, next));
    consumer->commitAsync(commits);
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (const auto& r : d.good)
      metrics.observe_latency(static_cast<double>(now_ms - r.timestamp_ms) / 1000.0);
    for (auto* tp : commits) {
      int64_t low = 0, high = 0;
      if (consumer->get_watermark_offsets(tp->topic(), tp->partition(), &low, &high) ==
          RdKafka::ERR_NO_ERROR) {
        metrics.set_lag(tp->topic(), tp->partition(), std::max<int64_t>(0, high - tp->offset()));
      }
    }
    RdKafka::TopicPartition::destroy(commits);
    metrics.add_applied(d.good.size(), batch.size());
    // A big batch leaves megabytes of freed SQL text and results in malloc's arenas: give them back,
    // so a worker's RSS follows its load instead of its largest batch.
    if (batch.size() >= 256) malloc_trim(0);
    return true;
  }

  void run() {
    while (!ensure_connection()) {
      if (shutdown::wait_for(std::chrono::seconds(1))) return;
    }
    create_consumer();
    spdlog::info("{}: consuming as group {}", role.name(), group);
    while (!shutdown::requested()) {
      auto batch = poll_batch();
      if (batch.empty()) continue;
      process(batch);
    }
    // close() revokes our partitions (through rebalance_cb) and leaves the group at once, so the other
    // instances take over without waiting for the session timeout.
    consumer->close();
    spdlog::info("{}: consumer closed", role.name());
  }
};

ConsumerLoop::ConsumerLoop(const Config& config, Role& role) : impl_(std::make_unique<Impl>(config, role)) {}
ConsumerLoop::~ConsumerLoop() = default;
void ConsumerLoop::run() {
  impl_->run();
}
bool ConsumerLoop::ready() const {
  if (!impl_->db_ok.load() || !impl_->subscribed.load()) return false;
  // Kafka reachable: a metadata request (librdkafka handles are thread-safe; `consumer` is set before
  // `subscribed` and lives as long as this object).
  RdKafka::Metadata* md = nullptr;
  const auto code = impl_->consumer->metadata(false, nullptr, &md, 1000);
  std::unique_ptr<RdKafka::Metadata> owned(md);
  return code == RdKafka::ERR_NO_ERROR;
}

}  // namespace orderflow::runtime
