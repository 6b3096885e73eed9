#include "rebuild_projections.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <stdexcept>

#include "orderflow/messages/topics.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/readers/topic_reader.hpp"
#include "projections/projector.hpp"

namespace orderflow::cli {
namespace {

using Clock = std::chrono::steady_clock;
using Position = std::map<std::pair<std::string, int32_t>, int64_t>;  // (topic, partition) -> next offset

// Events/s and the time left, as a bar on a terminal or a line every 2 s otherwise.
class ProgressReport {
 public:
  ProgressReport(std::ostream& out, int64_t total)
      : out_(out), total_(total), tty_(&out == &std::cout && isatty(STDOUT_FILENO)) {}
  void advance(int64_t n) {
    done_ += n;
    const auto now = Clock::now();
    if (now - last_ < (tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(2000)) &&
        done_ < total_)
      return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(done_) / seconds : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
    const int percent = total_ > 0 ? static_cast<int>(100 * done_ / total_) : 100;
    if (tty_) {
      const int filled = percent * 30 / 100;
      out_ << fmt::format("\r[{}{}] {:3}% {}/{} events, {:.0f}/s, ETA {:.0f} s ", std::string(filled, '#'),
                          std::string(30 - filled, ' '), percent, done_, total_, rate, eta)
           << std::flush;
    } else {
      out_ << fmt::format("rebuild: {}/{} events ({}%), {:.0f}/s, ETA {:.0f} s\n", done_, total_, percent,
                          rate, eta);
    }
  }
  void finish() {
    if (tty_) out_ << "\n";
  }

 private:
  std::ostream& out_;
  const int64_t total_;
  const bool tty_;
  int64_t done_ = 0;
  const Clock::time_point started_ = Clock::now();
  Clock::time_point last_{};
};

// Reads [from, to) of each partition and applies it through the projector, `batch` records per
// transaction (`tx_of` gives the transaction: its own per batch while building, the swap's at the end).
// Partition by partition: an order's events are all in one partition, so they apply in their order.
template <typename TxOf>
int64_t project(readers::TopicReader& reader, const projections::Projector& projector, const Position& from,
                const Position& to, size_t batch, TxOf&& tx_of, ProgressReport* progress) {
  int64_t applied = 0;
  for (const auto& [tp, end] : to) {
    const auto start = from.count(tp) ? from.at(tp) : 0;
    for (int64_t offset = start; offset < end;) {
      const int64_t until = std::min<int64_t>(end, offset + static_cast<int64_t>(batch));
      auto read = reader.read(tp.first, tp.second, offset, until, std::chrono::seconds(30));
      // A short read goes on from where it stopped; none at all is a failure, never a silent gap.
      if (read.empty())
        throw std::runtime_error(
            fmt::format("nothing could be read of {}[{}] at offset {}", tp.first, tp.second, offset));
      const int64_t next = read.back().offset + 1;
      std::vector<runtime::Record> records;
      for (auto& k : read) {
        runtime::Record r{
            k.topic, k.partition, k.offset, k.timestamp_ms, k.key.value_or(""), std::move(k.value), {}};
        auto decoded = messages::decode(r.value);
        // What the live role dead-lettered has no effect here either.
        if (auto* m = std::get_if<messages::Message>(&decoded)) {
          r.message = std::move(*m);
          records.push_back(std::move(r));
        }
      }
      tx_of([&](pqxx::transaction_base& tx) { projector.apply(tx, records); });
      applied += next - offset;
      if (progress) progress->advance(next - offset);
      offset = next;
    }
  }
  return applied;
}

}  // namespace

int rebuild_projections(const Config& config, const RebuildOptions& options, std::ostream& out) {
  const std::string stamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  const std::string fresh = "views_rebuild_" + stamp, old = "views_old_" + stamp;
  auto conn = pg::connect(config.pg_dsn_for("projections"));
  {
    pqxx::work tx(*conn);
    pg::create_views(tx, fresh);
    tx.commit();
  }
  readers::TopicReader reader(config.kafka_brokers);
  const std::vector<std::string> topics = {config.topic(std::string(messages::kOrdersEvents.name)),
                                           config.topic(std::string(messages::kInventoryEvents.name))};
  try {
    // 1. Everything written so far, while the live views keep serving.
    Position start, end;
    int64_t total = 0;
    for (const auto& topic : topics) {
      for (const auto& p : reader.partitions(topic)) {
        start[{topic, p.partition}] = p.low;
        end[{topic, p.partition}] = p.high;
        total += p.high - p.low;
      }
    }
    out << "rebuild: " << total << " events of " << topics[0] << " and " << topics[1] << " into " << fresh
        << "\n";
    const projections::Projector projector(fresh, false);
    ProgressReport progress(out, total);
    project(
        reader, projector, start, end, options.batch,
        [&](const auto& apply) {
          pqxx::work tx(*conn);
          apply(tx);
          tx.commit();
        },
        &progress);
    progress.finish();

    // 2. The swap: the live workers wait on the lock; catch up to what they consumed; rename.
    pqxx::work tx(*conn);
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(pg::kViewsLock) + ")");
    Position live = end;
    for (const auto& row : tx.exec_params(
             "SELECT topic, partition, next_offset FROM runtime.consumer_offsets WHERE group_id = $1",
             config.topic("projections"))) {
      auto& at = live[{row[0].as<std::string>(), row[1].as<int32_t>()}];
      at = std::max(at, row[2].as<int64_t>());
    }
    const auto caught_up = project(
        reader, projector, end, live, options.batch, [&](const auto& apply) { apply(tx); }, nullptr);
    tx.exec("ALTER SCHEMA " + tx.quote_name(pg::kViewsSchema) + " RENAME TO " + tx.quote_name(old));
    tx.exec("ALTER SCHEMA " + tx.quote_name(fresh) + " RENAME TO " + tx.quote_name(pg::kViewsSchema));
    tx.commit();
    out << "rebuild: swapped in after " << caught_up
        << " more event(s) the live views had applied meanwhile\n";
  } catch (...) {
    pqxx::work tx(*conn);
    tx.exec("DROP SCHEMA IF EXISTS " + tx.quote_name(fresh) + " CASCADE");
    tx.commit();
    throw;
  }
  if (options.keep_old) {
    out << "rebuild: the old views are kept as " << old << "\n";
  } else {
    pqxx::work tx(*conn);
    tx.exec("DROP SCHEMA " + tx.quote_name(old) + " CASCADE");
    tx.commit();
    out << "rebuild: dropped the old views\n";
  }
  return 0;
}

}  // namespace orderflow::cli
