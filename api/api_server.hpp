#pragma once
// The api process: Pistache endpoint, routes, and the order in which things start and stop.
#include <memory>

#include "orderflow/config.hpp"

namespace orderflow::api {

class ApiServer {
 public:
  explicit ApiServer(const Config& config);
  ~ApiServer();
  void start();
  // Answers the requests waiting for an order's decision, stops accepting, then waits for replies still
  // owed (delivery reports), then closes Kafka.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow::api
