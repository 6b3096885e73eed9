#pragma once
// The dead letters of an installation: records a worker could not use, kept in `<topic>.dlq` with the
// original key and bytes and `dlq.*` headers (README, "Topics and messages"). One reading of them for
// every tool: `orderflow-ctl dlq` and GET /v1/admin/dead-letters.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orderflow/json.hpp"
#include "orderflow/readers/topic_reader.hpp"

namespace orderflow::readers {

// Headers the consumer runtime writes on a dead letter (consumers/runtime/src/outbox.cpp).
namespace dlq_headers {
inline constexpr const char* kReason = "dlq.reason";
inline constexpr const char* kSourceTopic = "dlq.source.topic";
inline constexpr const char* kSourcePartition = "dlq.source.partition";
inline constexpr const char* kSourceOffset = "dlq.source.offset";
inline constexpr const char* kConsumer = "dlq.consumer";
// Written by a replay on the record it re-publishes: "<dlq topic>/<partition>/<offset>".
inline constexpr const char* kReplayOf = "dlq.replay.of";
}  // namespace dlq_headers

struct DeadLetter {
  KafkaRecord record;  // the dead letter as stored: topic (full name), key, original bytes, headers
  std::string reason;
  std::optional<std::string> source_topic;  // full topic name, as the worker consumed it
  std::optional<int32_t> source_partition;
  std::optional<int64_t> source_offset;
  std::string consumer;
};

DeadLetter dead_letter_from(KafkaRecord record);

// The first `preview_bytes` bytes of a value as text: invalid UTF-8 replaced by U+FFFD.
std::string preview(const std::string& value, size_t preview_bytes = 200);

// The newest `limit` dead letters of `dlq_topics` (full names), newest first (by Kafka timestamp, then
// offset). A topic that does not exist yet holds none.
std::vector<DeadLetter> newest_dead_letters(TopicReader& reader, const std::vector<std::string>& dlq_topics,
                                            size_t limit);

// Every dead-letter topic of the manifest, with `prefix` in front.
std::vector<std::string> dlq_topics(const std::string& prefix);

// {"dlq_topic","partition","offset","timestamp","key","reason","source":{"topic","partition","offset"},
//  "consumer","size","preview"}; topics are named without `prefix`, as operators type them.
void write_json(json::Writer& w, const DeadLetter& d, const std::string& prefix);

}  // namespace orderflow::readers
