// Adaptive batching (Config::batch_linger_ms): a steady, moderate load is applied in large
// transactions, not one per few records, and a lone record after an idle spell does not wait.
// Checked by what the worker did (its orderflow_batch_records histogram), not by how fast.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>

#include "commands.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

// Long enough that the steady feed below fills a batch to the linger size well inside it, and that a
// record waiting for it would be plainly late.
constexpr int kLingerMs = 3000;

test::Pipeline& pipeline() {
  static test::Pipeline p(
      test::Pipeline::Options{.api = false,
                              .roles = {"orders"},
                              .env = {{"ORDERFLOW_BATCH_LINGER_MS", std::to_string(kLingerMs)},
                                      {"ORDERFLOW_BATCH_LINGER_RECORDS", "100"}}});
  return p;
}

kafka::Producer& producer() {
  static kafka::Producer p(kafka::ProducerOptions{pipeline().config().kafka_brokers, "test", 10000, 1});
  return p;
}

void produce_order(const std::string& customer, const std::string& key, std::atomic<int>& acked) {
  std::string err;
  while (!producer().produce(
      pipeline().topic("orders.commands"), order_id_for(customer, key),
      test::place_order_message(customer, key), {},
      [&](const kafka::DeliveryResult& r) { acked += r.ok ? 1 : 0; }, &err)) {
    std::this_thread::sleep_for(10ms);
  }
}

std::string orders_of(const std::string& customer) {
  return pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'");
}

// Transactions the worker committed and the records they held, from its /metrics.
struct Batches {
  double transactions = 0, records = 0;
};
Batches batches() {
  http::Client c("127.0.0.1", pipeline().metrics_port("orders"));
  const std::string body = c.get("/metrics").body;
  auto value = [&](const std::string& name) {
    const std::regex re(name + R"(\{role="orders"\} ([0-9.e+]+))");
    std::smatch m;
    return std::regex_search(body, m, re) ? std::stod(m[1]) : 0.0;
  };
  return {value("orderflow_batch_records_count"), value("orderflow_batch_records_sum")};
}

}  // namespace

TEST(BatchLinger, ASteadyModerateLoadIsAppliedInLargeTransactions) {
  const std::string customer = test::unique("steady");
  constexpr int kOrders = 400;
  const Batches before = batches();
  // ~100 records/s, one at a time: without a linger each transaction takes the one or two records that
  // arrived while the previous one committed.
  std::atomic<int> acked{0};
  for (int i = 0; i < kOrders; ++i) {
    produce_order(customer, "k" + std::to_string(i), acked);
    producer().flush(1s);
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(producer().flush(30s));
  ASSERT_EQ(acked.load(), kOrders);
  ASSERT_TRUE(test::wait_until([&] { return orders_of(customer) == std::to_string(kOrders); }, 60s));
  const Batches after = batches();
  const double transactions = after.transactions - before.transactions;
  const double records = after.records - before.records;
  ASSERT_GE(records, kOrders);
  // Lingering to 100 records at ~100/s: about 4 transactions; without it, hundreds.
  EXPECT_GE(records / transactions, 40.0) << records << " records in " << transactions << " transactions";
}

TEST(BatchLinger, ALoneRecordAfterAnIdleSpellIsNotHeldForTheLinger) {
  const std::string customer = test::unique("lone");
  ASSERT_TRUE(test::wait_until([&] { return pipeline().caught_up("orders"); }, 60s));
  std::this_thread::sleep_for(std::chrono::milliseconds(kLingerMs + 1000));  // idle for a whole linger
  std::atomic<int> acked{0};
  produce_order(customer, "k", acked);
  ASSERT_TRUE(producer().flush(10s));
  ASSERT_EQ(acked.load(), 1);
  // Applied well before the linger would have ended (a lingering worker holds it the whole 3 s).
  EXPECT_TRUE(
      test::wait_until([&] { return orders_of(customer) == "1"; }, std::chrono::milliseconds(kLingerMs / 2)))
      << "the lone record waited for the linger";
}

TEST(BatchLinger, ASlowSteadyFeedIsNotHeldForTheLinger) {
  // One record every 1.2 s: each comes well inside a linger of the one before (the loop counts as busy),
  // but a 3 s linger would gather two more at most, not worth holding each record up to 3 s.
  const std::string customer = test::unique("slow");
  ASSERT_TRUE(test::wait_until([&] { return pipeline().caught_up("orders"); }, 60s));
  std::this_thread::sleep_for(1500ms);  // what earlier tests fed is out of the worker's last second
  std::atomic<int> acked{0};
  for (int i = 0; i < 4; ++i) {
    produce_order(customer, "k" + std::to_string(i), acked);
    ASSERT_TRUE(producer().flush(10s));
    const auto sent = std::chrono::steady_clock::now();
    EXPECT_TRUE(test::wait_until([&] { return orders_of(customer) == std::to_string(i + 1); },
                                 std::chrono::milliseconds(kLingerMs / 2)))
        << "record " << i << " waited for the linger";
    std::this_thread::sleep_until(sent + 1200ms);
  }
}
