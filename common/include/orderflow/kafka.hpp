#pragma once
// Topic administration and offset queries on librdkafka (2.0.2). What writes to Kafka lives in
// producers/, what reads in consumers/runtime.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orderflow/topics.hpp"

namespace orderflow::kafka {

// Creates the manifest's topics with `prefix` in front, replicated as resolve_replication decides for
// the live brokers the cluster reports (replication_target() unless `request` says otherwise); existing
// topics are left as they are (a warning names those with another replication factor). Returns the
// replication used. Throws on error, and for a request the cluster cannot satisfy.
Replication create_topics(const std::string& brokers, const std::string& prefix,
                          const std::vector<TopicSpec>& specs, const ReplicationRequest& request = {});

// The number of live brokers the cluster reports in its metadata.
int live_brokers(const std::string& brokers);

// Sum over partitions of the high watermark (the next offset to be written) of `topic`.
int64_t end_offset_total(const std::string& brokers, const std::string& topic);

// The timestamp (ms since the epoch) of the oldest record still in `topic`, over its partitions:
// what a replay from the start would re-read first. nullopt when the topic holds no record.
std::optional<int64_t> oldest_record_ms(const std::string& brokers, const std::string& topic);

}  // namespace orderflow::kafka
