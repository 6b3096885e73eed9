// The orchestration only: poll a batch (KafkaConsumer) -> apply it in one transaction (BatchEngine),
// retried as RetryPolicy says while still serving the group -> commit to Kafka -> metrics.
#include "orderflow/runtime/consumer_loop.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>

#include "orderflow/runtime/batch_engine.hpp"
#include "orderflow/runtime/kafka_consumer.hpp"
#include "orderflow/runtime/retry_policy.hpp"
#include "orderflow/runtime/worker_metrics.hpp"
#include "orderflow/shutdown.hpp"

namespace orderflow::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often lag is published while no batch comes (after each batch it is published anyway).
constexpr auto kIdleLagEvery = std::chrono::seconds(1);
// How long one consume call in a retry wait may block: the wait ends close to its time.
constexpr milliseconds kWaitStep{50};
// A small batch lingers only when the recent arrival rate promises at least this many more records
// within the linger: at 50 orders/s a 10 ms linger gathers about one, which is not worth 10 ms a hop
// (BENCHMARKS.md, "Prepared statements and batch linger on").
constexpr double kLingerMinGain = 4.0;
// With a batch linger, the broker holds a fetch this long at most (or the linger, if shorter) to fill it:
// at 300 orders/s, 10 ms cut Kafka's CPU per order by a sixth (BENCHMARKS.md), and a record that comes
// alone is still fetched within 10 ms.
constexpr unsigned kFetchHoldMaxMs = 10;

}  // namespace

struct ConsumerLoop::Impl {
  const Config& config;
  Role& role;
  WorkerMetrics metrics;
  BatchEngine engine;
  std::atomic<bool> subscribed{false};
  bool revoked = false;       // set by a revocation; the batch being built or retried is void
  bool unpositioned = false;  // the assignment's stored offsets could not be read (we are leaving)
  std::vector<Record> carry;  // records consumed while a void batch was retried: the next batch's start
  Clock::time_point lag_due{};
  // When the last batch was done (or the loop started): a batch whose first record came a whole
  // linger after it does not linger (see poll_batch).
  Clock::time_point idle_since = Clock::now();
  // The batches of the last second (when each began, how many records it took): the arrival rate a
  // linger can count on (see poll_batch).
  std::deque<std::pair<Clock::time_point, size_t>> recent_batches;
  StallWatch stall;
  std::atomic<size_t> stalled{0};  // read by /readyz on the ops thread
  // When the loop last looked at its partitions: a loop blocked longer than the stall timeout (a batch
  // hanging on a lock or on a database that does not answer) cannot say its partitions stall, so
  // /readyz says it for them.
  std::atomic<Clock::rep> looked_at{Clock::now().time_since_epoch().count()};
  // Last member: destroyed (and closed) first, while what its callbacks touch is still alive.
  std::unique_ptr<KafkaConsumer> kafka;

  Impl(const Config& c, Role& r)
      : config(c),
        role(r),
        metrics(r.name()),
        engine(c, r, metrics),
        stall(milliseconds(c.stall_timeout_ms)) {}

  // ---- rebalancing ----------------------------------------------------------------------------------
  // Each partition starts at the offset stored in PostgreSQL with the state (guarantee 3), not at Kafka's
  // commit. Without the database we cannot know where to start, so we wait for it (the group keeps us:
  // heartbeats go on in librdkafka's threads).
  std::map<TopicPartition, int64_t> on_assign(const std::vector<TopicPartition>& parts) {
    metrics.set_assigned(parts.size());
    Backoff backoff(milliseconds(100), milliseconds(2000));
    for (;;) {
      if (auto stored = engine.stored_offsets(parts)) {
        unpositioned = false;
        return *stored;
      }
      if (shutdown::wait_for(backoff.next())) {
        // We are leaving: whatever arrives from this assignment is dropped, never applied.
        unpositioned = true;
        return {};
      }
    }
  }

  void on_revoke() {
    revoked = true;
    unpositioned = false;
    metrics.set_unassigned();
    metrics.set_lag({});
  }

