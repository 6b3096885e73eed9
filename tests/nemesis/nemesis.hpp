#pragma once
// The nemesis: faults injected into a running pipeline (a Pipeline of several apis and several workers
// per role, on a stack of its own), each logged with when it started and ended, so that the checks can
// say how long the pipeline took to recover from it.
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kafka_cluster.hpp"
#include "pipeline.hpp"
#include "storefront.hpp"

namespace orderflow::nemesis {

struct Fault {
  std::string what;  // e.g. "kill -9 inventory-2"
  SystemTime started;
  SystemTime ended;  // when the fault was over (the process gone, the server back)
};

class Nemesis {
 public:
  Nemesis(test::Pipeline& pipeline, uint64_t seed);

  // SIGTERM or SIGKILL a running instance of `role`, drawn from the seed; never the last one running.
  void kill_worker(const std::string& role, int signal);
  // SIGKILL the worker of `role` that holds its outbox relay's lease (the advisory lock).
  void kill_relay_holder(const std::string& role);
  // SIGSTOP a running instance for `frozen` (past the session timeout: the group moves on without it),
  // then SIGCONT: a zombie that wakes up with a batch in hand.
  void freeze_worker(const std::string& role, std::chrono::milliseconds frozen);
  // Starts again every worker instance that is not running.
  void restart_dead_workers();
  // PostgreSQL stopped (fast shutdown: sessions cut) for `down`; `while_down` runs meanwhile.
  void stop_postgres(std::chrono::milliseconds down, const std::function<void()>& while_down = {});
  // PostgreSQL hangs (every process of the cluster SIGSTOPped) rather than refuses, for `hung`.
  void hang_postgres(std::chrono::milliseconds hung);
  // pg_terminate_backend of every worker session of this pipeline's database.
  void terminate_worker_sessions();
  // The broker stopped for `down` (longer than the api's produce timeout), then started again.
  void stop_kafka(std::chrono::milliseconds down);
  // kill -9 of one broker of the pipeline's 3-broker cluster, drawn from the seed; returns its name.
  std::string kill_broker(test::KafkaCluster& cluster);
  // Starts a killed broker again and waits until it serves (it then catches up as a follower).
  void restart_broker(test::KafkaCluster& cluster, const std::string& broker);

  // A duration drawn from the seed in [low, high].
  std::chrono::milliseconds between(std::chrono::milliseconds low, std::chrono::milliseconds high);
  const std::vector<Fault>& faults() const { return faults_; }

 private:
  size_t running_instance(const std::string& role, bool leave_one);
  void stack_script(const std::string& script, const std::string& command);
  std::vector<int> postgres_pids();

  test::Pipeline& p_;
  std::mt19937_64 rng_;
  std::vector<Fault> faults_;
};

// What the checks found, and the figures of the table.
struct Verdict {
  std::vector<std::string> violations;
  std::chrono::milliseconds longest_to_decision{0};
  std::vector<std::chrono::milliseconds> recovery;  // per fault: from its end until every order
                                                    // accepted by then was decided
  int orders = 0;
};

// Waits (up to `bound`) until every accepted order is decided and the pipeline is quiescent, then
// checks: every 202 decided; no order placed twice, none decided twice or both ways; orders.events
// holds OrderPlaced before the decision for every key; no event id with two contents; `verify` clean.
Verdict check(const test::Pipeline& p, const std::vector<AcceptedOrder>& accepted,
              const std::vector<Fault>& faults, std::chrono::seconds bound);

// The scenario's table, printed and appended to $ORDERFLOW_NEMESIS_REPORT when set.
void report(const std::string& scenario, uint64_t seed, const TrafficCounts& counts,
            const std::vector<Fault>& faults, const Verdict& verdict, SystemTime load_started);

}  // namespace orderflow::nemesis
