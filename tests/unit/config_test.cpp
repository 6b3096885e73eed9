#include "orderflow/config.hpp"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

const char* const kVars[] = {
    "ORDERFLOW_KAFKA_BROKERS",      "ORDERFLOW_PG_DSN",
    "ORDERFLOW_PG_DSN_ORDERS",      "ORDERFLOW_PG_DSN_INVENTORY",
    "ORDERFLOW_PG_DSN_CARTS",       "ORDERFLOW_PG_DSN_PROJECTIONS",
    "ORDERFLOW_TOPIC_PREFIX",       "ORDERFLOW_BIND_ADDRESS",
    "ORDERFLOW_API_PORT",           "ORDERFLOW_METRICS_PORT",
    "ORDERFLOW_API_THREADS",        "ORDERFLOW_PRODUCE_TIMEOUT_MS",
    "ORDERFLOW_MAX_BODY_BYTES",     "ORDERFLOW_ADMIN_TOKEN",
    "ORDERFLOW_LOG_LEVEL",          "ORDERFLOW_LOG_FORMAT",
    "ORDERFLOW_BATCH_MAX_RECORDS",  "ORDERFLOW_SESSION_TIMEOUT_MS",
    "ORDERFLOW_REPLICATION_FACTOR", "ORDERFLOW_MIN_INSYNC_REPLICAS",
};

// Every test starts with no ORDERFLOW_* variable set and leaves the environment as it found it.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVars) {
      if (const char* v = std::getenv(name)) saved_[name] = v;
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kVars) {
      auto it = saved_.find(name);
      if (it == saved_.end()) {
        unsetenv(name);
      } else {
        setenv(name, it->second.c_str(), 1);
      }
    }
  }
  static void set(const char* name, const char* value) { setenv(name, value, 1); }

  // CLI11 consumes a vector from the back, so pass the arguments reversed.
  static void parse(orderflow::Config& config, std::vector<std::string> args) {
    CLI::App app;
    config.add_flags(app);
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
  }

 private:
  std::map<std::string, std::string> saved_;
};

// The message of the std::invalid_argument from_env() throws, or nullopt if it did not throw one.
std::optional<std::string> from_env_error() {
  try {
    orderflow::Config::from_env();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return std::nullopt;
}

}  // namespace

TEST_F(ConfigTest, DefaultsWithoutEnvironment) {
  const auto c = orderflow::Config::from_env();
  const orderflow::Config defaults;
  EXPECT_EQ(c.kafka_brokers, defaults.kafka_brokers);
  EXPECT_EQ(c.topic_prefix, "");
  EXPECT_EQ(c.api_port, 8080);
  EXPECT_EQ(c.batch_max_records, 500u);
  EXPECT_EQ(c.session_timeout_ms, 30000u);
  // Batching at moderate load is on unless turned off (issue 11; BENCHMARKS.md, "Batch linger on").
  EXPECT_EQ(c.batch_linger_ms, 10u);
}

TEST_F(ConfigTest, ReadsStringsFromEnvironment) {
  set("ORDERFLOW_KAFKA_BROKERS", "kafka:9092");
  set("ORDERFLOW_PG_DSN", "host=db");
  set("ORDERFLOW_TOPIC_PREFIX", "run1.");
  set("ORDERFLOW_BIND_ADDRESS", "0.0.0.0");
  set("ORDERFLOW_ADMIN_TOKEN", "secret");
  set("ORDERFLOW_LOG_LEVEL", "debug");
  const auto c = orderflow::Config::from_env();
  EXPECT_EQ(c.kafka_brokers, "kafka:9092");
  EXPECT_EQ(c.pg_dsn, "host=db");
  EXPECT_EQ(c.topic_prefix, "run1.");
  EXPECT_EQ(c.bind_address, "0.0.0.0");
  EXPECT_EQ(c.admin_token, "secret");
  EXPECT_EQ(c.log_level, "debug");
}

