#include "orderflow/runtime/batch_engine.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <variant>

#include "orderflow/pg.hpp"
#include "orderflow/runtime/retry_policy.hpp"

namespace orderflow::runtime {

using Clock = std::chrono::steady_clock;

BatchEngine::BatchEngine(const Config& config, Role& role, WorkerMetrics& metrics)
    : config_(config),
      role_(role),
      metrics_(metrics),
      offsets_(config.topic(role.name())),
      processed_(config.topic(role.name())),
      outbox_(config, role.name()) {}

BatchEngine::Batch BatchEngine::decode(std::vector<Record> records) const {
  Batch b;
  for (auto& r : records) {
    b.next[{r.topic, r.partition}] = r.offset + 1;
    auto decoded = messages::decode(r.value);
    if (auto* err = std::get_if<messages::DecodeError>(&decoded)) {
      b.bad.emplace_back(std::move(r), err->reason);
      continue;
    }
    r.message = std::move(std::get<messages::Message>(decoded));
    if (r.topic != config_.topic(std::string(r.message.topic()))) {
      // Each topic carries its own types only (messages/topics.hpp): anything else is a producer's bug.
      auto reason = fmt::format("{} does not belong on this topic (it goes to {})", r.message.type(),
                                r.message.topic());
      b.bad.emplace_back(std::move(r), std::move(reason));
      continue;
    }
    b.good.push_back(std::move(r));
  }
  return b;
}

bool BatchEngine::connect() {
  if (conn_ && conn_->is_open()) return true;
  try {
    conn_ = pg::connect(config_.pg_dsn);
    healthy_ = true;
    return true;
  } catch (const std::exception& e) {
    conn_.reset();
    healthy_ = false;
    spdlog::warn("{}: PostgreSQL unavailable: {}", role_.name(), e.what());
    return false;
  }
}

std::optional<std::map<TopicPartition, int64_t>> BatchEngine::stored_offsets(
    const std::vector<TopicPartition>& partitions) {
  if (!connect()) return std::nullopt;
  try {
    pqxx::read_transaction tx(*conn_);
    return offsets_.load(tx, partitions);
  } catch (const std::exception& e) {
    conn_.reset();
    healthy_ = false;
    spdlog::warn("{}: cannot read stored offsets: {}", role_.name(), e.what());
    return std::nullopt;
  }
}

void BatchEngine::apply(Batch& batch, bool isolate) {
  try {
    transact(batch, isolate);
    healthy_ = true;
  } catch (...) {
    drop_if_closed();
    throw;
  }
}

void BatchEngine::drop_if_closed() {
  if (conn_ && !conn_->is_open()) {
    conn_.reset();
    healthy_ = false;
  }
}

void BatchEngine::transact(Batch& batch, bool isolate) {
  const auto started = Clock::now();
  outbox_.clear();
  role_.transaction_started();
  pqxx::work tx(*conn_);
  // Records applied before are left out (those whose id is kept; the others the role's state absorbs).
  // Usually there are none; otherwise the role works on copies, since a retry of this transaction must
  // see every record again.
  const auto is_new = processed_.mark(
      tx, batch.good, [this](const messages::Message& m) { return !role_.idempotent_by_state(m); });
  std::vector<Record> copies;
  std::vector<Record>* records = &batch.good;
  if (std::find(is_new.begin(), is_new.end(), false) != is_new.end()) {
    for (size_t i = 0; i < batch.good.size(); ++i) {
      if (is_new[i]) copies.push_back(batch.good[i]);
    }
    metrics_.add_duplicates(batch.good.size() - copies.size());
    records = &copies;
  }
  if (!isolate) {
    role_.apply(tx, *records, outbox_);
  } else {
    for (auto& r : *records) {
      const size_t queued = outbox_.size();
      std::vector<Record> one;
      one.push_back(std::move(r));
      try {
        pqxx::subtransaction sub(tx, "record");
        role_.apply(sub, one, outbox_);
        sub.commit();
      } catch (const std::exception& e) {
        // A record that failed for a passing reason (connection, deadlock, ...) is not at fault: the
        // whole batch is retried instead, and the retry needs the record back.
        if (RetryPolicy::classify(e).kind != FailureKind::kCounted) {
          r = std::move(one.front());
          throw;
        }
        outbox_.truncate(queued);
        outbox_.dead_letter(one.front(), std::string("processing failed: ") + e.what());
      }
      r = std::move(one.front());
    }
  }
  for (const auto& [r, reason] : batch.bad) outbox_.dead_letter(r, reason);
  const size_t dead = outbox_.dead_letters();
  const auto written = outbox_.messages_by_type();
  outbox_.write(tx);
  offsets_.store(tx, batch.next);
  tx.commit();
  role_.transaction_committed();
  metrics_.observe_transaction(std::chrono::duration<double>(Clock::now() - started).count());
  metrics_.add_dead_letters(dead);
  metrics_.add_written(written);
}

}  // namespace orderflow::runtime
