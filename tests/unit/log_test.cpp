// Log lines: the JSON format (ORDERFLOW_LOG_FORMAT=json) and librdkafka's lines through our logger.
#include "orderflow/log.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "orderflow/json.hpp"
#include "orderflow/kafka_log.hpp"

using namespace std::chrono_literals;

namespace {

std::chrono::system_clock::time_point at(int64_t ms_since_epoch) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_since_epoch));
}

// A loopback port nobody listens on: bound, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST(JsonLogLine, IsOneObjectWithTimeLevelProcessAndMessage) {
  const auto line = orderflow::json_log_line(at(1764695087168), "info", "api", "api up on 127.0.0.1:8080");
  EXPECT_EQ(
      line,
      R"({"time":"2025-12-02T17:04:47.168Z","level":"info","process":"api","message":"api up on 127.0.0.1:8080"})"
      "\n");
}

TEST(JsonLogLine, EscapesWhatWouldBreakTheLine) {
  const std::string message = "say \"hi\"\\ to\nthe\tworld \x01 and \xff bytes";
  const auto line = orderflow::json_log_line(at(0), "error", "worker-orders", message);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
  const auto doc = orderflow::json::parse(line);
  ASSERT_TRUE(doc && doc->IsObject()) << line;
  EXPECT_EQ(orderflow::json::get_string(*doc, "message").value_or(""),
            "say \"hi\"\\ to\nthe\tworld \x01 and \xEF\xBF\xBD bytes");
  EXPECT_EQ(orderflow::json::get_string(*doc, "time").value_or(""), "1970-01-01T00:00:00.000Z");
  EXPECT_NE(line.find(R"(\u0001)"), std::string::npos) << line;
}

TEST(KafkaLogs, GoThroughTheProjectsLogger) {
  auto out = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("kafka-log-test", sink));
  std::mutex m;  // the sink writes on librdkafka's threads
  {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const std::string brokers = "127.0.0.1:" + std::to_string(closed_port());
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err),
              RD_KAFKA_CONF_OK);
    ASSERT_EQ(rd_kafka_conf_set(conf, "client.id", "log-test", err, sizeof err), RD_KAFKA_CONF_OK);
    orderflow::kafka::route_logs(conf);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
    // librdkafka logs the refused connection (level 3, facility FAIL) within its first attempt.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    std::string text;
    while (std::chrono::steady_clock::now() < deadline) {
      rd_kafka_poll(rk, 100);
      spdlog::default_logger()->flush();
      std::lock_guard lock(m);
      text = out->str();
      if (text.find("Connection refused") != std::string::npos) break;
    }
    rd_kafka_destroy(rk);
    EXPECT_NE(text.find("kafka log-test#producer-"), std::string::npos) << text;
    EXPECT_NE(text.find("FAIL: "), std::string::npos) << text;
    EXPECT_NE(text.find("Connection refused"), std::string::npos) << text;
  }
  spdlog::set_default_logger(previous);
}
