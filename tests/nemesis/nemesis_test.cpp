// The nemesis suite (ctest -L nemesis): the pipeline scaled out as ops runs it — 2 apis, 3 workers per
// role — under storefront traffic (orders, cancels, cart checkouts, restocks), with faults injected at
// moments drawn from a printed seed (ORDERFLOW_NEMESIS_SEED=<seed> replays a run). Each scenario ends
// with every accepted order decided and zero violations (see nemesis::check), and prints its table.
// The suite has a stack of its own (PostgreSQL and Kafka are stopped and frozen here), and its scenarios
// run one after the other.
#include "nemesis.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <thread>

#include "kafka_cluster.hpp"
#include "storefront.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminToken = "nemesis-admin";

uint64_t seed_of_run() {
  static const uint64_t seed = []() -> uint64_t {
    if (const char* s = std::getenv("ORDERFLOW_NEMESIS_SEED")) return std::stoull(s);
    return static_cast<uint64_t>(std::random_device{}()) << 16 ^ static_cast<uint64_t>(time(nullptr));
  }();
  return seed;
}

struct Scenario {
  test::Pipeline pipeline;
  nemesis::Nemesis nemesis;
  nemesis::Storefront storefront;
  uint64_t seed;
  nemesis::SystemTime load_started{};

  // On the stack's broker, or on `cluster` (3 brokers: the topics get 3 replicas, 2 in sync).
  static test::Pipeline::Options options(const test::KafkaCluster* cluster) {
    test::Pipeline::Options o{.api = true,
                              .roles = {"orders", "inventory", "carts"},
                              .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken},
                                      // a 503 rather than a long wait while Kafka is away
                                      {"ORDERFLOW_PRODUCE_TIMEOUT_MS", "2000"},
                                      {"ORDERFLOW_LOG_LEVEL", "warn"}},
                              .apis = 2,
                              .instances = 3};
    if (cluster) {
      o.env["ORDERFLOW_KAFKA_BROKERS"] = cluster->brokers();
      // acks from 2 of 3 brokers on the loaded 2-core box: 2 s saw healthy acks time out
      // (replication_test)
      o.env["ORDERFLOW_PRODUCE_TIMEOUT_MS"] = "4000";
    }
    return o;
  }

  static std::vector<std::string> seed_catalog(const test::Pipeline& p) {
    std::vector<std::string> skus;
    for (int i = 0; i < 12; ++i) {
      skus.push_back("NEM-" + std::to_string(i));
      test::seed_product(p.dsn(), skus.back(), 100 + 25 * i, 60);
    }
    return skus;
  }

  explicit Scenario(const std::string& scenario, const test::KafkaCluster* cluster = nullptr)
      : pipeline(options(cluster)),
        nemesis(pipeline, seed_of_run()),
        storefront(nemesis::Storefront::Options{.api_ports = {pipeline.api_port(0), pipeline.api_port(1)},
                                                .skus = seed_catalog(pipeline),
                                                .admin_token = kAdminToken,
                                                .customer_prefix = test::unique(scenario),
                                                .requests_per_second = 80,
                                                .clients = 4,
                                                .seed = seed_of_run()}),
        seed(seed_of_run()) {
    std::cout << "nemesis " << scenario << ": seed " << seed << " (ORDERFLOW_NEMESIS_SEED=" << seed
              << " replays it)" << std::endl;
    ::testing::Test::RecordProperty("seed", std::to_string(seed));
    load_started = std::chrono::system_clock::now();
    storefront.start();
  }

  // Waits until `at` after the load started (the moments of the faults come from the seed).
  void at(std::chrono::milliseconds offset) { std::this_thread::sleep_until(load_started + offset); }

  // Stops the traffic after `load` in all, checks, prints the table and fails on any violation.
  // At least this much traffic after the last fault ended: a slow restart (a loaded box can take Kafka
  // 40 s) must not leave a scenario without orders to check.
  static constexpr auto kTrafficAfterFaults = 20s;

  void finish(const std::string& scenario, std::chrono::milliseconds load,
              std::chrono::milliseconds after_faults = kTrafficAfterFaults) {
    at(load);
    if (!nemesis.faults().empty())
      std::this_thread::sleep_until(nemesis.faults().back().ended + after_faults);
    storefront.stop();
    nemesis.restart_dead_workers();
    const auto verdict = nemesis::check(pipeline, storefront.accepted(), nemesis.faults(), 120s);
    nemesis::report(scenario, seed, storefront.counts(), nemesis.faults(), verdict, load_started);
    EXPECT_GT(verdict.orders, 500) << "too little traffic got through to prove anything";
    EXPECT_TRUE(verdict.violations.empty()) << "seed " << seed;
  }
};

}  // namespace

