#pragma once
// A private orderflow for one test binary on the run's shared stack: its own database, its own topic
// and group prefix, its own api and worker processes on free ports. Tests in it use their own ids.
#include <chrono>
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
    // With an api and the orders role, "projections" is added when missing: the api reads the views.
    std::vector<std::string> roles = {"orders"};
    std::map<std::string, std::string> env;  // extra environment for every process
    int apis = 1;       // api processes (when `api`), each on its own port, as ops would scale them
    int instances = 1;  // workers per role, sharing the role's consumer group
    // Run against this existing database and topic prefix (e.g. a restored backup's) instead of new ones.
    std::string attach_database = {};
    std::string attach_prefix = {};
    // API keys of each role (storefront, partner of namespace "partner", admin) in the api's
    // ORDERFLOW_API_KEYS; client() sends the storefront key. False: an api with no keys (open routes).
    bool api_keys = true;
  };
  explicit Pipeline(Options options);
  Pipeline() : Pipeline(Options{}) {}
  ~Pipeline();

  // The configuration the processes run with (brokers, dsn, prefix, ports).
  const Config& config() const { return config_; }
  const std::string& dsn() const { return config_.pg_dsn; }
  std::string topic(const std::string& base) const { return config_.topic(base); }
  uint16_t api_port(size_t i = 0) const { return api_ports_.at(i); }
  // A client of api `i` that sends the storefront key (when the pipeline has keys).
  http::Client client(size_t i = 0, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // A client of api `i` that sends `key` (`Authorization: Bearer`), or none when `key` is empty.
  http::Client client_with_key(const std::string& key, size_t i = 0,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // The keys the api takes, as a client presents them ("" without api_keys).
  const std::string& storefront_key() const { return storefront_key_; }
  const std::string& partner_key() const { return partner_key_; }
  const std::string& admin_key() const { return admin_key_; }
  static constexpr const char* kPartnerNamespace = "partner";

  Process& api(size_t i = 0) { return *apis_.at(i); }
  size_t api_count() const { return apis_.size(); }
  // Instance `i` of a role's workers.
  Process& worker(const std::string& role, size_t i = 0) { return *workers_.at(role).at(i); }
  size_t instances(const std::string& role) const { return workers_.at(role).size(); }
  const std::vector<std::string>& roles() const { return options_.roles; }
  // Starts instance `i` of a role (again; a new one when i is the next index) and waits until its
  // /readyz answers 200.
  void start_worker(const std::string& role, size_t i = 0);
  uint16_t metrics_port(const std::string& role, size_t i = 0) const { return metrics_ports_.at(role).at(i); }
  std::string sql(const std::string& query) const;
  // A catalog product and its stock, announced with StockAdjusted as the inventory context would (so
  // the projections know it); test::seed_product writes the rows only.
  void seed_product(const std::string& sku, int64_t price_cents, int64_t on_hand) const;
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
  std::map<std::string, std::string> env_for(uint16_t metrics_port, uint16_t api_port = 0) const;
  void wait_ready(uint16_t port, Process& p);
  void make_api_keys();

  Options options_;
  Config config_;
  std::string log_dir_;
  std::vector<uint16_t> api_ports_;
  std::vector<std::unique_ptr<Process>> apis_;
  std::map<std::string, std::vector<std::unique_ptr<Process>>> workers_;
  std::map<std::string, std::vector<uint16_t>> metrics_ports_;
  std::string storefront_key_, partner_key_, admin_key_;
  std::string api_keys_;  // their ORDERFLOW_API_KEYS lines
};

}  // namespace orderflow::test
