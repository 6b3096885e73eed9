#include "kafka_cluster.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "test_env.hpp"

namespace orderflow::test {

using namespace std::chrono_literals;

KafkaCluster::KafkaCluster() : dir_(stack().state_dir + "/" + unique("cluster")) {
  run("start", {}, 240s);
  std::ifstream in(dir_ + "/kafka-cluster/env");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("ORDERFLOW_KAFKA_BROKERS=")) brokers_ = line.substr(line.find('=') + 1);
  }
  if (brokers_.empty()) {
    run("stop", {}, 120s);
    throw std::runtime_error("no ORDERFLOW_KAFKA_BROKERS in " + dir_ + "/kafka-cluster/env");
  }
}

KafkaCluster::~KafkaCluster() {
  try {
    run("stop", {}, 120s);
  } catch (const std::exception& e) {
    std::cerr << e.what() << std::endl;
  }
}

const std::vector<std::string>& KafkaCluster::broker_nodes() {
  static const std::vector<std::string> nodes = {"broker-1", "broker-2", "broker-3"};
  return nodes;
}

void KafkaCluster::run(const std::string& command, const std::vector<std::string>& nodes,
                       std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {std::string(ORDERFLOW_SOURCE_DIR) + "/infra/kafka.sh", "cluster", command,
                                   dir_};
  argv.insert(argv.end(), nodes.begin(), nodes.end());
  const auto r = run_command(argv, {}, timeout);
  if (r.exit_code != 0) throw std::runtime_error("kafka.sh cluster " + command + " failed:\n" + r.output);
}

namespace {

// "1,2,3" in "..., replicas: 1,2,3, isrs: 1,2,3" after `label`: how many ids.
int listed_after(const std::string& line, const std::string& label) {
  const auto at = line.find(label);
  if (at == std::string::npos) return 0;
  const auto from = at + label.size();
  const auto to = line.find(", ", from);
  const std::string ids = line.substr(from, to == std::string::npos ? std::string::npos : to - from);
  if (ids.empty()) return 0;
  int n = 1;
  for (char c : ids) n += c == ',';
  return n;
}

}  // namespace

int KafkaCluster::partitions_out_of_sync(const std::string& topic_prefix) const {
  // kcat's metadata listing: '  topic "NAME" with N partitions:' then '    partition P, leader L,
  // replicas: 1,2,3, isrs: 1,3'.
  const auto r = run_command({"/usr/bin/kcat", "-b", brokers_, "-L", "-m", "5"}, {}, 30s);
  if (r.exit_code != 0) return -1;
  std::istringstream lines(r.output);
  bool ours = false;
  int out_of_sync = 0, partitions = 0;
  for (std::string line; std::getline(lines, line);) {
    if (const auto t = line.find("topic \""); t != std::string::npos) {
      ours = line.compare(t + 7, topic_prefix.size(), topic_prefix) == 0;
    } else if (ours && line.find("partition ") != std::string::npos) {
      ++partitions;
      out_of_sync += listed_after(line, "isrs: ") < listed_after(line, "replicas: ");
    }
  }
  return partitions == 0 ? -1 : out_of_sync;
}

}  // namespace orderflow::test