TEST_F(ConfigTest, ReadsNumbersFromEnvironment) {
  set("ORDERFLOW_API_PORT", "18080");
  set("ORDERFLOW_METRICS_PORT", "19464");
  set("ORDERFLOW_API_THREADS", "8");
  set("ORDERFLOW_PRODUCE_TIMEOUT_MS", "2500");
  set("ORDERFLOW_MAX_BODY_BYTES", "1048576");
  set("ORDERFLOW_BATCH_MAX_RECORDS", "700");
  set("ORDERFLOW_BATCH_LINGER_MS", "7");
  set("ORDERFLOW_BATCH_LINGER_RECORDS", "250");
  set("ORDERFLOW_SESSION_TIMEOUT_MS", "12000");
  set("ORDERFLOW_REPLICATION_FACTOR", "3");
  set("ORDERFLOW_MIN_INSYNC_REPLICAS", "2");
  const auto c = orderflow::Config::from_env();
  EXPECT_EQ(c.replication_factor, 3u);
  EXPECT_EQ(c.min_insync_replicas, 2u);
  EXPECT_EQ(c.api_port, 18080);
  EXPECT_EQ(c.metrics_port, 19464);
  EXPECT_EQ(c.api_threads, 8u);
  EXPECT_EQ(c.produce_timeout_ms, 2500u);
  EXPECT_EQ(c.max_body_bytes, 1048576u);
  EXPECT_EQ(c.batch_max_records, 700u);
  EXPECT_EQ(c.batch_linger_ms, 7u);
  EXPECT_EQ(c.batch_linger_records, 250u);
  EXPECT_EQ(c.session_timeout_ms, 12000u);
}

TEST_F(ConfigTest, EmptyVariableMeansDefault) {
  set("ORDERFLOW_KAFKA_BROKERS", "");
  set("ORDERFLOW_API_PORT", "");
  const auto c = orderflow::Config::from_env();
  EXPECT_EQ(c.kafka_brokers, orderflow::Config{}.kafka_brokers);
  EXPECT_EQ(c.api_port, 8080);
}

TEST_F(ConfigTest, NonNumericNumberThrowsNamingTheVariable) {
  set("ORDERFLOW_API_PORT", "eighty");
  auto error = from_env_error();
  ASSERT_TRUE(error) << "no std::invalid_argument";
  EXPECT_NE(error->find("ORDERFLOW_API_PORT"), std::string::npos) << *error;
  EXPECT_NE(error->find("eighty"), std::string::npos) << *error;
}

TEST_F(ConfigTest, OutOfRangeNumberThrowsNamingTheVariable) {
  set("ORDERFLOW_BATCH_MAX_RECORDS", "99999999999999999999999");
  auto error = from_env_error();
  ASSERT_TRUE(error) << "no std::invalid_argument";
  EXPECT_NE(error->find("ORDERFLOW_BATCH_MAX_RECORDS"), std::string::npos) << *error;
}

// DISABLED: library bug in Config::from_env (config.cpp, read_number): std::stoull accepts a leading
// '-' (wrapping around) and trailing garbage, and the cast truncates silently: "-1" gives port 65535,
// "70000" gives 4464, "8080x" gives 8080. Enable once fixed.
TEST_F(ConfigTest, NegativeNumberThrows) {
  set("ORDERFLOW_API_PORT", "-1");
  EXPECT_TRUE(from_env_error());
}

TEST_F(ConfigTest, NumberTooLargeForItsFieldThrows) {
  set("ORDERFLOW_API_PORT", "70000");
  EXPECT_TRUE(from_env_error());
}

TEST_F(ConfigTest, TrailingGarbageThrows) {
  set("ORDERFLOW_API_PORT", "8080x");
  EXPECT_TRUE(from_env_error());
}

