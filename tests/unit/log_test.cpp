// Log lines: the JSON format (ORDERFLOW_LOG_FORMAT=json) and librdkafka's lines through our logger.
#include "orderflow/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <chrono>

#include "orderflow/json.hpp"
#include "orderflow/kafka_log.hpp"

using namespace std::chrono_literals;

namespace {

std::chrono::system_clock::time_point at(int64_t ms_since_epoch) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_since_epoch));
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
  // Written on librdkafka's threads; last_formatted() reads it under the sink's lock.
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("kafka-log-test", sink));
  {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // Port 1 (tcpmux): nothing listens there on a loopback interface, so the connect is refused.
    const std::string brokers = "127.0.0.1:1";
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
      text.clear();
      for (const auto& line : sink->last_formatted()) text += line;
      if (text.find("Connection refused") != std::string::npos) break;
    }
    rd_kafka_destroy(rk);
    EXPECT_NE(text.find("kafka log-test#producer-"), std::string::npos) << text;
    EXPECT_NE(text.find("FAIL: "), std::string::npos) << text;
    EXPECT_NE(text.find("Connection refused"), std::string::npos) << text;
  }
  spdlog::set_default_logger(previous);
}
