#pragma once
// GET /v1/admin/dead-letters?limit=N (admin token): the newest dead letters of every `<topic>.dlq`,
// newest first, read from Kafka by orderflow/readers (as `orderflow-ctl dlq list` does).
#include "orderflow/config.hpp"
#include "router.hpp"

namespace orderflow::api {

class DeadLetterRoutes {
 public:
  explicit DeadLetterRoutes(const Config& config) : config_(config) {}
  void register_on(Router& router);

  static constexpr int kDefaultLimit = 20;
  static constexpr int kMaxLimit = 500;

 private:
  void list(const Pistache::Http::Request& request, Exchange& exchange) const;

  const Config& config_;
};

}  // namespace orderflow::api
