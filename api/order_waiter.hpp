#pragma once
// GET /v1/orders/{id}?wait=N without holding a Pistache thread: the handler hands its exchange to the
// waiter and returns at once. The waiter's own thread listens to the projections' notifications and
// reads only the orders they name (plus, once, each new waiter's, which closes the race with a change
// that came before it was added), answers each waiter as soon as its order is decided (status not
// PENDING), and the rest at their deadline with the order's current state (404 if it still does not
// exist). Every `recheck_every`, and whenever notifications may have been missed, it reads all the
// orders waited on in ONE query. Nothing survives a restart, and nothing needs to: a waiter is a
// connection.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exchange.hpp"
#include "order_reply.hpp"
#include "order_store.hpp"
#include "view_notifications.hpp"

namespace orderflow::api {

class OrderWaiter {
 public:
  // JSON of each order of `ids` that exists, by id; with `decided_only` only those no longer PENDING.
  using Lookup = std::function<OrderReads(const std::vector<std::string>& ids, bool decided_only)>;
  using Clock = std::chrono::steady_clock;
  // Blocks at most the given time for notifications (view_notifications.hpp).
  using Listen = std::function<ViewNotifications::Woken(std::chrono::milliseconds)>;

  // At most `max_waiters` in all and `max_per_client` of one client: one client holding waits on ids
  // that never come must not shut everyone else out.
  OrderWaiter(Lookup lookup, Listen listen, size_t max_waiters, size_t max_per_client,
              std::chrono::milliseconds recheck_every);
  ~OrderWaiter();  // stop()
  OrderWaiter(const OrderWaiter&) = delete;
  OrderWaiter& operator=(const OrderWaiter&) = delete;

  // Whether the waiter's client may see the order of this JSON (else it is answered 404, as if the
  // order did not exist). Empty: it may.
  using Visible = api::Visible;  // order_reply.hpp

  enum class Added { waiting, full, client_full, stopped };
  // Takes over answering `exchange` unless full, full for `client` (Exchange::client()) or stopped
  // (then the caller still owes the reply).
  Added wait(const std::string& order_id, Clock::time_point deadline, std::shared_ptr<Exchange> exchange,
             Visible visible = {}, const std::string& client = {});
  // Stops polling and answers everyone still waiting with their order's current state. Idempotent.
  void stop();
  size_t waiting() const;

 private:
  struct Waiter {
    std::string order_id;
    Clock::time_point deadline;
    std::shared_ptr<Exchange> exchange;
    Visible visible;
    std::string client;
    bool fresh = true;  // not read since it was added
  };
  void run();
  // Answers each of `waiters` from one lookup of their current state.
  void answer_current(std::vector<Waiter> waiters);
  // Under mutex_: `waiter` left the list.
  void forget(const Waiter& waiter);

  Lookup lookup_;
  Listen listen_;
  const size_t max_waiters_;
  const size_t max_per_client_;
  const std::chrono::milliseconds recheck_every_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Waiter> waiters_;
  std::map<std::string, size_t> per_client_;  // waiters_ by client
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orderflow::api
