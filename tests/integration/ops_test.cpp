// What ops rely on: /healthz, /readyz, /metrics on every process, Prometheus scraping them, and a 503
// (not a hang, not a 202) when Kafka does not confirm.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p;
  return p;
}

// Two GET /healthz on ONE connection, written as curl or Python's http.client write them: HTTP/1.1 with
// no Connection header. Returns what came back ("" parts when the server closed the connection).
std::pair<std::string, std::string> two_requests_on_one_connection(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  auto exchange = [&] {
    const std::string req = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      return std::string();
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos || got.find("}") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  };
  auto first = exchange();
  auto second = exchange();
  ::close(fd);
  return {first, second};
}

void expect_keep_alive(uint16_t port) {
  const auto [first, second] = two_requests_on_one_connection(port);
  EXPECT_NE(first.find("200 OK"), std::string::npos) << first;
  EXPECT_EQ(first.find("Connection: Close"), std::string::npos) << first;
  EXPECT_NE(second.find("200 OK"), std::string::npos) << "the connection did not persist:\n" << first;
}

}  // namespace

// HTTP/1.1 is persistent by default: a client that sends no Connection header (curl, Go, Python, Java)
// keeps its connection, on the api and on a worker's ops endpoint. Pistache 0.0.5 answered
// "Connection: Close" to such requests: a reconnect per request, 3.4k instead of 9.5k orders/s.
TEST(Ops, AnHttp11ClientWithoutAConnectionHeaderKeepsItsConnection) {
  expect_keep_alive(pipeline().api_port());
  expect_keep_alive(pipeline().metrics_port("orders"));
}

TEST(Ops, ApiHealthReadinessAndMetrics) {
  auto c = pipeline().client();
  EXPECT_EQ(c.get("/healthz").status, 200);
  const auto ready = c.get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"kafka\":true"), std::string::npos);
  ASSERT_EQ(c.post_json("/v1/orders", R"({"customer_id":"ops","lines":[{"sku":"A","quantity":1}]})",
                        {{"Idempotency-Key", test::unique("k")}})
                .status,
            202);
  const auto m = c.get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find(R"(orderflow_http_requests_total{route="/v1/orders",status="202"})"),
            std::string::npos);
  EXPECT_NE(m.body.find("orderflow_http_request_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.body.find(R"(orderflow_kafka_produce_seconds_count{result="ok"})"), std::string::npos);
}

TEST(Ops, WorkerHealthReadinessAndMetrics) {
  http::Client c("127.0.0.1", pipeline().metrics_port("orders"));
  EXPECT_EQ(c.get("/healthz").status, 200);
  EXPECT_EQ(c.get("/readyz").status, 200);
  auto api = pipeline().client();
  ASSERT_EQ(api.post_json("/v1/orders", R"({"customer_id":"ops2","lines":[{"sku":"A","quantity":1}]})",
                          {{"Idempotency-Key", test::unique("k")}})
                .status,
            202);
  ASSERT_TRUE(test::wait_until(
      [&] {
        return c.get("/metrics").body.find(R"(orderflow_consumer_records_total{role="orders"} 0)") ==
               std::string::npos;
      },
      20s));
  const auto m = c.get("/metrics").body;
  EXPECT_NE(m.find("orderflow_batch_records_bucket"), std::string::npos);
  EXPECT_NE(m.find("orderflow_db_transaction_seconds_count"), std::string::npos);
  EXPECT_NE(m.find("orderflow_consumer_lag{"), std::string::npos);
  EXPECT_NE(m.find("orderflow_outbox_published_total"), std::string::npos);
}

TEST(Ops, PrometheusScrapesTheApiAndTheWorker) {
  const auto& s = test::stack();
  const std::string targets = "127.0.0.1:" + std::to_string(pipeline().api_port()) +
                              " 127.0.0.1:" + std::to_string(pipeline().metrics_port("orders"));
  const std::string cmd =
      std::string(ORDERFLOW_SOURCE_DIR) + "/infra/prometheus.sh targets " + s.state_dir + " " + targets;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  http::Client prom("127.0.0.1", s.prometheus_port);
  // Both targets up...
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto r = prom.get("/api/v1/query?query=sum(up%7Bjob%3D%22orderflow%22%7D)");
        return r.body.find(R"("value":[)") != std::string::npos &&
               r.body.find(R"(,"2"]})") != std::string::npos;
      },
      60s, 500ms));
  // ...and a metric of ours has a value.
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto r = prom.get("/api/v1/query?query=orderflow_http_requests_total");
        return r.status == 200 && r.body.find("orderflow_http_requests_total") != std::string::npos;
      },
      30s, 500ms));
}

