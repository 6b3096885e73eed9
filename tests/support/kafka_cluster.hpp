#pragma once
// A test's own 3-broker KRaft cluster (infra/kafka.sh cluster: a controller and brokers 1-3, small
// JVMs on free loopback ports), under the run's stack directory. Started by the constructor, stopped by
// the destructor (and by tests/stack.sh stop, should the test die without unwinding). Pass brokers()
// as ORDERFLOW_KAFKA_BROKERS in a Pipeline's env: its topics then get 3 replicas, 2 in sync.
#include <chrono>
#include <string>
#include <vector>

namespace orderflow::test {

class KafkaCluster {
 public:
  KafkaCluster();
  ~KafkaCluster();
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  // "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3"
  const std::string& brokers() const { return brokers_; }
  // The broker nodes' names, as `run` takes them.
  static const std::vector<std::string>& broker_nodes();
  // infra/kafka.sh cluster <command> DIR <nodes...>: start (waits until each serves), stop, kill
  // (kill -9); no nodes means all of them. Throws when the script fails.
  void run(const std::string& command, const std::vector<std::string>& nodes,
           std::chrono::seconds timeout) const;
  // Partitions of the topics named `topic_prefix`... with fewer in-sync replicas than replicas (a
  // restarted broker that has not caught up yet), from the cluster's metadata; -1 when it cannot tell.
  int partitions_out_of_sync(const std::string& topic_prefix) const;

 private:
  std::string dir_;
  std::string brokers_;
};

}  // namespace orderflow::test
