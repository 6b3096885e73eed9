#include "orderflow/loadgen/rate_scheduler.hpp"

#include <cmath>
#include <stdexcept>

namespace orderflow::loadgen {

RateScheduler::RateScheduler(double rate_per_second, Clock::time_point start, uint64_t stride,
                             uint64_t offset)
    : rate_(rate_per_second), start_(start), stride_(stride), offset_(offset) {
  if (!(rate_per_second > 0) || !std::isfinite(rate_per_second)) {
    throw std::invalid_argument("rate must be a positive number");
  }
  if (stride == 0 || offset >= stride) throw std::invalid_argument("need 0 <= offset < stride");
}

RateScheduler::Clock::time_point RateScheduler::intended(uint64_t i) const {
  // long double (64-bit mantissa on x86-64): exact for any index a run can reach.
  const long double slot = static_cast<long double>(i) * stride_ + offset_;
  const long double ns = slot * 1e9L / static_cast<long double>(rate_);
  return start_ + std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

std::optional<RateScheduler::Clock::time_point> RateScheduler::take_due(Clock::time_point now) {
  const auto t = intended(next_);
  if (t > now) return std::nullopt;
  ++next_;
  return t;
}

}  // namespace orderflow::loadgen
