// The api's database lane: bounded, and a request that waits too long in it is answered, not dropped.
#include "database_lane.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

using orderflow::api::DatabaseLane;
using namespace std::chrono_literals;

TEST(DatabaseLane, RunsWhatItIsGiven) {
  DatabaseLane lane(2, 10, 1000ms);
  std::promise<void> done;
  ASSERT_TRUE(lane.post([&] { done.set_value(); }, [] { FAIL() << "expired"; }));
  EXPECT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
}

TEST(DatabaseLane, RefusesWhenFullAndExpiresWhatWaitedTooLong) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> ran{0}, expired{0};
  {
    DatabaseLane lane(1, 2, 50ms);
    std::promise<void> started;
    // The only thread hangs, as on a PostgreSQL that does not answer.
    ASSERT_TRUE(lane.post(
        [&] {
          started.set_value();
          released.wait();
        },
        [&] { ++expired; }));
    started.get_future().wait();
    EXPECT_TRUE(lane.post([&] { ++ran; }, [&] { ++expired; }));
    EXPECT_TRUE(lane.post([&] { ++ran; }, [&] { ++expired; }));
    EXPECT_FALSE(lane.post([&] { ++ran; }, [&] { ++expired; })) << "a full lane must refuse";
    std::this_thread::sleep_for(100ms);  // the two queued ones wait past 50 ms
    release.set_value();
  }  // the destructor joins
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(expired.load(), 2);
}

TEST(DatabaseLane, StoppingAnswersWhatIsStillQueued) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> expired{0};
  std::thread releaser;
  {
    DatabaseLane lane(1, 10, 60s);
    std::promise<void> started;
    ASSERT_TRUE(lane.post(
        [&] {
          started.set_value();
          released.wait();
        },
        [&] { ++expired; }));
    started.get_future().wait();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(lane.post([] {}, [&] { ++expired; }));
    releaser = std::thread([&] {
      std::this_thread::sleep_for(100ms);
      release.set_value();
    });
  }
  releaser.join();
  EXPECT_EQ(expired.load(), 3);
}
