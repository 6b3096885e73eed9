#pragma once
// orderflow-ctl prune-processed: forgets the ids of applied messages (runtime.processed_messages) that
// no replay can bring back. An id is the only thing that makes some commands effect-once (a second
// AdjustStock, a second checkout of a refilled cart), so it is kept while ANY record of a topic its
// group reads is still in Kafka from before it: a topic's retention is a lower bound (Kafka deletes
// whole segments), and event topics keep everything. Per group, the cutoff is the earlier of
// now - days and the oldest record still in its topics (less an hour for clock skew).
#include <chrono>
#include <iosfwd>
#include <map>
#include <optional>
#include <pqxx/pqxx>
#include <string>

#include "orderflow/config.hpp"

namespace orderflow::cli {

using SystemTime = std::chrono::system_clock::time_point;

struct PruneCutoff {
  SystemTime before;    // ids processed before this may go
  std::string held_by;  // the topic whose oldest record set it ("" when `days` did)
};
// The cutoff for a group whose topics hold records from `oldest_by_topic` (nullopt: empty topic).
PruneCutoff prune_cutoff(SystemTime now, int days,
                         const std::map<std::string, std::optional<SystemTime>>& oldest_by_topic);

// Prunes every group that has stored offsets (its topics are the ones it stored offsets of; a group
// without any is left alone). Prints one line per group. Returns the ids forgotten.
int64_t prune_processed(pqxx::connection& conn, const Config& config, int days, std::ostream& out);

}  // namespace orderflow::cli
