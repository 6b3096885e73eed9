#include "pipeline.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>

#include "inventory/stock_seed.hpp"
#include "orderflow/databases.hpp"
#include "orderflow/digest.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"
#include "test_env.hpp"

namespace orderflow::test {

Pipeline::Pipeline(Options options) : options_(std::move(options)) {
  auto& roles = options_.roles;
  if (options_.api && std::find(roles.begin(), roles.end(), "orders") != roles.end() &&
      std::find(roles.begin(), roles.end(), "projections") == roles.end())
    roles.push_back("projections");
  const auto& s = stack();
  const bool attach = !options_.attach_database.empty();
  const std::string name = attach ? options_.attach_database : unique("of");
  if (!attach) sql_exec(s.pg_dsn, "CREATE DATABASE " + name);
  // A test with its own cluster names it in the processes' environment; this pipeline then uses it too.
  const auto brokers = options_.env.find("ORDERFLOW_KAFKA_BROKERS");
  config_.kafka_brokers = brokers == options_.env.end() ? s.kafka_brokers : brokers->second;
  config_.pg_dsn = "host=127.0.0.1 port=" + std::to_string(s.pg_port) + " user=orderflow dbname=" + name;
  config_.topic_prefix = attach ? options_.attach_prefix : name + ".";
  // A role given a database of its own (ORDERFLOW_PG_DSN_<ROLE> in `env`): migrated and read there.
  for (const auto& role : kDatabaseRoles) {
    if (const auto it = options_.env.find(pg_dsn_variable(role)); it != options_.env.end())
      config_.role_pg_dsn[role] = it->second;
  }
  config_.api_port = free_port();
  api_ports_.push_back(config_.api_port);
  for (int i = 1; i < options_.apis; ++i) api_ports_.push_back(free_port());
  log_dir_ = s.state_dir + "/logs/" + name;
  ::mkdir((s.state_dir + "/logs").c_str(), 0755);
  ::mkdir(log_dir_.c_str(), 0755);

  if (!attach) {
    migrate_databases(config_, std::chrono::seconds(10));
    kafka::create_topics(config_.kafka_brokers, config_.topic_prefix, topic_manifest());
  }

  for (const auto& role : options_.roles) {
    for (int i = 0; i < options_.instances; ++i) start_worker(role, i);
  }
  if (options_.api_keys) make_api_keys();
  if (options_.api) {
    for (int i = 0; i < options_.apis; ++i) {
      const std::string name = i == 0 ? "api" : "api-" + std::to_string(i);
      apis_.push_back(std::make_unique<Process>(name, std::vector<std::string>{binary("orderflow-api")},
                                                env_for(0, api_ports_[i]), log_dir_ + "/" + name + ".log"));
      apis_.back()->start();
      wait_ready(api_ports_[i], *apis_.back());
    }
  }
}

void Pipeline::make_api_keys() {
  // Secrets of this run only; the api gets their digests, as an operator's key file holds them.
  auto key = [&](const std::string& id, const std::string& role, const std::string& ns) {
    const std::string secret = random_uuid();
    api_keys_ += id + " " + role + " " + ns + " " + to_hex(sha256(secret)) + ";";
    return id + "." + secret;
  };
  storefront_key_ = key("test-storefront", "storefront", "");
  partner_key_ = key("test-partner", "partner", kPartnerNamespace);
  admin_key_ = key("test-admin", "admin", "");
}

http::Client Pipeline::client(size_t i, std::chrono::milliseconds timeout) const {
  return client_with_key(storefront_key_, i, timeout);
}

http::Client Pipeline::client_with_key(const std::string& key, size_t i,
                                       std::chrono::milliseconds timeout) const {
  http::Client c("127.0.0.1", api_port(i), timeout);
  if (!key.empty()) c.set_default_header("Authorization", "Bearer " + key);
  return c;
}

Pipeline::~Pipeline() {
  for (auto& a : apis_) a->stop();
  for (auto& [_, instances] : workers_) {
    for (auto& w : instances) w->stop();
  }
}

std::map<std::string, std::string> Pipeline::env_for(uint16_t metrics_port, uint16_t api_port) const {
  std::map<std::string, std::string> env = {
      {"ORDERFLOW_KAFKA_BROKERS", config_.kafka_brokers},
      {"ORDERFLOW_PG_DSN", config_.pg_dsn},
      {"ORDERFLOW_TOPIC_PREFIX", config_.topic_prefix},
      {"ORDERFLOW_API_PORT", std::to_string(api_port != 0 ? api_port : config_.api_port)},
      {"ORDERFLOW_METRICS_PORT", std::to_string(metrics_port)},
      {"ORDERFLOW_LOG_LEVEL", "info"},
      // Tests kill workers on purpose: their partitions should move on quickly. Tests do not flood
      // the broker, so 10 s is safe here.
      {"ORDERFLOW_SESSION_TIMEOUT_MS", "10000"},
  };
  if (!api_keys_.empty()) env["ORDERFLOW_API_KEYS"] = api_keys_;
  for (const auto& [k, v] : options_.env) env[k] = v;
  return env;
}

void Pipeline::start_worker(const std::string& role, size_t i) {
  auto& ports = metrics_ports_[role];
  auto& instances = workers_[role];
  if (i > instances.size()) throw std::logic_error("Pipeline::start_worker: start instances in order");
  if (i == instances.size()) {
    ports.push_back(free_port());
    const std::string name = i == 0 ? role : role + "-" + std::to_string(i);
    instances.push_back(
        std::make_unique<Process>(name, std::vector<std::string>{binary("orderflow-worker"), "--role", role},
                                  env_for(ports[i]), log_dir_ + "/worker-" + name + ".log"));
  }
  instances[i]->start();
  wait_ready(ports[i], *instances[i]);
}

void Pipeline::wait_ready(uint16_t port, Process& p) {
  http::Client c("127.0.0.1", port, std::chrono::seconds(5));
  const bool ok = wait_until([&] { return p.running() && c.get("/readyz").status == 200; },
                             std::chrono::seconds(60), std::chrono::milliseconds(100));
  if (!ok)
    throw std::runtime_error("process not ready on port " + std::to_string(port) + ":\n" + p.log_tail());
}

std::string Pipeline::sql(const std::string& query) const {
  return sql_value(config_.pg_dsn, query);
}

void Pipeline::seed_product(const std::string& sku, int64_t price_cents, int64_t on_hand) const {
  auto conn = pg::connect(config_.pg_dsn);
  pqxx::work tx(*conn);
  tx.exec_params("INSERT INTO catalog.products (sku, name, price_cents) VALUES ($1, $2, $3)", sku,
                 "product " + sku, price_cents);
  inventory::seed_stock(tx, config_, sku, on_hand);
  tx.commit();
}

std::string Pipeline::order_status(const std::string& order_id) const {
  return sql("SELECT status FROM orders.orders WHERE order_id = '" + order_id + "'");
}

CommandResult Pipeline::run_ctl(const std::vector<std::string>& args,
                                std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv = {binary("orderflow-ctl")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, env_for(0), timeout);
}

const std::vector<std::string>& Pipeline::consumed_topics(const std::string& role) {
  static const std::map<std::string, std::vector<std::string>> topics = {
      {"orders", {"orders.commands", "inventory.events"}},
      {"inventory", {"inventory.commands"}},
      {"carts", {"carts.commands"}},
      {"projections", {"orders.events", "inventory.events"}},
  };
  const auto it = topics.find(role);
  if (it == topics.end()) throw std::logic_error("Pipeline::consumed_topics: add the topics of role " + role);
  return it->second;
}

namespace {

// A role's offsets are in its own database.
int64_t stored_total(const Pipeline& p, const std::string& role, const std::string& topic) {
  return std::stoll(
      sql_value(p.config().pg_dsn_for(role),
                "SELECT coalesce(sum(next_offset), 0) FROM runtime.consumer_offsets WHERE group_id = '" +
                    p.config().topic(role) + "' AND topic = '" + topic + "'"));
}

// Outbox rows left in every database.
int64_t outbox_rows(const Config& config) {
  int64_t rows = 0;
  for (const auto& db : databases(config))
    rows += std::stoll(sql_value(db.dsn, "SELECT count(*) FROM runtime.outbox_pending"));
  return rows;
}

}  // namespace

bool Pipeline::caught_up(const std::string& role) const {
  for (const auto& t : consumed_topics(role)) {
    if (stored_total(*this, role, topic(t)) != kafka::end_offset_total(config_.kafka_brokers, topic(t))) {
      return false;
    }
  }
  return true;
}

bool Pipeline::quiescent() const {
  // Ends first, then the stored offsets, then the outbox, then the ends again: when the offsets
  // reached the first ends and the outbox has since been drained without adding a record, every
  // effect of every record so far has been applied and published.
  std::map<std::string, int64_t> ends;
  for (const auto& role : options_.roles) {
    for (const auto& t : consumed_topics(role))
      ends[t] = kafka::end_offset_total(config_.kafka_brokers, topic(t));
  }
  for (const auto& role : options_.roles) {
    for (const auto& t : consumed_topics(role)) {
      if (stored_total(*this, role, topic(t)) != ends.at(t)) return false;
    }
  }
  if (outbox_rows(config_) != 0) return false;
  for (const auto& [t, end] : ends) {
    if (kafka::end_offset_total(config_.kafka_brokers, topic(t)) != end) return false;
  }
  return true;
}

std::string Pipeline::progress() const {
  std::string out;
  for (const auto& role : options_.roles) {
    out += role + ":";
    for (const auto& t : consumed_topics(role)) {
      out += " " + t + " stored " + std::to_string(stored_total(*this, role, topic(t))) + "/end " +
             std::to_string(kafka::end_offset_total(config_.kafka_brokers, topic(t)));
    }
    out += "; ";
  }
  return out + "outbox rows " + std::to_string(outbox_rows(config_));
}

}  // namespace orderflow::test
