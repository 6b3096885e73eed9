#include "orderflow/producers/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <pqxx/pqxx>

#include "orderflow/json.hpp"
#include "orderflow/metrics.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/producers/kafka_producer.hpp"

namespace orderflow::producers {
namespace {

constexpr int kRowsPerRound = 2000;

// pqxx 6.4 dispatches notifications to receivers only; the wake-up itself is all we need.
class Wakeup : public pqxx::notification_receiver {
 public:
  using pqxx::notification_receiver::notification_receiver;
  void operator()(const std::string&, int) override {}
};

struct RelayMetrics {
  prometheus::Counter& published;
  prometheus::Histogram& round_seconds;
  explicit RelayMetrics(const std::string& source)
      : published(prometheus::BuildCounter()
                      .Name("orderflow_outbox_published_total")
                      .Help("Outbox rows published to Kafka and deleted")
                      .Register(metrics::registry())
                      .Add({{"source", source}})),
        round_seconds(prometheus::BuildHistogram()
                          .Name("orderflow_outbox_round_seconds")
                          .Help("Time to publish one round of outbox rows (produce to delete)")
                          .Register(metrics::registry())
                          .Add({{"source", source}}, metrics::latency_buckets())) {}
};

kafka::Headers parse_headers(const std::string& text) {
  kafka::Headers out;
  auto doc = json::parse(text);
  if (!doc || !doc->IsObject()) return out;
  for (const auto& m : doc->GetObject()) {
    if (m.value.IsString()) out.emplace_back(m.name.GetString(), m.value.GetString());
  }
  return out;
}

}  // namespace

struct OutboxRelay::State {
  kafka::Producer producer;
  RelayMetrics metrics;
  prometheus::Gauge& backlog;  // rows of the source not published yet, as the active relay last saw them
  State(const Config& config, const std::string& source)
      : producer(kafka::ProducerOptions{config.kafka_brokers, "orderflow-relay-" + source,
                                        config.produce_timeout_ms, 2}),
        metrics(source),
        backlog(prometheus::BuildGauge()
                    .Name("orderflow_outbox_backlog")
                    .Help("Outbox rows waiting to be published (as the active relay last counted them)")
                    .Register(metrics::registry())
                    .Add({{"source", source}})) {}
};

OutboxRelay::OutboxRelay(const Config& config, std::string source)
    : config_(config), source_(std::move(source)), state_(std::make_unique<State>(config_, source_)) {}

OutboxRelay::~OutboxRelay() {
  stop();
}

void OutboxRelay::start() {
  thread_ = std::thread([this] { run(); });
}

void OutboxRelay::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::run() {
  auto backoff = std::chrono::milliseconds(100);
  while (!stopping_) {
    try {
      // The lease: PostgreSQL ends this session when it idles 15 s (a live relay queries every 200 ms
      // at most), so a frozen holder loses the advisory lock and a standby takes over.
      auto conn = pg::connect(config_.pg_dsn, pg::SessionLimits{.idle_session = std::chrono::seconds(15)});
      // One relay per source at a time keeps per-key order across instances; the rest stand by.
      {
        pqxx::nontransaction q(*conn);
        while (!q.exec("SELECT pg_try_advisory_lock(hashtext(" + q.quote("outbox:" + source_) + "))")[0][0]
                    .as<bool>()) {
          if (stopping_) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }
      Wakeup wakeup(*conn, channel(source_));
      healthy_ = true;
      backoff = std::chrono::milliseconds(100);
      for (;;) {
        const bool more = relay_once(*conn);
        if (stopping_) {
          // Last pass: what committed before the stop goes out now rather than on the next start.
          while (relay_once(*conn)) {
          }
          return;
        }
        if (!more) conn->await_notification(0, 200000);
      }
    } catch (const std::exception& e) {
      healthy_ = false;
      spdlog::warn("outbox relay {}: {}; retrying in {} ms", source_, e.what(), backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

// One round's delivery reports. Shared with the callbacks, not on the stack: a report that arrives after
// a flush gave up must find it alive.
struct RoundReports {
  std::mutex mutex;
  std::vector<bool> delivered;  // by row index
  size_t answered = 0;
  std::string first_error;
};

// Publishes up to kRowsPerRound rows in seq order; returns true when it published something (more may
// wait). Only the longest prefix of delivered rows is deleted: after a failure the round stops there and
// the next one resends from the first undelivered row, so no later row of a key overtakes an earlier
// one (librdkafka's idempotent producer fails the rest of a partition's queue after a failed message;
// rows resent that had got through carry the same id and bytes, which readers drop).
bool OutboxRelay::relay_once(pqxx::connection& conn) {
  auto& producer = state_->producer;
  const auto started = std::chrono::steady_clock::now();
  pqxx::result rows;
  {
    pqxx::nontransaction q(conn);
    rows = q.exec("SELECT seq, topic, key, payload, headers::text FROM runtime.outbox WHERE source = " +
                  q.quote(source_) + " ORDER BY seq LIMIT " + std::to_string(kRowsPerRound));
  }
  if (rows.empty()) {
    state_->backlog.Set(0);
    return false;
  }

  auto reports = std::make_shared<RoundReports>();
  reports->delivered.assign(rows.size(), false);
  size_t queued_rows = 0;
  for (const auto& row : rows) {
    const size_t index = queued_rows;
    const pqxx::binarystring payload(row[3]);
    std::string error;
    const bool queued = producer.produce(
        row[1].as<std::string>(), row[2].as<std::string>(),
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
        parse_headers(row[4].as<std::string>()),
        [reports, index](const kafka::DeliveryResult& r) {
          std::lock_guard lock(reports->mutex);
          ++reports->answered;
          if (r.ok) {
            reports->delivered[index] = true;
          } else if (reports->first_error.empty()) {
            reports->first_error = r.error;
          }
        },
        &error);
    if (!queued) {
      std::lock_guard lock(reports->mutex);
      if (reports->first_error.empty()) reports->first_error = error;
      break;  // keep order: do not send later rows past one that could not be queued
    }
    ++queued_rows;
  }
  const bool flushed = producer.flush(std::chrono::milliseconds(config_.produce_timeout_ms + 1000));

  std::vector<int64_t> done;  // the delivered prefix
  std::string failure;
  {
    std::lock_guard lock(reports->mutex);
    for (size_t i = 0; i < queued_rows && reports->delivered[i]; ++i)
      done.push_back(rows[i][0].as<int64_t>());
    failure = reports->first_error;
    if (failure.empty() && !flushed) failure = "delivery reports did not come within the produce timeout";
    if (failure.empty() && done.size() < rows.size()) failure = "a row was not delivered";
  }
  if (!done.empty()) {
    std::string list;
    for (int64_t seq : done) {
      if (!list.empty()) list += ',';
      list += std::to_string(seq);
    }
    pqxx::work tx(conn);
    // The delete need not wait for its WAL flush: if a crash loses it, the rows are published again
    // with the same ids and bytes, which readers skip. It saves an fsync per round.
    tx.exec("SET LOCAL synchronous_commit = off");
    tx.exec("DELETE FROM runtime.outbox WHERE source = " + tx.quote(source_) + " AND seq IN (" + list + ")");
    tx.commit();
  }
  auto& m = state_->metrics;
  m.published.Increment(static_cast<double>(done.size()));
  m.round_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // All rows were read unless the round was full: then count what waits behind it.
  double backlog = static_cast<double>(rows.size() - done.size());
  if (rows.size() == static_cast<size_t>(kRowsPerRound)) {
    pqxx::nontransaction q(conn);
    backlog =
        q.exec("SELECT count(*) FROM runtime.outbox WHERE source = " + q.quote(source_))[0][0].as<double>();
  }
  state_->backlog.Set(backlog);
  if (!failure.empty()) throw std::runtime_error("publishing failed: " + failure);
  return true;
}

}  // namespace orderflow::producers
