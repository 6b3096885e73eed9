#include "delivery_deadlines.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace orderflow::kafka {

bool PendingDelivery::resolve(const DeliveryResult& result) {
  if (resolved_.exchange(true, std::memory_order_acq_rel)) return false;
  DeliveryFn fn = std::move(fn_);
  if (!fn) return true;
  try {
    fn(result);
  } catch (const std::exception& e) {
    spdlog::error("delivery callback threw: {}", e.what());
  }
  return true;
}

std::shared_ptr<PendingDelivery> DeliveryDeadlines::track(DeliveryFn fn) {
  std::lock_guard lock(mutex_);
  auto p = std::make_shared<PendingDelivery>(std::move(fn), std::chrono::steady_clock::now() + timeout_);
  pending_.push_back(p);
  return p;
}

void DeliveryDeadlines::expire(std::chrono::steady_clock::time_point now) {
  std::vector<std::shared_ptr<PendingDelivery>> late;
  {
    std::lock_guard lock(mutex_);
    while (!pending_.empty() && (pending_.front()->resolved() || pending_.front()->deadline() <= now)) {
      if (!pending_.front()->resolved()) late.push_back(std::move(pending_.front()));
      pending_.pop_front();
    }
  }
  // Outside the lock: the callbacks may produce again (and so track).
  DeliveryResult timed_out;
  timed_out.error = fmt::format("not acknowledged within {} ms", timeout_.count());
  for (auto& p : late) p->resolve(timed_out);
}

void DeliveryDeadlines::fail_all(const std::string& why) {
  std::deque<std::shared_ptr<PendingDelivery>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  DeliveryResult failed;
  failed.error = why;
  for (auto& p : left) p->resolve(failed);
}

}  // namespace orderflow::kafka
