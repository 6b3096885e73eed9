#pragma once
// POST /v1/orders and GET /v1/orders/:id.
#include "order_store.hpp"
#include "orderflow/config.hpp"
#include "orderflow/kafka.hpp"
#include "router.hpp"

namespace orderflow::api {

class OrderRoutes {
 public:
  OrderRoutes(const Config& config, kafka::Producer& producer, const OrderStore& store)
      : config_(config), producer_(producer), store_(store) {}
  void register_on(Router& router);

 private:
  void place(const Pistache::Http::Request& request, Exchange& exchange);
  void get(const std::string& order_id, Exchange& exchange);

  const Config& config_;
  kafka::Producer& producer_;
  const OrderStore& store_;
};

// The Idempotency-Key header: 1-128 visible ASCII characters. Returns the error message, or "" if fine.
std::string check_idempotency_key(const std::optional<std::string>& key);

}  // namespace orderflow::api
