#pragma once
// Where the api's PostgreSQL work runs: a few threads of its own, never Pistache's. A PostgreSQL that
// hangs (rather than refuses) then holds these threads only: POST /v1/orders, which needs only Kafka,
// /healthz and /metrics keep answering; a request that finds the lane full, or waits in it longer than
// `max_wait`, gets 503 at once instead of a connection that never answers.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace orderflow::api {

class DatabaseLane {
 public:
  using Clock = std::chrono::steady_clock;
  DatabaseLane(size_t threads, size_t max_queued, std::chrono::milliseconds max_wait);
  ~DatabaseLane();  // runs nothing more: what is still queued gets `expired`
  DatabaseLane(const DatabaseLane&) = delete;
  DatabaseLane& operator=(const DatabaseLane&) = delete;

  // Queues `job`; false (and nothing queued) when the lane is full. `expired` runs instead of `job`
  // when it waited longer than max_wait, or when the lane stops first.
  bool post(std::function<void()> job, std::function<void()> expired);

 private:
  struct Item {
    std::function<void()> job, expired;
    Clock::time_point queued;
  };
  void run();
  // Answers what waited too long even while every thread hangs (then no thread would look).
  void reap();

  const size_t max_queued_;
  const std::chrono::milliseconds max_wait_;
  std::mutex mutex_;
  std::condition_variable wake_;         // the threads: work arrived
  std::condition_variable reaper_wake_;  // the reaper: stopping
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::thread reaper_;
};

}  // namespace orderflow::api
