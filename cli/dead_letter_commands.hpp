#pragma once
// `orderflow-ctl dlq list|show|replay`: the dead letters of `<topic>.dlq` (read through
// orderflow/readers/dead_letters.hpp, as the api's GET /v1/admin/dead-letters does) and putting one back
// on the topic it came from once the cause is fixed.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "orderflow/config.hpp"

namespace orderflow::cli {

// The newest `limit` dead letters of `topic` (a source topic or its .dlq, without prefix) or of every
// dead-letter topic, newest first: a table, or JSON lines in the api's shape.
void list_dead_letters(const Config& config, const std::optional<std::string>& topic, size_t limit, bool json,
                       std::ostream& out);
// One dead letter: where it came from, why, its headers and its bytes. Returns 1 when there is none there.
int show_dead_letter(const Config& config, const std::string& dlq_topic, int32_t partition, int64_t offset,
                     std::ostream& out);
// Re-publishes the dead letter's original key and bytes to the topic its dlq.source.topic header names
// (acks=all), with a dlq.replay.of header naming the dead letter. Refuses (returns 1, publishes nothing)
// a record without that header or naming a topic that is not one of this installation's.
int replay_dead_letter(const Config& config, const std::string& dlq_topic, int32_t partition, int64_t offset,
                       std::ostream& out);

}  // namespace orderflow::cli
