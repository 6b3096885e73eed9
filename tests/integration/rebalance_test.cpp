// Scaled-out workers through a rebalance without the database: two orders workers in one group, both
// retrying a batch (partitions paused) while PostgreSQL refuses them, then one leaves. The one that stays
// gets every partition back in the middle of its retry wait; none may stay paused (librdkafka keeps the
// application's pause across revoke and assign: the runtime's KafkaConsumer owns and re-applies it).
// On the code before that, 3 of 6 partitions never moved again.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "commands.hpp"
#include "orderflow/http_client.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "process.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

void produce_orders(kafka::Producer& producer, const test::Pipeline& p, const std::string& customer, int n,
                    int first) {
  std::atomic<int> acked{0};
  for (int i = first; i < first + n; ++i) {
    const std::string key = "k" + std::to_string(i);
    while (!producer.produce(p.topic("orders.commands"), order_id_for(customer, key),
                             test::place_order_message(customer, key), {},
                             [&](const kafka::DeliveryResult& r) { acked += r.ok ? 1 : 0; })) {
      std::this_thread::sleep_for(10ms);
    }
  }
  ASSERT_TRUE(producer.flush(30s));
  ASSERT_EQ(acked.load(), n);
}

std::unique_ptr<test::Process> worker(const test::Pipeline& p, const std::string& name, uint16_t port,
                                      const std::string& log_dir,
                                      const std::map<std::string, std::string>& extra_env = {}) {
  std::map<std::string, std::string> env = {
      {"ORDERFLOW_KAFKA_BROKERS", p.config().kafka_brokers},
      {"ORDERFLOW_PG_DSN", p.dsn()},
      {"ORDERFLOW_TOPIC_PREFIX", p.config().topic_prefix},
      {"ORDERFLOW_METRICS_PORT", std::to_string(port)},
      {"ORDERFLOW_LOG_LEVEL", "info"},
      {"ORDERFLOW_SESSION_TIMEOUT_MS", "10000"},
  };
  for (const auto& [k, v] : extra_env) env[k] = v;
  auto w = std::make_unique<test::Process>(
      name, std::vector<std::string>{test::binary("orderflow-worker"), "--role", "orders"}, env,
      log_dir + "/worker-" + name + ".log");
  w->start();
  http::Client c("127.0.0.1", port, std::chrono::seconds(5));
  EXPECT_TRUE(test::wait_until([&] { return w->running() && c.get("/readyz").status == 200; }, 60s, 100ms))
      << w->log_tail();
  return w;
}

bool has_partitions(uint16_t port) {
  http::Client c("127.0.0.1", port, std::chrono::seconds(5));
  const auto body = c.get("/metrics").body;
  const std::string needle = R"(orderflow_assigned_partitions{role="orders"} )";
  const auto at = body.find(needle);
  return at != std::string::npos && body.compare(at + needle.size(), 1, "0") != 0;
}

// orderflow_consumer_assignments_total of the orders worker on `port`: how many rebalances reached it.
int assignments(uint16_t port) {
  http::Client c("127.0.0.1", port, std::chrono::seconds(5));
  const auto body = c.get("/metrics").body;
  const std::string needle = R"(orderflow_consumer_assignments_total{role="orders"} )";
  const auto at = body.find(needle);
  return at == std::string::npos ? -1 : std::stoi(body.substr(at + needle.size()));
}

std::string log_dir_of(const test::Pipeline& p) {
  std::string name = p.config().topic_prefix;
  name.pop_back();  // the prefix is the pipeline's name and a dot
  return test::stack().state_dir + "/logs/" + name;
}

}  // namespace

// Static membership (ORDERFLOW_GROUP_INSTANCE_ID): a worker killed and started again within the session
// timeout gets its partitions back without a rebalance, so the other instance is not disturbed (with
// dynamic membership the restart joins as a new member and every instance is revoked and re-assigned).
TEST(ConsumerRuntime, AStaticMemberRestartedInTimeCausesNoRebalance) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  const std::string log_dir = log_dir_of(p);
  const uint16_t port_a = test::free_port(), port_b = test::free_port();
  auto a = worker(p, "a", port_a, log_dir, {{"ORDERFLOW_GROUP_INSTANCE_ID", "orders-a"}});
  auto b = worker(p, "b", port_b, log_dir, {{"ORDERFLOW_GROUP_INSTANCE_ID", "orders-b"}});
  ASSERT_TRUE(test::wait_until([&] { return has_partitions(port_a) && has_partitions(port_b); }, 60s));
  // Settled: no assignment reaches a for a few seconds.
  int before = -1;
  ASSERT_TRUE(test::wait_until(
      [&] {
        const int now = assignments(port_a);
        std::this_thread::sleep_for(3s);
        before = assignments(port_a);
        return now == before;
      },
      60s));

  b->kill9();
  b = worker(p, "b", port_b, log_dir, {{"ORDERFLOW_GROUP_INSTANCE_ID", "orders-b"}});
  ASSERT_TRUE(test::wait_until([&] { return has_partitions(port_b); }, 30s)) << b->log_tail();
  std::this_thread::sleep_for(4s);  // a rebalance would have reached a by now
  EXPECT_EQ(assignments(port_a), before) << "the restart of a static member rebalanced the group";

  kafka::Producer producer(kafka::ProducerOptions{p.config().kafka_brokers, "test", 10000, 1});
  const std::string customer = test::unique("static");
  produce_orders(producer, p, customer, 50, 0);
  EXPECT_TRUE(test::wait_until([&] { return p.caught_up("orders"); }, 60s)) << p.progress();
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'"), "50");
}

