#pragma once
// What an integration test needs of the run's private stack (tests/stack.sh writes it to $DIR/env,
// ORDERFLOW_TEST_STACK names DIR), plus small helpers: free ports, waiting, SQL, topics.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace orderflow::test {

struct StackInfo {
  std::string state_dir;
  std::string kafka_brokers;
  std::string pg_dsn;  // the stack's `orderflow` database: tests create their own next to it
  uint16_t pg_port = 0;
  uint16_t prometheus_port = 0;
};
const StackInfo& stack();

// Where the built binaries are (set by CMake).
std::string binary(const std::string& name);

uint16_t free_port();
// Polls `condition` until true or `timeout`; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(50));

// One value of a SQL query on `dsn` (empty string for NULL or no row).
std::string sql_value(const std::string& dsn, const std::string& query);
void sql_exec(const std::string& dsn, const std::string& statement);

// Every row of a SQL query on `dsn`, each value as text ("" for NULL).
std::vector<std::vector<std::string>> sql_rows(const std::string& dsn, const std::string& query);

// An order's row in the projections' view (views.orders), as the projections would write it: a GET
// reads only the view, so a test without a projections worker seeds it this way.
void seed_view_order(const std::string& dsn, const std::string& order_id, const std::string& customer_id,
                     const std::string& status, int64_t total_cents = 0, int64_t version = 1);

// A catalog product and its stock (on_hand = available = `on_hand`, nothing reserved).
void seed_product(const std::string& dsn, const std::string& sku, int64_t price_cents, int64_t on_hand);

// Runs a program to completion (argv[0] is its path) with extra environment; stdout and stderr together.
struct CommandResult {
  int exit_code = -1;  // -1 when it was killed by a signal or ran past the timeout
  std::string output;
};
CommandResult run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

// A test-unique name, e.g. unique("t") -> "t_12345_3" (pid and counter).
std::string unique(const std::string& prefix);

// Every record value of `topic` from the start (reads until each partition's end at call time).
std::vector<std::string> read_topic(const std::string& brokers, const std::string& topic);

}  // namespace orderflow::test
