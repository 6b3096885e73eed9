#pragma once
// The orders resource: POST /v1/orders, GET /v1/orders/:id[?wait=N], POST /v1/orders/:id/cancel, and
// a customer's orders, GET /v1/customers/:customer_id/orders. GETs read the projections.
#include "command_replies.hpp"
#include "order_store.hpp"
#include "order_waiter.hpp"
#include "orderflow/config.hpp"
#include "params.hpp"  // check_idempotency_key
#include "router.hpp"

namespace orderflow::api {

class OrderRoutes {
 public:
  OrderRoutes(const Config& config, const CommandReplies& replies, const OrderStore& store,
              OrderWaiter& waiter)
      : config_(config), replies_(replies), store_(store), waiter_(waiter) {}
  void register_on(Router& router);

  // The longest ?wait= in seconds.
  static constexpr int kMaxWaitSeconds = 30;
  static constexpr int kDefaultPageSize = 20;
  static constexpr int kMaxPageSize = 100;

 private:
  void place(const Pistache::Http::Request& request, Exchange& exchange);
  void get(const Pistache::Http::Request& request, const std::string& order_id, Exchange& exchange);
  void cancel(const Pistache::Http::Request& request, const std::string& order_id, Exchange& exchange);
  void customer_orders(const Pistache::Http::Request& request, const std::string& customer_id,
                       Exchange& exchange);
  // 200 with the order, or 404.
  void reply_current(const std::string& order_id, Exchange& exchange);

  const Config& config_;
  const CommandReplies& replies_;
  const OrderStore& store_;
  OrderWaiter& waiter_;
};

}  // namespace orderflow::api
