#pragma once
// The operations endpoint every worker serves on its metrics port: the ops routes (ops_routes.hpp)
// and nothing else.
#include <memory>
#include <string>

#include "orderflow/ops_routes.hpp"

namespace orderflow {

class OpsServer {
 public:
  OpsServer(const std::string& bind_address, uint16_t port, ops::Checks checks);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
