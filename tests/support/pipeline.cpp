#include "pipeline.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>

#include "orderflow/kafka.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"
#include "test_env.hpp"

namespace orderflow::test {

Pipeline::Pipeline(Options options) : options_(std::move(options)) {
  const auto& s = stack();
  const std::string name = unique("of");
  sql_exec(s.pg_dsn, "CREATE DATABASE " + name);
  // A test with its own cluster names it in the processes' environment; this pipeline then uses it too.
  const auto brokers = options_.env.find("ORDERFLOW_KAFKA_BROKERS");
  config_.kafka_brokers = brokers == options_.env.end() ? s.kafka_brokers : brokers->second;
  config_.pg_dsn = "host=127.0.0.1 port=" + std::to_string(s.pg_port) + " user=orderflow dbname=" + name;
  config_.topic_prefix = name + ".";
  config_.api_port = free_port();
  log_dir_ = s.state_dir + "/logs/" + name;
  ::mkdir((s.state_dir + "/logs").c_str(), 0755);
  ::mkdir(log_dir_.c_str(), 0755);

  auto conn = pg::connect(config_.pg_dsn);
  pg::migrate(*conn);
  kafka::create_topics(config_.kafka_brokers, config_.topic_prefix, topic_manifest());

  for (const auto& role : options_.roles) start_worker(role);
  if (options_.api) {
    api_ = std::make_unique<Process>("api", std::vector<std::string>{binary("orderflow-api")}, env_for(0),
                                     log_dir_ + "/api.log");
    api_->start();
    wait_ready(config_.api_port, *api_);
  }
}

Pipeline::~Pipeline() {
  if (api_) api_->stop();
  for (auto& [_, w] : workers_) w->stop();
}

std::map<std::string, std::string> Pipeline::env_for(uint16_t metrics_port) const {
  std::map<std::string, std::string> env = {
      {"ORDERFLOW_KAFKA_BROKERS", config_.kafka_brokers},
      {"ORDERFLOW_PG_DSN", config_.pg_dsn},
      {"ORDERFLOW_TOPIC_PREFIX", config_.topic_prefix},
      {"ORDERFLOW_API_PORT", std::to_string(config_.api_port)},
      {"ORDERFLOW_METRICS_PORT", std::to_string(metrics_port)},
      {"ORDERFLOW_LOG_LEVEL", "info"},
      // Tests kill workers on purpose: their partitions should move on quickly. Tests do not flood
      // the broker, so 10 s is safe here.
      {"ORDERFLOW_SESSION_TIMEOUT_MS", "10000"},
  };
  for (const auto& [k, v] : options_.env) env[k] = v;
  return env;
}

void Pipeline::start_worker(const std::string& role) {
  auto& port = metrics_ports_[role];
  if (port == 0) port = free_port();
  auto& w = workers_[role];
  if (!w) {
    w = std::make_unique<Process>(role, std::vector<std::string>{binary("orderflow-worker"), "--role", role},
                                  env_for(port), log_dir_ + "/worker-" + role + ".log");
  }
  w->start();
  wait_ready(port, *w);
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
  };
  const auto it = topics.find(role);
  if (it == topics.end()) throw std::logic_error("Pipeline::consumed_topics: add the topics of role " + role);
  return it->second;
}

namespace {

int64_t stored_total(const Pipeline& p, const std::string& group, const std::string& topic) {
  return std::stoll(
      p.sql("SELECT coalesce(sum(next_offset), 0) FROM runtime.consumer_offsets WHERE group_id = '" + group +
            "' AND topic = '" + topic + "'"));
}

}  // namespace

bool Pipeline::caught_up(const std::string& role) const {
  for (const auto& t : consumed_topics(role)) {
    if (stored_total(*this, config_.topic_prefix + role, topic(t)) !=
        kafka::end_offset_total(config_.kafka_brokers, topic(t))) {
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
      if (stored_total(*this, config_.topic_prefix + role, topic(t)) != ends.at(t)) return false;
    }
  }
  if (sql("SELECT count(*) FROM runtime.outbox") != "0") return false;
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
      out += " " + t + " stored " +
             std::to_string(stored_total(*this, config_.topic_prefix + role, topic(t))) + "/end " +
             std::to_string(kafka::end_offset_total(config_.kafka_brokers, topic(t)));
    }
    out += "; ";
  }
  return out + "outbox rows " + sql("SELECT count(*) FROM runtime.outbox");
}

}  // namespace orderflow::test
