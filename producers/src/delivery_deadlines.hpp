#pragma once
// A bound on when a delivery report comes: librdkafka's message.timeout.ms does not cover a request
// already sent to a broker (that waits for the request's own timeout, and a retry may follow), so a
// message could be acknowledged well after its producer stopped waiting: a 202 later than the
// 503 deadline the api promises. Every message is tracked here with its deadline; whichever comes
// first, the delivery report or the deadline, calls its DeliveryFn, exactly once.
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "orderflow/producers/kafka_producer.hpp"

namespace orderflow::kafka {

class PendingDelivery {
 public:
  explicit PendingDelivery(DeliveryFn fn, std::chrono::steady_clock::time_point deadline)
      : fn_(std::move(fn)), deadline_(deadline) {}
  // Calls the DeliveryFn with `result` unless it was called already; true if this call did.
  bool resolve(const DeliveryResult& result);
  // Marks it resolved without calling the DeliveryFn (the message was never queued).
  void resolve_silently() { resolved_.store(true, std::memory_order_release); }
  bool resolved() const { return resolved_.load(std::memory_order_acquire); }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  DeliveryFn fn_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> resolved_{false};
};

class DeliveryDeadlines {
 public:
  explicit DeliveryDeadlines(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // Tracks a new message; its deadline is now + timeout.
  std::shared_ptr<PendingDelivery> track(DeliveryFn fn);
  // Fails every message whose deadline has passed and that has no report yet.
  void expire(std::chrono::steady_clock::time_point now);
  // Fails every message still without a report (the producer is going away).
  void fail_all(const std::string& why);

 private:
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  // One timeout for all, so the deadlines are in the order of insertion: the front expires first.
  std::deque<std::shared_ptr<PendingDelivery>> pending_;
};

}  // namespace orderflow::kafka