TEST_F(ConfigTest, FlagsOverrideEnvironment) {
  set("ORDERFLOW_KAFKA_BROKERS", "from-env:9092");
  set("ORDERFLOW_API_PORT", "18080");
  set("ORDERFLOW_LOG_LEVEL", "debug");
  auto c = orderflow::Config::from_env();
  parse(c, {"--kafka-brokers", "from-flag:9092", "--api-port=28080"});
  EXPECT_EQ(c.kafka_brokers, "from-flag:9092");
  EXPECT_EQ(c.api_port, 28080);
  EXPECT_EQ(c.log_level, "debug");  // not given as a flag: the environment's value stays
}

TEST_F(ConfigTest, EveryFieldHasAFlag) {
  auto c = orderflow::Config::from_env();
  parse(c, {"--kafka-brokers",
            "k:1",
            "--pg-dsn",
            "host=x",
            "--topic-prefix",
            "p.",
            "--bind-address",
            "::1",
            "--api-port",
            "1",
            "--metrics-port",
            "2",
            "--api-threads",
            "3",
            "--produce-timeout-ms",
            "400",
            "--max-body-bytes",
            "5",
            "--admin-token",
            "t",
            "--log-level",
            "warn",
            "--batch-max-records",
            "6"});
  EXPECT_EQ(c.kafka_brokers, "k:1");
  EXPECT_EQ(c.pg_dsn, "host=x");
  EXPECT_EQ(c.topic_prefix, "p.");
  EXPECT_EQ(c.bind_address, "::1");
  EXPECT_EQ(c.api_port, 1);
  EXPECT_EQ(c.metrics_port, 2);
  EXPECT_EQ(c.api_threads, 3u);
  EXPECT_EQ(c.produce_timeout_ms, 400u);
  EXPECT_EQ(c.max_body_bytes, 5u);
  EXPECT_EQ(c.admin_token, "t");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.batch_max_records, 6u);
}

TEST_F(ConfigTest, ARoleWithoutADatabaseOfItsOwnUsesThePgDsn) {
  set("ORDERFLOW_PG_DSN", "host=shared");
  set("ORDERFLOW_PG_DSN_INVENTORY", "host=stock");
  auto c = orderflow::Config::from_env();
  EXPECT_EQ(c.pg_dsn_for("inventory"), "host=stock");
  EXPECT_EQ(c.pg_dsn_for("orders"), "host=shared");
  EXPECT_EQ(c.pg_dsn_for("projections"), "host=shared");
  parse(c, {"--pg-dsn-carts", "host=carts"});
  EXPECT_EQ(c.pg_dsn_for("carts"), "host=carts");
  EXPECT_EQ(c.pg_dsn_for("inventory"), "host=stock");  // not given as a flag: the environment's stays
}

TEST_F(ConfigTest, LogFormatIsTextOrJson) {
  EXPECT_EQ(orderflow::Config::from_env().log_format, "text");
  set("ORDERFLOW_LOG_FORMAT", "json");
  auto c = orderflow::Config::from_env();
  EXPECT_EQ(c.log_format, "json");
  EXPECT_THROW(parse(c, {"--log-format", "xml"}), CLI::ValidationError);
  set("ORDERFLOW_LOG_FORMAT", "xml");
  const auto error = from_env_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("ORDERFLOW_LOG_FORMAT"), std::string::npos) << *error;
}

TEST_F(ConfigTest, FlagOutsideItsRangeIsRejected) {
  auto c = orderflow::Config::from_env();
  EXPECT_THROW(parse(c, {"--api-threads", "0"}), CLI::ValidationError);
  EXPECT_THROW(parse(c, {"--produce-timeout-ms", "10"}), CLI::ValidationError);
}

TEST_F(ConfigTest, TopicPrependsPrefix) {
  orderflow::Config c;
  EXPECT_EQ(c.topic("orders.commands"), "orders.commands");
  c.topic_prefix = "t123.";
  EXPECT_EQ(c.topic("orders.commands"), "t123.orders.commands");
}