// Workers die and freeze while the traffic flows: SIGTERM, kill -9, the relay's lease holder killed,
// and a worker frozen past its session timeout that wakes up (a zombie) with a batch in hand.
TEST(Nemesis, WorkersDieAndFreeze) {
  Scenario run("workers");
  auto& n = run.nemesis;
  run.at(n.between(3s, 6s));
  n.kill_worker("orders", SIGTERM);
  run.at(n.between(8s, 11s));
  n.kill_worker("inventory", SIGKILL);
  run.at(n.between(13s, 16s));
  n.kill_relay_holder("orders");
  n.restart_dead_workers();
  run.at(n.between(20s, 23s));
  n.freeze_worker("inventory", n.between(13s, 16s));  // past ORDERFLOW_SESSION_TIMEOUT_MS (10 s)
  n.kill_worker("carts", SIGKILL);
  n.kill_relay_holder("inventory");
  run.finish("workers", 50s);
}

// The database goes away while the group rebalances (the case of issue 8: partitions that never moved
// again), then its sessions are cut, then it hangs instead of refusing.
TEST(Nemesis, DatabaseAwayDuringRebalances) {
  Scenario run("database");
  auto& n = run.nemesis;
  run.at(n.between(3s, 6s));
  n.kill_worker("orders", SIGTERM);
  n.kill_worker("inventory", SIGKILL);
  run.at(n.between(8s, 11s));
  n.stop_postgres(n.between(7s, 10s), [&] {
    std::this_thread::sleep_for(n.between(1s, 3s));
    n.kill_worker("orders", SIGTERM);  // the last but one: a rebalance while PostgreSQL is down
  });
  run.at(n.between(24s, 27s));
  n.terminate_worker_sessions();
  run.at(n.between(30s, 33s));
  n.hang_postgres(n.between(6s, 9s));
  run.finish("database", 50s);
}

// Kafka goes away for longer than the api's produce timeout (the apis answer 503 meanwhile, the relays
// hold their rows), and a worker is killed as it comes back.
TEST(Nemesis, KafkaAway) {
  Scenario run("kafka");
  auto& n = run.nemesis;
  run.at(n.between(5s, 8s));
  n.stop_kafka(n.between(5s, 8s));
  n.kill_worker("orders", SIGKILL);
  run.at(n.between(28s, 31s));
  n.kill_relay_holder("orders");
  run.finish("kafka", 45s);
}

// One broker of a 3-broker KRaft cluster killed (kill -9) while the traffic flows. Every topic has 3
// replicas, 2 in sync, so each 202 rests on two brokers; the leaders and group coordinators the dead
// broker held move to the survivors. While it is down an orders worker is SIGTERMed (a rebalance
// through a coordinator that may just have moved); then the broker comes back and catches up.
TEST(Nemesis, ABrokerKilled) {
  const auto started = std::chrono::steady_clock::now();
  test::KafkaCluster cluster;  // outlives the pipeline: its processes stop first
  std::cout << "nemesis broker: cluster up in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s"
            << std::endl;
  Scenario run("broker", &cluster);
  const auto topics = run.pipeline.run_ctl({"create-topics"});
  ASSERT_NE(topics.output.find("3 replicas, min.insync.replicas 2"), std::string::npos) << topics.output;
  auto& n = run.nemesis;
  const auto killed_at = n.between(5s, 9s);
  run.at(killed_at);
  const auto broker = n.kill_broker(cluster);
  run.at(killed_at + n.between(2s, 4s));
  n.kill_worker("orders", SIGTERM);
  run.at(killed_at + n.between(8s, 11s));
  n.restart_broker(cluster, broker);
  n.restart_dead_workers();
  // The traffic flowed all through the restart (every partition kept 2 copies in sync): 10 s more
  // once the broker is back in every ISR are orders enough to see that it works on.
  run.finish("broker", 40s, 10s);
}
