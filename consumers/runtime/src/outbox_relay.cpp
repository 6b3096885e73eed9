#include "orderflow/runtime/outbox_relay.hpp"

#include <spdlog/spdlog.h>

#include <mutex>
#include <pqxx/pqxx>

#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/metrics.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/runtime/outbox.hpp"

namespace orderflow::runtime {
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
  State(const Config& config, const std::string& source)
      : producer(kafka::ProducerOptions{config.kafka_brokers, "orderflow-relay-" + source,
                                        config.produce_timeout_ms, 2}),
        metrics(source) {}
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
      auto conn = pg::connect(config_.pg_dsn);
      // One relay per source at a time keeps per-key order across instances; the rest stand by.
      {
        pqxx::nontransaction q(*conn);
        while (!q.exec("SELECT pg_try_advisory_lock(hashtext(" + q.quote("outbox:" + source_) + "))")[0][0]
                    .as<bool>()) {
          if (stopping_) return;
          std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
      }
      Wakeup wakeup(*conn, Outbox::channel(source_));
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

// Publishes up to kRowsPerRound rows; returns true when it published something (more may wait).
bool OutboxRelay::relay_once(pqxx::connection& conn) {
  auto& producer = state_->producer;
  const auto started = std::chrono::steady_clock::now();
  pqxx::result rows;
  {
    pqxx::nontransaction q(conn);
    rows = q.exec("SELECT seq, topic, key, payload, headers::text FROM runtime.outbox WHERE source = " +
                  q.quote(source_) + " ORDER BY seq LIMIT " + std::to_string(kRowsPerRound));
  }
  if (rows.empty()) return false;

  std::mutex mutex;
  std::vector<int64_t> delivered;
  std::string first_error;
  for (const auto& row : rows) {
    const int64_t seq = row[0].as<int64_t>();
    const pqxx::binarystring payload(row[3]);
    std::string error;
    const bool queued = producer.produce(
        row[1].as<std::string>(), row[2].as<std::string>(),
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
        parse_headers(row[4].as<std::string>()),
        [&, seq](const kafka::DeliveryResult& r) {
          std::lock_guard lock(mutex);
          if (r.ok) {
            delivered.push_back(seq);
          } else if (first_error.empty()) {
            first_error = r.error;
          }
        },
        &error);
    if (!queued) {
      std::lock_guard lock(mutex);
      if (first_error.empty()) first_error = error;
      break;  // keep order: do not send later rows past one that could not be queued
    }
  }
  producer.flush(std::chrono::milliseconds(config_.produce_timeout_ms + 1000));

  std::lock_guard lock(mutex);
  if (!delivered.empty()) {
    std::string list;
    for (int64_t seq : delivered) {
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
  m.published.Increment(static_cast<double>(delivered.size()));
  m.round_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!first_error.empty()) throw std::runtime_error("publishing failed: " + first_error);
  return true;
}

}  // namespace orderflow::runtime
