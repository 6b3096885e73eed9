#pragma once
// Topic administration and offset queries on librdkafka (2.0.2). What writes to Kafka lives in
// producers/, what reads in consumers/runtime.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orderflow/topics.hpp"

namespace orderflow::kafka {

// Creates the manifest's topics with `prefix` in front; existing topics are fine. Throws on error.
void create_topics(const std::string& brokers, const std::string& prefix,
                   const std::vector<TopicSpec>& specs);

// Sum over partitions of the high watermark (the next offset to be written) of `topic`.
int64_t end_offset_total(const std::string& brokers, const std::string& topic);

// The timestamp (ms since the epoch) of the oldest record still in `topic`, over its partitions:
// what a replay from the start would re-read first. nullopt when the topic holds no record.
std::optional<int64_t> oldest_record_ms(const std::string& brokers, const std::string& topic);

}  // namespace orderflow::kafka
