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
#include "test_env.hpp"

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
  // An order's status from orders.orders ("" while the order does not exist).
  std::string order_status(const std::string& order_id) const;

  // Runs `orderflow-ctl <args>` with this pipeline's configuration in its environment.
  CommandResult run_ctl(const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  // The topics a role consumes (its group is topic_prefix + role). Throws for a role it does not know.
  static const std::vector<std::string>& consumed_topics(const std::string& role);
  // True when the role's group has stored (in runtime.consumer_offsets) the end offset of every
  // partition of every topic it consumes.
  bool caught_up(const std::string& role) const;
  // True when nothing is in flight: every running role caught up, the outbox empty, and no record
  // appeared on any consumed topic meanwhile. Poll it with wait_until.
  bool quiescent() const;
  // "role: stored/end ..." for every role, outbox rows: for failure messages.
  std::string progress() const;

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
