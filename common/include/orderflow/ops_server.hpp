#pragma once
// The operations endpoint every worker serves on its metrics port: /metrics, /healthz, /readyz.
#include <functional>
#include <memory>
#include <string>

namespace orderflow {

class OpsServer {
 public:
  // `ready` is asked on every /readyz: true when the process can do its work (Kafka and Postgres up).
  OpsServer(const std::string& bind_address, uint16_t port, std::function<bool()> ready);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