  void create_consumer() {
    kafka = std::make_unique<KafkaConsumer>(
        KafkaConsumer::Options{.brokers = config.kafka_brokers,
                               .group = config.topic(role.name()),
                               .client_id = "orderflow-" + role.name(),
                               .session_timeout_ms = config.session_timeout_ms,
                               .group_instance_id = config.group_instance_id,
                               .log_name = role.name(),
                               .fetch_hold_ms = std::min(config.batch_linger_ms, kFetchHoldMaxMs)},
        KafkaConsumer::Callbacks{.on_assign = [this](const auto& parts) { return on_assign(parts); },
                                 .on_revoke = [this] { on_revoke(); }});
    std::vector<std::string> topics;
    for (const auto& t : role.topics()) topics.push_back(config.topic(t));
    kafka->subscribe(topics);
    subscribed = true;
  }

  // ---- polling --------------------------------------------------------------------------------------
  // Consumes one record; a revocation during the call voids what `batch` held so far.
  std::optional<Record> consume_one(milliseconds timeout, std::vector<Record>& batch) {
    auto r = kafka->consume(timeout);
    if (revoked) {
      batch.clear();
      revoked = false;
    }
    if (unpositioned) return std::nullopt;
    return r;
  }

  // What is there now, up to the batch bound: under load batches grow while the last one commits. A
  // batch that is still small lingers (linger()) unless the loop had been idle for the whole linger.
  std::vector<Record> poll_batch() {
    std::vector<Record> batch = std::move(carry);
    carry.clear();
    if (batch.empty()) {
      if (auto r = consume_one(milliseconds(100), batch)) batch.push_back(std::move(*r));
      if (batch.empty()) return batch;
    }
    const auto first_at = Clock::now();
    drain(batch);
    const milliseconds budget(config.batch_linger_ms);
    // Records arriving less often than one per linger would gain a batch nothing but the wait, and
    // a few more records are not worth a linger per hop either.
    const bool busy = first_at - idle_since < budget;
    const double rate = records_last_second(first_at) + static_cast<double>(batch.size());
    const bool gains = rate * std::chrono::duration<double>(budget).count() >= kLingerMinGain;
    if (budget.count() > 0 && busy && gains) linger(batch, first_at + budget);
    recent_batches.emplace_back(first_at, batch.size());
    return batch;
  }

  // Records the batches that began in the second before `now` took.
  double records_last_second(Clock::time_point now) {
    while (!recent_batches.empty() && now - recent_batches.front().first > std::chrono::seconds(1))
      recent_batches.pop_front();
    double records = 0;
    for (const auto& [at, n] : recent_batches) records += static_cast<double>(n);
    return records;
  }

  // Takes what the consumer holds already, without waiting, up to the batch bound.
  void drain(std::vector<Record>& batch) {
    while (batch.size() < config.batch_max_records) {
      auto r = consume_one(milliseconds(0), batch);
      if (!r) break;
      batch.push_back(std::move(*r));
    }
  }

  // Keeps consuming until the batch reaches the linger size or `until`. Bounded by the linger setting
  // (<= 5 s, far below max.poll.interval.ms) and broken into kWaitStep waits, so
  // a shutdown is seen at once. A revocation ends it: what the batch held is void (consume_one), and
  // the new assignment's first records are applied without waiting longer.
  void linger(std::vector<Record>& batch, Clock::time_point until) {
    const size_t enough = std::min<size_t>(config.batch_linger_records, config.batch_max_records);
    while (batch.size() < enough && !shutdown::requested() && !unpositioned) {
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      if (left.count() <= 0) return;
      const size_t before = batch.size();
      auto r = consume_one(std::min(left, kWaitStep), batch);
      const bool voided = batch.size() < before;
      if (r) batch.push_back(std::move(*r));
      if (voided) return;
      if (r) drain(batch);
      publish_lag(false);  // a long linger still tells /readyz the loop is alive
    }
  }

  // Lag of every assigned partition, not only of those in a batch: an idle or stuck partition shows too;
  // and whether one is stalled (behind, and not moving for the stall timeout).
  void publish_lag(bool now) {
    const auto t = Clock::now();
    if (!now && t < lag_due) return;
    lag_due = t + kIdleLagEvery;
    looked_at = t.time_since_epoch().count();
    const auto progress = kafka->progress();
    std::map<TopicPartition, int64_t> lag;
    for (const auto& [tp, p] : progress) lag.emplace(tp, p.lag);
    metrics.set_lag(lag);
    const size_t n = stall.observe(progress, t);
    if (n > 0 && stalled.load() == 0) spdlog::warn("{}: {} partition(s) stalled", role.name(), n);
    stalled = n;
    metrics.set_stalled(n);
  }