TEST(Ops, ApiAnswers503WhenKafkaDoesNotConfirm) {
  // An api whose broker address leads nowhere: the produce times out and the client hears 503.
  const uint16_t port = test::free_port();
  test::Process api("api-no-kafka", {test::binary("orderflow-api")},
                    {{"ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:" + std::to_string(test::free_port())},
                     {"ORDERFLOW_PG_DSN", pipeline().dsn()},
                     {"ORDERFLOW_API_PORT", std::to_string(port)},
                     {"ORDERFLOW_PRODUCE_TIMEOUT_MS", "1500"}},
                    test::stack().state_dir + "/logs/api-no-kafka.log");
  api.start();
  http::Client c("127.0.0.1", port, 20s);
  ASSERT_TRUE(test::wait_until([&] { return c.get("/healthz").status == 200; }, 20s));
  EXPECT_EQ(c.get("/readyz").status, 503);
  const auto started = std::chrono::steady_clock::now();
  const auto r = c.post_json("/v1/orders", R"({"customer_id":"x","lines":[{"sku":"A","quantity":1}]})",
                             {{"Idempotency-Key", "k"}});
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("kafka_unavailable"), std::string::npos);
  EXPECT_LT(waited, 10s);
}

// Every orderflow metric the Grafana dashboard and the alert rules name is a series some running
// process exports (histograms by their _bucket series), scraped from the api and a worker of every role
// once an order and a cart went through: a renamed metric or a panel on a series nobody exports fails
// here, not on an operator's blank panel.
TEST(Ops, EveryMetricTheDashboardAndTheAlertsNameIsExportedByARunningProcess) {
  test::Pipeline p(test::Pipeline::Options{
      .api = true, .roles = {"orders", "inventory", "carts", "projections"}, .env = {}});
  p.seed_product("MON-1", 100, 10);
  auto c = p.client();
  ASSERT_EQ(c.post_json("/v1/orders", R"({"customer_id":"mon","lines":[{"sku":"MON-1","quantity":1}]})",
                        {{"Idempotency-Key", test::unique("k")}})
                .status,
            202);
  ASSERT_EQ(
      c.post_json("/v1/carts/" + test::unique("cart") + "/items", R"({"sku":"MON-1","quantity":1})").status,
      202);
  ASSERT_TRUE(test::wait_until([&] { return p.quiescent(); }, 60s)) << p.progress();

  std::set<std::string> exported;  // sample names: a histogram's are name_bucket, name_sum, name_count
  auto scrape = [&](uint16_t port) {
    auto body = http::Client("127.0.0.1", port).get("/metrics").body;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);)
      if (!line.empty() && line[0] != '#') exported.insert(line.substr(0, line.find_first_of("{ ")));
    return body;
  };
  scrape(p.api_port());
  std::string orders_metrics;
  for (const auto& role : p.roles()) {
    auto body = scrape(p.metrics_port(role));
    if (role == "orders") orders_metrics = std::move(body);
  }
  // The decisions panel counts what committed: the one order, confirmed once.
  EXPECT_NE(orders_metrics.find(R"(orderflow_messages_written_total{role="orders",type="OrderConfirmed"} 1)"),
            std::string::npos);

  std::set<std::string> named;
  const std::regex metric("orderflow_[a-z_]+");
  for (const char* file : {"/infra/grafana/orderflow-dashboard.json", "/infra/prometheus/alerts.yml"}) {
    std::ifstream in(std::string(ORDERFLOW_SOURCE_DIR) + file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    ASSERT_FALSE(text.empty()) << file;
    for (std::sregex_iterator it(text.begin(), text.end(), metric), end; it != end; ++it)
      named.insert(it->str());
  }
  EXPECT_GT(named.size(), 10u);
  std::string missing;
  for (const auto& name : named)
    if (!exported.contains(name)) missing += " " + name;
  EXPECT_EQ(missing, "") << "named by the dashboard or the alerts, exported by no running process";
}
