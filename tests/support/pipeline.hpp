#pragma once
// A private orderflow for one test binary on the run's shared stack: its own database, its own topic
// and group prefix, its own api and worker processes on free ports. Tests in it use their own ids.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "orderflow/config.hpp"
#include "orderflow/http_client.hpp"
#include "process.hpp"

namespace orderflow::test {

class Pipeline {
 public:
  struct Options {
    bool api = true;
    std::vector<std::string> roles = {"orders"};
    std::map<std::string, std::string> env;  // extra environment for every process
  };
  explicit Pipeline(Options options);
  Pipeline() : Pipeline(Options{}) {}
  ~Pipeline();

  // The configuration the processes run with (brokers, dsn, prefix, ports).
  const Config& config() const { return config_; }
  const std::string& dsn() const { return config_.pg_dsn; }
  std::string topic(const std::string& base) const { return config_.topic(base); }
  uint16_t api_port() const { return config_.api_port; }
  http::Client client() const { return http::Client("127.0.0.1", config_.api_port); }

  Process& api() { return *api_; }
  Process& worker(const std::string& role) { return *workers_.at(role); }
  // Starts a role (again) and waits until its /readyz answers 200.
  void start_worker(const std::string& role);
  uint16_t metrics_port(const std::string& role) const { return metrics_ports_.at(role); }
  std::string sql(const std::string& query) const;

 private:
  std::map<std::string, std::string> env_for(uint16_t metrics_port) const;
  void wait_ready(uint16_t port, Process& p);

  Options options_;
  Config config_;
  std::string log_dir_;
  std::unique_ptr<Process> api_;
  std::map<std::string, std::unique_ptr<Process>> workers_;
  std::map<std::string, uint16_t> metrics_ports_;
};

}  // namespace orderflow::test
