// The open-model rate scheduler: intended send times, no drift over a long run, no skipping or
// re-basing after a stall, and exact interleaving of per-thread schedules.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <stdexcept>

#include "orderflow/loadgen/rate_scheduler.hpp"

using orderflow::loadgen::RateScheduler;
using Clock = RateScheduler::Clock;
using std::chrono::nanoseconds;

TEST(LoadgenRate, IntendedTimesAreEvenlySpaced) {
  const auto t0 = Clock::time_point{} + std::chrono::seconds(1000);
  RateScheduler s(1000, t0);  // one per millisecond
  EXPECT_EQ(s.intended(0), t0);
  EXPECT_EQ(s.intended(1), t0 + std::chrono::milliseconds(1));
  EXPECT_EQ(s.intended(1000), t0 + std::chrono::seconds(1));
  EXPECT_EQ(s.intended(123456), t0 + std::chrono::milliseconds(123456));
}

TEST(LoadgenRate, NoDriftWithAPeriodThatIsNotAWholeNanosecond) {
  // 3 per second: 333,333,333.33 ns apart. Adding a rounded period would drift 1/3 ns per send;
  // computing from the index keeps every time within 1 ns of exact, after 10 million sends too.
  const auto t0 = Clock::time_point{};
  RateScheduler s(3, t0);
  for (uint64_t i : {3ull, 300ull, 3000000ull, 30000000ull}) {
    EXPECT_EQ(s.intended(i), t0 + std::chrono::seconds(i / 3)) << i;
  }
  RateScheduler fast(7777.7, t0);
  const uint64_t n = 77777000;  // 10,000 s at 7777.7/s
  const auto exact = static_cast<double>(n) / 7777.7 * 1e9;
  EXPECT_NEAR(static_cast<double>((fast.intended(n) - t0).count()), exact, 1.0);
}

TEST(LoadgenRate, TakeDueHandsOutEverySendOnceInOrder) {
  const auto t0 = Clock::time_point{} + std::chrono::seconds(5);
  RateScheduler s(100, t0);  // every 10 ms
  EXPECT_FALSE(s.take_due(t0 - nanoseconds(1)).has_value());
  auto t = s.take_due(t0);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, t0);
  EXPECT_FALSE(s.take_due(t0 + std::chrono::milliseconds(9)).has_value());
  t = s.take_due(t0 + std::chrono::milliseconds(10));
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, t0 + std::chrono::milliseconds(10));
  EXPECT_EQ(s.taken(), 2u);
  EXPECT_EQ(s.next(), t0 + std::chrono::milliseconds(20));
}

TEST(LoadgenRate, AStalledSenderGetsEveryMissedSendWithItsOriginalTime) {
  // The loop was away for 1 s at 1000/s: 1000 sends are due at once, each with its own intended
  // time (so their latency includes the stall), and the schedule after it is unchanged.
  const auto t0 = Clock::time_point{};
  RateScheduler s(1000, t0);
  const auto late = t0 + std::chrono::seconds(1) + std::chrono::microseconds(500);
  uint64_t n = 0;
  while (auto t = s.take_due(late)) {
    EXPECT_EQ(*t, t0 + std::chrono::milliseconds(n));
    ++n;
  }
  EXPECT_EQ(n, 1001u);  // 0 ms .. 1000 ms
  EXPECT_EQ(s.next(), t0 + std::chrono::milliseconds(1001));
}

TEST(LoadgenRate, SimulatedLoopSendsTheIntendedNumberWithoutDrift) {
  // A loop that wakes at irregular moments (0.1 to 3 ms apart) for 60 s at 2500/s: exactly the
  // scheduled number of sends, each taken at the first wake-up after it was due.
  const auto t0 = Clock::time_point{};
  RateScheduler s(2500, t0);
  auto now = t0;
  uint64_t sent = 0;
  uint64_t seed = 1;
  Clock::duration worst{};
  while (now < t0 + std::chrono::seconds(60)) {
    while (auto t = s.take_due(now)) {
      ++sent;
      worst = std::max(worst, now - *t);
    }
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    now += std::chrono::microseconds(100 + (seed >> 33) % 2900);
  }
  // Every send due before the last wake-up (< 60 s, at most 3 ms before it): 150,000 minus < 8.
  EXPECT_LE(sent, 150000u);
  EXPECT_GE(sent, 150000u - 8);
  EXPECT_LE(worst, std::chrono::microseconds(3000));
}

TEST(LoadgenRate, ThreadSchedulesInterleaveIntoTheFullRate) {
  // 4 threads at stride 4 = one stream at the full rate: the union of their times is the single
  // schedule, with no duplicate.
  const auto t0 = Clock::time_point{};
  RateScheduler single(1000, t0);
  std::set<Clock::time_point> merged;
  for (uint64_t k = 0; k < 4; ++k) {
    RateScheduler part(1000, t0, 4, k);
    for (uint64_t i = 0; i < 250; ++i) merged.insert(part.intended(i));
  }
  ASSERT_EQ(merged.size(), 1000u);
  uint64_t i = 0;
  for (const auto& t : merged) EXPECT_EQ(t, single.intended(i++));
}

TEST(LoadgenRate, RejectsBadArguments) {
  const auto t0 = Clock::time_point{};
  EXPECT_THROW(RateScheduler(0, t0), std::invalid_argument);
  EXPECT_THROW(RateScheduler(-5, t0), std::invalid_argument);
  EXPECT_THROW(RateScheduler(10, t0, 2, 2), std::invalid_argument);
  EXPECT_THROW(RateScheduler(10, t0, 0, 0), std::invalid_argument);
}
