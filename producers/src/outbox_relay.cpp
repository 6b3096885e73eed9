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
// How often a relay empties the outbox generation that is all published and switches writers to it:
// a published row lives between one and two of these.
constexpr auto kHousekeepingEvery = std::chrono::seconds(2);
// How soon a relay looks again at rows held back by a transaction still running (usually one commit away).
constexpr auto kHeldBackRetry = std::chrono::microseconds(2000);

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
                      .Help("Outbox rows published to Kafka (the cursor moved past them)")
                      .Register(metrics::registry())
                      .Add({{"source", source}})),
        round_seconds(prometheus::BuildHistogram()
                          .Name("orderflow_outbox_round_seconds")
                          .Help("Time to publish one round of outbox rows (read to cursor moved)")
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
      cursor_ = load_cursor(*conn);
      healthy_ = true;
      backoff = std::chrono::milliseconds(100);
      auto housekept = std::chrono::steady_clock::now();
      for (;;) {
        const Round round = relay_once(*conn);
        if (std::chrono::steady_clock::now() - housekept > kHousekeepingEvery) {
          housekeep(*conn);
          housekept = std::chrono::steady_clock::now();
        }
        if (stopping_) {
          // Last pass: what committed before the stop goes out now rather than on the next start.
          while (relay_once(*conn) == Round::published) {
          }
          return;
        }
        if (round == Round::idle) conn->await_notification(0, 200000);
        if (round == Round::held_back) conn->await_notification(0, kHeldBackRetry.count());
      }
    } catch (const std::exception& e) {
      healthy_ = false;
      spdlog::warn("outbox relay {}: {}; retrying in {} ms", source_, e.what(), backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
}

OutboxRelay::Position OutboxRelay::load_cursor(pqxx::connection& conn) const {
  pqxx::nontransaction q(conn);
  const auto r =
      q.exec("SELECT xid::text, seq FROM runtime.outbox_relayed WHERE source = " + q.quote(source_));
  if (r.empty()) return Position{};
  return Position{r[0][0].as<std::string>(), r[0][1].as<int64_t>()};
}

// The generation writers do not use is emptied by TRUNCATE once every row in it is published (by each
// source's relay: any relay may do this, one at a time), then writers are switched to it. The check runs
// under the TRUNCATE's ACCESS EXCLUSIVE lock: a writer that still inserts into this generation (it read
// the generation before the last switch) holds a lock that conflicts, so no row can come in between the
// check and the TRUNCATE, and one that comes after it lands in an empty generation and is published as
// usual. Never a row write: that is the point (issue 11).
void OutboxRelay::housekeep(pqxx::connection& conn) {
  try {
    pqxx::work tx(conn);
    if (!tx.exec("SELECT pg_try_advisory_xact_lock(hashtext('outbox:housekeeping'))")[0][0].as<bool>())
      return;
    // Not behind a backup's or a reader's lock for long: the next round tries again.
    tx.exec("SET LOCAL lock_timeout = '200ms'");
    const int current = tx.exec("SELECT current FROM runtime.outbox_generation FOR UPDATE")[0][0].as<int>();
    const std::string other = "runtime.outbox_generation_" + std::to_string(1 - current);
    tx.exec("LOCK TABLE " + other + " IN ACCESS EXCLUSIVE MODE");
    // A row of `other` not yet published (runtime.outbox_pending, the one definition of it)?
    const bool unpublished =
        tx.exec("SELECT EXISTS (SELECT 1 FROM runtime.outbox_pending WHERE generation = " +
                std::to_string(1 - current) + ")")[0][0]
            .as<bool>();
    if (unpublished) return;  // rolled back: a relay is behind, try again next time
    tx.exec("TRUNCATE " + other);
    tx.exec("UPDATE runtime.outbox_generation SET current = " + std::to_string(1 - current) +
            ", switched_at = now()");
    tx.commit();
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const std::exception& e) {
    spdlog::debug("outbox relay {}: housekeeping skipped: {}", source_, e.what());
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

// Publishes up to kRowsPerRound rows in (xid, seq) order; says whether it published something (more may
// wait) or found rows it must not publish yet (their transactions may still be overtaken, so it looks again
// soon rather than waiting for a notification that may be another source's). Only the longest prefix of
// delivered rows moves the cursor: after a failure the round stops there and the next one resends from the
// first undelivered row, so no later row of a key overtakes an earlier one (librdkafka's idempotent producer
// fails the rest of a partition's queue after a failed message; rows resent that had got through carry the
// same id and bytes, which readers drop).
OutboxRelay::Round OutboxRelay::relay_once(pqxx::connection& conn) {
  auto& producer = state_->producer;
  const auto started = std::chrono::steady_clock::now();
  pqxx::result rows;
  {
    pqxx::nontransaction q(conn);
    // Below the horizon (the oldest running transaction) every row has committed or never will: the
    // cursor can pass them without stepping over a row that commits later (migration 007). Rows at or
    // above it sort last (their xids are the newest), so the settled rows are a prefix: the first branch
    // reads only them, the second only whether a row waits above the horizon (one index probe, no
    // payload), so a round held back by a running transaction reads nothing twice. (The text of xid is
    // named xid_text: named xid, ORDER BY xid would sort that text, and "10" < "9".)
    // Prepared: the text depends on the source only, the cursor goes as $1 (xid) and $2 (seq).
    const std::string after =
        "source = " + q.quote(source_) + " AND (source, xid, seq) > (" + q.quote(source_) + ", $1::xid8, $2)";
    rows = pg::exec_prepared(
        q,
        "WITH horizon AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)"
        " (SELECT xid::text AS xid_text, seq, topic, key, payload, headers::text, true FROM runtime.outbox"
        " WHERE " +
            after + " AND xid < (SELECT xmin FROM horizon) ORDER BY source, xid, seq LIMIT " +
            std::to_string(kRowsPerRound) +
            ") UNION ALL (SELECT xid::text AS xid_text, seq, NULL, NULL, NULL, NULL, false FROM "
            "runtime.outbox "
            "WHERE " +
            after + " AND xid >= (SELECT xmin FROM horizon) ORDER BY source, xid, seq LIMIT 1)",
        cursor_.xid, cursor_.seq);
  }
  const bool held_back = !rows.empty() && !rows[rows.size() - 1][6].as<bool>();
  const size_t settled = rows.size() - (held_back ? 1 : 0);
  if (settled == 0) {
    // Held back: at least the row above the horizon waits (counting them all every few ms costs more
    // than the gauge is worth); the published rounds set it from what they read.
    if (!held_back)
      state_->backlog.Set(0);
    else if (state_->backlog.Value() < 1)
      state_->backlog.Set(1);
    return held_back ? Round::held_back : Round::idle;
  }

  auto reports = std::make_shared<RoundReports>();
  reports->delivered.assign(settled, false);
  size_t queued_rows = 0;
  for (size_t index = 0; index < settled; ++index) {
    const auto row = rows[index];
    const pqxx::binarystring payload(row[4]);
    std::string error;
    const bool queued = producer.produce(
        row[2].as<std::string>(), row[3].as<std::string>(),
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()),
        parse_headers(row[5].as<std::string>()),
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

  size_t done = 0;  // the delivered prefix
  std::string failure;
  {
    std::lock_guard lock(reports->mutex);
    while (done < queued_rows && reports->delivered[done]) ++done;
    failure = reports->first_error;
    if (failure.empty() && !flushed) failure = "delivery reports did not come within the produce timeout";
    if (failure.empty() && done < settled) failure = "a row was not delivered";
  }
  if (done > 0) {
    const Position last{rows[done - 1][0].as<std::string>(), rows[done - 1][1].as<int64_t>()};
    pqxx::work tx(conn);
    // The cursor need not wait for its WAL flush: if a crash loses it, the rows are published again
    // with the same ids and bytes, which readers skip. It saves an fsync per round.
    tx.exec("SET LOCAL synchronous_commit = off");
    pg::exec_prepared(tx,
                      "INSERT INTO runtime.outbox_relayed (source, xid, seq) VALUES ($1, $2::xid8, $3)"
                      " ON CONFLICT (source) DO UPDATE SET xid = EXCLUDED.xid, seq = EXCLUDED.seq",
                      source_, last.xid, last.seq);
    tx.commit();
    cursor_ = last;
  }
  auto& m = state_->metrics;
  m.published.Increment(static_cast<double>(done));
  m.round_seconds.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  // All settled rows were read unless the round was full: then count what waits behind it. (A held-back
  // round read one row above the horizon, counted here: more may wait there.)
  double backlog = static_cast<double>(rows.size() - done);
  if (settled == static_cast<size_t>(kRowsPerRound)) {
    pqxx::nontransaction q(conn);
    backlog = q.exec("SELECT count(*) FROM runtime.outbox_pending WHERE source = " + q.quote(source_))[0][0]
                  .as<double>();
  }
  state_->backlog.Set(backlog);
  if (!failure.empty()) throw std::runtime_error("publishing failed: " + failure);
  return held_back && settled < static_cast<size_t>(kRowsPerRound) ? Round::held_back : Round::published;
}

}  // namespace orderflow::producers
