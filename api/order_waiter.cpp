#include "order_waiter.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "api_metrics.hpp"
#include "order_reply.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

std::vector<std::string> distinct_ids(const std::vector<std::string>& ids) {
  std::set<std::string> unique(ids.begin(), ids.end());
  return {unique.begin(), unique.end()};
}

}  // namespace

// The longest the thread listens before it looks at deadlines and new waiters again.
constexpr std::chrono::milliseconds kListenSlice(200);

OrderWaiter::OrderWaiter(Lookup lookup, Listen listen, size_t max_waiters, size_t max_per_client,
                         std::chrono::milliseconds recheck_every)
    : lookup_(std::move(lookup)),
      listen_(std::move(listen)),
      max_waiters_(max_waiters),
      max_per_client_(max_per_client),
      recheck_every_(recheck_every),
      thread_([this] { run(); }) {}

OrderWaiter::~OrderWaiter() {
  stop();
}

OrderWaiter::Added OrderWaiter::wait(const std::string& order_id, Clock::time_point deadline,
                                     std::shared_ptr<Exchange> exchange, Visible visible,
                                     const std::string& client) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Added::stopped;
  auto& of_client = per_client_[client];
  if (of_client >= max_per_client_) return Added::client_full;
  if (waiters_.size() >= max_waiters_) {
    if (of_client == 0) per_client_.erase(client);
    return Added::full;
  }
  ++of_client;
  waiters_.push_back(Waiter{order_id, deadline, std::move(exchange), std::move(visible), client});
  metrics::set_order_waiters(waiters_.size());
  wake_.notify_one();
  return Added::waiting;
}

void OrderWaiter::forget(const Waiter& waiter) {
  const auto it = per_client_.find(waiter.client);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
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
    per_client_.clear();
    metrics::set_order_waiters(0);
  }
  answer_current(std::move(left));
}

void OrderWaiter::answer_current(std::vector<Waiter> waiters) {
  if (waiters.empty()) return;
  std::vector<std::string> ids;
  for (const auto& w : waiters) ids.push_back(w.order_id);
  OrderReads current;
  try {
    current = lookup_(distinct_ids(ids), false);
  } catch (const std::exception& e) {
    spdlog::warn("order waiter: cannot read {} orders: {}", ids.size(), e.what());
    for (auto& w : waiters) {
      w.exchange->error(Code::Service_Unavailable, "database_unavailable", "the order could not be read");
    }
    return;
  }
  for (auto& w : waiters) reply_read(w.order_id, current, *w.exchange, w.visible);
}

void OrderWaiter::run() {
  bool failing = false;  // logged when it starts and stops, not every read
  auto last_full = Clock::now();
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !waiters_.empty(); });
    if (stopping_) return;
    bool any_fresh = false;
    for (const auto& w : waiters_) any_fresh = any_fresh || w.fresh;
    lock.unlock();
    // A new waiter is read at once; otherwise wait for the projections to name a changed order.
    auto woken = any_fresh ? ViewNotifications::Woken{} : listen_(kListenSlice);
    const std::set<std::string> notified(woken.order_ids.begin(), woken.order_ids.end());
    const bool full = woken.missed || Clock::now() - last_full >= recheck_every_;
    if (full) last_full = Clock::now();

    lock.lock();
    if (stopping_) return;
    std::vector<std::string> ids;
    for (auto& w : waiters_) {
      if (full || w.fresh || notified.count(w.order_id)) ids.push_back(w.order_id);
      w.fresh = false;
    }
    lock.unlock();

    OrderReads decided;
    if (!ids.empty()) {
      try {
        decided = lookup_(distinct_ids(ids), true);
        if (failing) spdlog::info("order waiter: reading orders works again");
        failing = false;
      } catch (const std::exception& e) {
        if (!failing)
          spdlog::warn("order waiter: read failed (answering at the deadlines meanwhile): {}", e.what());
        failing = true;
      }
    }

    const auto now = Clock::now();
    std::vector<Waiter> ready;
    std::vector<Waiter> expired;
    lock.lock();
    std::vector<Waiter> still;
    still.reserve(waiters_.size());
    for (auto& w : waiters_) {
      if (decided.orders.count(w.order_id)) {
        forget(w);
        ready.push_back(std::move(w));
      } else if (w.deadline <= now) {
        forget(w);
        expired.push_back(std::move(w));
      } else {
        still.push_back(std::move(w));
      }
    }
    waiters_.swap(still);
    metrics::set_order_waiters(waiters_.size());
    lock.unlock();

    for (auto& w : ready) reply_read(w.order_id, decided, *w.exchange, w.visible);
    answer_current(std::move(expired));
    lock.lock();
  }
}

}  // namespace orderflow::api
