#include "order_waiter.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "api_metrics.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

std::vector<std::string> distinct_ids(const std::vector<std::string>& ids) {
  std::set<std::string> unique(ids.begin(), ids.end());
  return {unique.begin(), unique.end()};
}

}  // namespace

OrderWaiter::OrderWaiter(Lookup lookup, size_t max_waiters, std::chrono::milliseconds poll_every)
    : lookup_(std::move(lookup)),
      max_waiters_(max_waiters),
      poll_every_(poll_every),
      thread_([this] { run(); }) {}

OrderWaiter::~OrderWaiter() {
  stop();
}

void OrderWaiter::Waiter::answer(const std::string* order_json) const {
  if (order_json != nullptr && (!visible || visible(*order_json))) {
    exchange->reply(Code::Ok, *order_json);
  } else {
    exchange->error(Code::Not_Found, "not_found", "no order " + order_id + " (yet)");
  }
}

OrderWaiter::Added OrderWaiter::wait(const std::string& order_id, Clock::time_point deadline,
                                     std::shared_ptr<Exchange> exchange, Visible visible) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Added::stopped;
  if (waiters_.size() >= max_waiters_) return Added::full;
  waiters_.push_back(Waiter{order_id, deadline, std::move(exchange), std::move(visible)});
  metrics::set_order_waiters(waiters_.size());
  wake_.notify_one();
  return Added::waiting;
}

size_t OrderWaiter::waiting() const {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

void OrderWaiter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<Waiter> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(waiters_);
    metrics::set_order_waiters(0);
  }
  answer_current(std::move(left));
}

void OrderWaiter::answer_current(std::vector<Waiter> waiters) {
  if (waiters.empty()) return;
  std::vector<std::string> ids;
  for (const auto& w : waiters) ids.push_back(w.order_id);
  std::map<std::string, std::string> current;
  try {
    current = lookup_(distinct_ids(ids), false);
  } catch (const std::exception& e) {
    spdlog::warn("order waiter: cannot read {} orders: {}", ids.size(), e.what());
    for (auto& w : waiters) {
      w.exchange->error(Code::Service_Unavailable, "database_unavailable", "the order could not be read");
    }
    return;
  }
  for (auto& w : waiters) {
    auto found = current.find(w.order_id);
    w.answer(found != current.end() ? &found->second : nullptr);
  }
}

void OrderWaiter::run() {
  bool failing = false;  // logged when it starts and stops, not every poll
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    if (stopping_) return;
    std::vector<std::string> ids;
    ids.reserve(waiters_.size());
    for (const auto& w : waiters_) ids.push_back(w.order_id);
    lock.unlock();

    // One query for every order waited on, however many clients wait.
    std::map<std::string, std::string> decided;
    try {
      decided = lookup_(distinct_ids(ids), true);
      if (failing) spdlog::info("order waiter: polling works again");
      failing = false;
    } catch (const std::exception& e) {
      if (!failing)
        spdlog::warn("order waiter: poll failed (answering at the deadlines meanwhile): {}", e.what());
      failing = true;
    }

    const auto now = Clock::now();
    std::vector<std::pair<Waiter, const std::string*>> ready;
    std::vector<Waiter> expired;
    lock.lock();
    std::vector<Waiter> still;
    still.reserve(waiters_.size());
    for (auto& w : waiters_) {
      if (auto found = decided.find(w.order_id); found != decided.end()) {
        ready.emplace_back(std::move(w), &found->second);
      } else if (w.deadline <= now) {
        expired.push_back(std::move(w));
      } else {
        still.push_back(std::move(w));
      }
    }
    waiters_.swap(still);
    metrics::set_order_waiters(waiters_.size());
    lock.unlock();

    for (auto& [w, json] : ready) w.answer(json);
    answer_current(std::move(expired));

    lock.lock();
    wake_.wait_for(lock, poll_every_, [&] { return stopping_; });
  }
}

}  // namespace orderflow::api
