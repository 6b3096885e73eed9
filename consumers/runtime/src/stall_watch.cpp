#include "orderflow/runtime/stall_watch.hpp"

namespace orderflow::runtime {

size_t StallWatch::observe(const std::map<TopicPartition, Progress>& partitions, Clock::time_point now) {
  std::map<TopicPartition, Seen> next;
  stalled_ = 0;
  for (const auto& [tp, p] : partitions) {
    auto it = seen_.find(tp);
    Seen s{p.position, now};
    // Still where it was, and behind: the clock runs on from when it last moved. Caught up or moved:
    // it starts again.
    if (it != seen_.end() && it->second.position == p.position && p.lag > 0) s.since = it->second.since;
    if (p.lag > 0 && now - s.since > bound_) ++stalled_;
    next.emplace(tp, s);
  }
  seen_ = std::move(next);
  return stalled_;
}

}  // namespace orderflow::runtime
