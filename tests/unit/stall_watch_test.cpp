// StallWatch tells a stalled partition (behind its end, not moving for the bound) from a slow or idle one.
#include "orderflow/runtime/stall_watch.hpp"

#include <gtest/gtest.h>

using orderflow::runtime::StallWatch;
using namespace std::chrono_literals;

namespace {
const orderflow::runtime::TopicPartition kP0{"t", 0}, kP1{"t", 1};
}

TEST(StallWatch, BehindAndNotMovingPastTheBoundIsStalled) {
  StallWatch w(10s);
  const auto t0 = StallWatch::Clock::now();
  EXPECT_EQ(w.observe({{kP0, {5, 100}}}, t0), 0u);
  EXPECT_EQ(w.observe({{kP0, {7, 100}}}, t0 + 9s), 0u);   // within the bound
  EXPECT_EQ(w.observe({{kP0, {9, 100}}}, t0 + 11s), 1u);  // past it, still at 100
  EXPECT_EQ(w.stalled(), 1u);
}

TEST(StallWatch, MovingOrCaughtUpIsNeverStalled) {
  StallWatch w(10s);
  const auto t0 = StallWatch::Clock::now();
  w.observe({{kP0, {5, 100}}, {kP1, {0, 50}}}, t0);
  // P0 keeps moving with a steady lag; P1 is idle at its end.
  EXPECT_EQ(w.observe({{kP0, {5, 110}}, {kP1, {0, 50}}}, t0 + 8s), 0u);
  EXPECT_EQ(w.observe({{kP0, {5, 120}}, {kP1, {0, 50}}}, t0 + 16s), 0u);
  EXPECT_EQ(w.observe({{kP0, {5, 130}}, {kP1, {0, 50}}}, t0 + 60s), 0u);
}

TEST(StallWatch, TheClockStartsAgainWhenItMovesAndForgetsPartitionsNoLongerOurs) {
  StallWatch w(10s);
  const auto t0 = StallWatch::Clock::now();
  w.observe({{kP0, {5, 100}}}, t0);
  EXPECT_EQ(w.observe({{kP0, {5, 100}}}, t0 + 11s), 1u);
  EXPECT_EQ(w.observe({{kP0, {4, 101}}}, t0 + 12s), 0u);  // it moved
  EXPECT_EQ(w.observe({{kP0, {4, 101}}}, t0 + 20s), 0u);
  EXPECT_EQ(w.observe({{kP0, {4, 101}}}, t0 + 23s), 1u);
  EXPECT_EQ(w.observe({}, t0 + 24s), 0u);                 // revoked
  EXPECT_EQ(w.observe({{kP0, {4, 101}}}, t0 + 25s), 0u);  // back: a fresh start
}
