#include "prune_processed.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <ostream>
#include <set>

#include "orderflow/kafka.hpp"

namespace orderflow::cli {
namespace {

constexpr auto kClockSkew = std::chrono::hours(1);

std::string iso(SystemTime t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

PruneCutoff prune_cutoff(SystemTime now, int days,
                         const std::map<std::string, std::optional<SystemTime>>& oldest_by_topic) {
  PruneCutoff c{now - std::chrono::hours(24) * days, ""};
  for (const auto& [topic, oldest] : oldest_by_topic) {
    if (oldest && *oldest - kClockSkew < c.before) c = {*oldest - kClockSkew, topic};
  }
  return c;
}

int64_t prune_processed(pqxx::connection& conn, const Config& config, int days, std::ostream& out) {
  std::map<std::string, std::set<std::string>> topics_of;  // group -> topics (full names)
  {
    pqxx::nontransaction q(conn);
    for (const auto& row : q.exec("SELECT DISTINCT group_id, topic FROM runtime.consumer_offsets"))
      topics_of[row[0].as<std::string>()].insert(row[1].as<std::string>());
  }
  const auto now = std::chrono::system_clock::now();
  int64_t forgotten = 0;
  for (const auto& [group, topics] : topics_of) {
    std::map<std::string, std::optional<SystemTime>> oldest;
    for (const auto& t : topics) {
      const auto ms = kafka::oldest_record_ms(config.kafka_brokers, t);
      oldest[t] = ms ? std::optional(SystemTime(std::chrono::milliseconds(*ms))) : std::nullopt;
    }
    const auto cutoff = prune_cutoff(now, days, oldest);
    pqxx::work tx(conn);
    const auto n = tx.exec("DELETE FROM runtime.processed_messages WHERE group_id = " + tx.quote(group) +
                           " AND processed_at < " + tx.quote(iso(cutoff.before)) + "::timestamptz")
                       .affected_rows();
    tx.commit();
    forgotten += static_cast<int64_t>(n);
    out << group << ": forgot " << n << " id(s) processed before " << iso(cutoff.before);
    if (!cutoff.held_by.empty())
      out << " (not " << days << " days: " << cutoff.held_by
          << " still holds records from then, which a replay re-reads)";
    out << "\n";
  }
  return forgotten;
}

}  // namespace orderflow::cli