TEST(ConsumerRuntime, NoPartitionStaysPausedAfterARebalanceWithoutTheDatabase) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  kafka::Producer producer(kafka::ProducerOptions{p.config().kafka_brokers, "test", 10000, 1});
  const std::string log_dir = log_dir_of(p);
  const uint16_t port_a = test::free_port(), port_b = test::free_port();
  auto a = worker(p, "a", port_a, log_dir);
  auto b = worker(p, "b", port_b, log_dir);
  ASSERT_TRUE(test::wait_until([&] { return has_partitions(port_a) && has_partitions(port_b); }, 60s))
      << "both workers should own partitions";

  const std::string customer = test::unique("stall");
  produce_orders(producer, p, customer, 100, 0);
  ASSERT_TRUE(test::wait_until([&] { return p.caught_up("orders"); }, 60s)) << p.progress();

  // PostgreSQL goes away for this pipeline's database: new connections refused, current ones cut.
  const std::string db = p.sql("SELECT current_database()");
  test::sql_exec(test::stack().pg_dsn, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
  test::sql_exec(test::stack().pg_dsn,
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
  // Records on every partition: both workers now retry a batch, their partitions paused.
  produce_orders(producer, p, customer, 200, 100);
  std::this_thread::sleep_for(3s);
  // b leaves the group: a is revoked in the middle of its retry wait and gets every partition again,
  // while the database is still away.
  const int status = b->stop(SIGTERM, 30000);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  std::this_thread::sleep_for(3s);
  test::sql_exec(test::stack().pg_dsn, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");

  EXPECT_TRUE(test::wait_until([&] { return p.caught_up("orders"); }, 60s))
      << "a partition stalled: " << p.progress() << "\n"
      << a->log_tail();
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'"), "300");
  EXPECT_TRUE(a->running());
}

// /readyz tells the truth about a partition that does not move: here the orders worker's batch hangs
// on a row lock the test holds, for longer than the stall timeout. Not ready meanwhile; ready again, and
// the command applied, once the lock goes.
TEST(ConsumerRuntime, AWorkerWhosePartitionDoesNotMoveIsNotReady) {
  test::Pipeline p(test::Pipeline::Options{
      .api = false, .roles = {"orders"}, .env = {{"ORDERFLOW_STALL_TIMEOUT_MS", "3000"}}});
  kafka::Producer producer(kafka::ProducerOptions{p.config().kafka_brokers, "test", 10000, 1});
  const std::string customer = test::unique("stall");
  produce_orders(producer, p, customer, 1, 0);
  const std::string id = order_id_for(customer, "k0");
  ASSERT_TRUE(test::wait_until([&] { return !p.order_status(id).empty(); }, 30s)) << p.progress();

  http::Client ops("127.0.0.1", p.metrics_port("orders"), std::chrono::seconds(5));
  ASSERT_EQ(ops.get("/readyz").status, 200);
  pqxx::connection holder(p.dsn());
  pqxx::work lock(holder);
  lock.exec("SELECT 1 FROM orders.orders WHERE order_id = '" + id + "' FOR UPDATE");
  // A cancel of that order: its batch waits for the row lock, its partition does not move.
  std::atomic<bool> acked{false};
  ASSERT_TRUE(
      producer.produce(p.topic("orders.commands"), id,
                       messages::encode(messages::make_message(messages::CancelOrder{id, "stall test"})), {},
                       [&](const kafka::DeliveryResult& r) { acked = r.ok; }));
  ASSERT_TRUE(producer.flush(10s) && acked.load());
  EXPECT_TRUE(test::wait_until([&] { return ops.get("/readyz").status == 503; }, 20s))
      << "the worker said ready with a partition that did not move";
  lock.abort();
  EXPECT_TRUE(test::wait_until([&] { return ops.get("/readyz").status == 200; }, 30s));
  EXPECT_TRUE(test::wait_until([&] { return p.caught_up("orders"); }, 30s)) << p.progress();
}
