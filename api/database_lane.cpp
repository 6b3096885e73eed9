#include "database_lane.hpp"

namespace orderflow::api {

DatabaseLane::DatabaseLane(size_t threads, size_t max_queued, std::chrono::milliseconds max_wait)
    : max_queued_(max_queued), max_wait_(max_wait) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  reaper_ = std::thread([this] { reap(); });
}

DatabaseLane::~DatabaseLane() {
  std::deque<Item> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(queue_);
  }
  wake_.notify_all();
  reaper_wake_.notify_all();
  for (auto& item : left) item.expired();
  for (auto& t : threads_) t.join();
  reaper_.join();
}

bool DatabaseLane::post(std::function<void()> job, std::function<void()> expired) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(Item{std::move(job), std::move(expired), Clock::now()});
  }
  wake_.notify_one();
  return true;
}

void DatabaseLane::run() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    if (Clock::now() - item.queued > max_wait_) {
      item.expired();
    } else {
      item.job();
    }
  }
}

void DatabaseLane::reap() {
  const auto every = std::min(max_wait_ / 4, std::chrono::milliseconds(100));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    reaper_wake_.wait_for(lock, every);
    std::vector<Item> old;
    const auto now = Clock::now();
    while (!queue_.empty() && now - queue_.front().queued > max_wait_) {  // FIFO: the oldest first
      old.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    for (auto& item : old) item.expired();
    lock.lock();
  }
}

}  // namespace orderflow::api
