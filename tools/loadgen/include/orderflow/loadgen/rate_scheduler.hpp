#pragma once
// The open-model clock of the load generator: the i-th request of a stream is due at a time fixed in
// advance, start + (i * stride + offset) / rate, computed from i every time (never by adding periods,
// so rounding never accumulates into drift). A sender that fell behind gets every missed send with its
// original intended time (none skipped, none re-based): the latency it reports is measured from that
// time, so a stall of the server shows up in the percentiles instead of being hidden by the client
// waiting (coordinated omission).
// stride/offset split one rate over several threads: thread k of n uses stride n, offset k, and the
// union of their schedules is exactly the schedule of one stream at the full rate.
#include <chrono>
#include <cstdint>
#include <optional>

namespace orderflow::loadgen {

class RateScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  RateScheduler(double rate_per_second, Clock::time_point start, uint64_t stride = 1, uint64_t offset = 0);

  // When the i-th send (from 0) of this stream is due.
  Clock::time_point intended(uint64_t i) const;
  // The intended time of the next send not taken yet.
  Clock::time_point next() const { return intended(next_); }
  // Takes the next send if it is due at `now` (intended <= now) and returns its intended time;
  // nullopt when it is not due yet.
  std::optional<Clock::time_point> take_due(Clock::time_point now);
  // How many sends were taken so far.
  uint64_t taken() const { return next_; }
  double rate() const { return rate_; }

 private:
  double rate_;
  Clock::time_point start_;
  uint64_t stride_;
  uint64_t offset_;
  uint64_t next_ = 0;
};

}  // namespace orderflow::loadgen
