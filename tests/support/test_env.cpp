#include "test_env.hpp"

#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>
#include <thread>

namespace orderflow::test {

const StackInfo& stack() {
  static const StackInfo info = [] {
    const char* dir = std::getenv("ORDERFLOW_TEST_STACK");
    if (dir == nullptr) throw std::runtime_error("ORDERFLOW_TEST_STACK is not set: run the tests with ctest");
    std::ifstream in(std::string(dir) + "/env");
    if (!in) throw std::runtime_error(std::string("no stack env file in ") + dir + ": did the stack fixture run?");
    std::map<std::string, std::string> kv;
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    StackInfo s;
    s.state_dir = dir;
    s.kafka_brokers = kv.at("ORDERFLOW_KAFKA_BROKERS");
    s.pg_dsn = kv.at("ORDERFLOW_PG_DSN");
    s.pg_port = static_cast<uint16_t>(std::stoi(kv.at("ORDERFLOW_PG_PORT")));
    s.prometheus_port = static_cast<uint16_t>(std::stoi(kv.at("ORDERFLOW_PROMETHEUS_PORT")));
    return s;
  }();
  return info;
}

std::string binary(const std::string& name) {
  static const std::map<std::string, std::string> paths = {
      {"orderflow-api", ORDERFLOW_API_BINARY},
      {"orderflow-worker", ORDERFLOW_WORKER_BINARY},
      {"orderflow-ctl", ORDERFLOW_CTL_BINARY},
  };
  return paths.at(name);
}

uint16_t free_port() {
  // Bind to port 0 and let the kernel choose; different tests running at once get different ports.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(every);
  }
}

std::string sql_value(const std::string& dsn, const std::string& query) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  const auto rows = tx.exec(query);
  if (rows.empty() || rows[0][0].is_null()) return "";
  return rows[0][0].as<std::string>();
}

void sql_exec(const std::string& dsn, const std::string& statement) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec(statement);
}

std::string unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

std::vector<std::string> read_topic(const std::string& brokers, const std::string& topic) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", brokers, err);
  conf->set("group.id", unique("reader"), err);
  conf->set("enable.auto.commit", "false", err);
  conf->set("enable.partition.eof", "true", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) throw std::runtime_error(err);
  RdKafka::Metadata* md_raw = nullptr;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(consumer.get(), topic, nullptr, err));
  if (consumer->metadata(false, t.get(), &md_raw, 10000) != RdKafka::ERR_NO_ERROR) throw std::runtime_error("metadata");
  std::unique_ptr<RdKafka::Metadata> md(md_raw);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* p : *md->topics()->at(0)->partitions()) {
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(topic, p->id(), &low, &high, 10000);
    if (high > low) parts.push_back(RdKafka::TopicPartition::create(topic, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
  }
  std::vector<std::string> out;
  if (parts.empty()) return out;
  consumer->assign(parts);
  std::set<int32_t> at_end;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (at_end.size() < parts.size() && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      out.emplace_back(static_cast<const char*>(m->payload()), m->len());
    } else if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_end.insert(m->partition());
    }
  }
  RdKafka::TopicPartition::destroy(parts);
  consumer->close();
  return out;
}

}  // namespace orderflow::test
