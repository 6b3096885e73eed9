#pragma once
// Where an event stream stands: for each tailed topic, the next offset to read in each of its
// partitions. It is the SSE event id, so a client that reconnects with Last-Event-ID resumes exactly
// after the last event it got, with no gap and no repeat, whatever the order in which the partitions'
// events were interleaved. Text form: the topics' lists separated by '/', offsets by ',':
// "3,0,5,2,0,1/0,0,1,0,2,0".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderflow::api {

struct EventPosition {
  std::vector<std::vector<int64_t>> next_offsets;  // [topic][partition]

  std::string to_string() const;
  // nullopt unless `text` has at most `partitions.size()` topic lists, each of at most that topic's
  // partition count of decimal offsets. What it does not name (a partition added since the id was
  // issued) starts at 0: reading it from its beginning loses nothing.
  static std::optional<EventPosition> parse(std::string_view text, const std::vector<int32_t>& partitions);
  // Every partition at `offset` (0: the beginning).
  static EventPosition uniform(const std::vector<int32_t>& partitions, int64_t offset);
};

}  // namespace orderflow::api
