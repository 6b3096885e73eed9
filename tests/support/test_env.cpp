#include "test_env.hpp"

#include <fcntl.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace orderflow::test {

const StackInfo& stack() {
  static const StackInfo info = [] {
    const char* dir = std::getenv("ORDERFLOW_TEST_STACK");
    if (dir == nullptr) throw std::runtime_error("ORDERFLOW_TEST_STACK is not set: run the tests with ctest");
    std::ifstream in(std::string(dir) + "/env");
    if (!in)
      throw std::runtime_error(std::string("no stack env file in ") + dir + ": did the stack fixture run?");
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

std::vector<std::vector<std::string>> sql_rows(const std::string& dsn, const std::string& query) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  std::vector<std::vector<std::string>> out;
  for (const auto& row : tx.exec(query)) {
    std::vector<std::string> values;
    for (const auto& field : row) values.push_back(field.is_null() ? "" : field.as<std::string>());
    out.push_back(std::move(values));
  }
  return out;
}

void seed_view_order(const std::string& dsn, const std::string& order_id, const std::string& customer_id,
                     const std::string& status, int64_t total_cents, int64_t version) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  tx.exec_params(
      "INSERT INTO views.orders (order_id, customer_id, status, total_cents, version, placed_at, updated_at)"
      " VALUES ($1::uuid, $2, $3, $4, $5, now(), now())",
      order_id, customer_id, status, total_cents, version);
}

void seed_product(const std::string& dsn, const std::string& sku, int64_t price_cents, int64_t on_hand) {
  pqxx::connection c(dsn);
  pqxx::work tx(c);
  tx.exec("INSERT INTO catalog.products (sku, name, price_cents) VALUES (" + tx.quote(sku) + ", " +
          tx.quote("product " + sku) + ", " + std::to_string(price_cents) + ")");
  tx.exec("INSERT INTO inventory.stock (sku, on_hand, available) VALUES (" + tx.quote(sku) + ", " +
          std::to_string(on_hand) + ", " + std::to_string(on_hand) + ")");
  tx.commit();
}

CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout) {
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<std::string> args_copy = argv;
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : args_copy) args.push_back(s.data());
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child (and anything it started) closed the pipe
    result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = (!timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
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
  if (consumer->metadata(false, t.get(), &md_raw, 10000) != RdKafka::ERR_NO_ERROR)
    throw std::runtime_error("metadata");
  std::unique_ptr<RdKafka::Metadata> md(md_raw);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const auto* p : *md->topics()->at(0)->partitions()) {
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(topic, p->id(), &low, &high, 10000);
    if (high > low)
      parts.push_back(RdKafka::TopicPartition::create(topic, p->id(), RdKafka::Topic::OFFSET_BEGINNING));
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