  // ---- retries --------------------------------------------------------------------------------------
  // Waits `delay` while still serving the group (consume keeps us within max.poll.interval.ms), fetching
  // nothing meanwhile: KafkaConsumer keeps every assigned partition paused, also one assigned during the
  // wait, and resumes them all at the end. Returns false when the batch became void (revoked: the wait
  // ends at once, there is nothing left to retry) or shutdown was asked.
  bool wait_serving_group(milliseconds delay) {
    kafka->pause_all();
    const auto until = Clock::now() + delay;
    bool still_ours = true;
    while (still_ours && Clock::now() < until && !shutdown::requested()) {
      auto r = kafka->consume(kWaitStep);
      if (revoked) {  // what was carried came from an assignment that is gone too
        still_ours = false;
        carry.clear();
        revoked = false;
      }
      // Only a new assignment's record can arrive (paused partitions deliver nothing).
      if (r && !unpositioned) carry.push_back(std::move(*r));
      publish_lag(false);
    }
    kafka->resume_all();
    return still_ours && !shutdown::requested();
  }

  // Applies the batch, retrying until it commits; false if it was abandoned (revoked or shutting down):
  // then nothing of it was stored, and its records are consumed again from the stored offsets.
  bool process(std::vector<Record> records) {
    const size_t consumed = records.size();
    BatchEngine::Batch batch = engine.decode(std::move(records));
    RetryPolicy retry;
    for (;;) {
      milliseconds wait{};
      try {
        if (engine.connect()) {
          engine.apply(batch, retry.isolate());
          break;
        }
        wait = retry.failed(FailureKind::kLostConnection);  // connect() said why
      } catch (const std::exception& e) {
        const Failure failure = RetryPolicy::classify(e);
        wait = retry.failed(failure.kind);
        if (failure.kind == FailureKind::kLostConnection) {
          spdlog::warn("{}: lost PostgreSQL: {}", role.name(), e.what());
        } else {
          spdlog::warn("{}: batch failed ({}), attempt {}: {}", role.name(),
                       failure.sqlstate.empty() ? "-" : failure.sqlstate, retry.counted_failures(), e.what());
        }
      }
      metrics.add_retry();
      if (!wait_serving_group(wait)) return false;
    }
    // Kafka's committed offsets follow the database, for lag tools; losing this commit is harmless.
    kafka->commit_async(batch.next);
    const auto now_ms =
        std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& r : batch.good)
      metrics.observe_latency(static_cast<double>(now_ms - r.timestamp_ms) / 1000.0);
    metrics.add_applied(batch.good.size(), consumed);
    publish_lag(true);
    // A big batch leaves megabytes of freed SQL text and results in malloc's arenas: give them back,
    // so a worker's RSS follows its load instead of its largest batch.
    if (consumed >= 256) malloc_trim(0);
    return true;
  }

  void run() {
    while (!engine.connect()) {
      if (shutdown::wait_for(std::chrono::seconds(1))) return;
    }
    create_consumer();
    spdlog::info("{}: consuming as group {}", role.name(), config.topic(role.name()));
    while (!shutdown::requested()) {
      auto batch = poll_batch();
      if (batch.empty()) {
        publish_lag(false);
        continue;
      }
      process(std::move(batch));
      idle_since = Clock::now();  // after the commit: records that came meanwhile are a busy loop's
    }
    // close() revokes our partitions (through on_revoke) and leaves the group at once, so the other
    // instances take over without waiting for the session timeout.
    kafka->close();
    spdlog::info("{}: consumer closed", role.name());
  }
};

ConsumerLoop::ConsumerLoop(const Config& config, Role& role) : impl_(std::make_unique<Impl>(config, role)) {}
ConsumerLoop::~ConsumerLoop() = default;
void ConsumerLoop::run() {
  impl_->run();
}
bool ConsumerLoop::ready() const {
  // `kafka` is set before `subscribed` and lives as long as this object; reachable() is thread-safe.
  const auto looked_at = Clock::time_point(Clock::duration(impl_->looked_at.load()));
  const bool loop_alive = Clock::now() - looked_at <= milliseconds(impl_->config.stall_timeout_ms);
  return impl_->engine.healthy() && impl_->subscribed.load() && impl_->stalled.load() == 0 && loop_alive &&
         impl_->kafka->reachable(milliseconds(1000));
}

}  // namespace orderflow::runtime
