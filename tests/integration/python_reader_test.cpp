// examples/python/read_orders_events.py, a reader of orders.events in another language with a standard
// client (Debian's python3-confluent-kafka) that checks every message against schemas/: it accepts what
// the pipeline writes and fails on a record whose payload breaks its schema.
#include <gtest/gtest.h>

#include <future>

#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true, .roles = {"orders", "inventory"}, .env = {}});
  return p;
}

test::CommandResult run_reader() {
  return test::run_command(
      {"/usr/bin/python3", std::string(ORDERFLOW_SOURCE_DIR) + "/examples/python/read_orders_events.py"},
      {{"ORDERFLOW_KAFKA_BROKERS", pipeline().config().kafka_brokers},
       {"ORDERFLOW_TOPIC_PREFIX", pipeline().config().topic_prefix}},
      120s);
}

TEST(PythonReader, ChecksEveryEventOfPlacedOrdersThenFailsOnAPayloadThatBreaksItsSchema) {
  test::seed_product(pipeline().dsn(), "S1", 900, 100);
  test::seed_product(pipeline().dsn(), "S2", 500, 0);  // out of stock: a rejection too
  auto client = pipeline().client();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(test::saga::place_accepted(client, test::unique("cust"), {{"S1", 2}}));
  ids.push_back(test::saga::place_accepted(client, test::unique("cust"), {{"S2", 1}}));
  for (const auto& id : ids)
    ASSERT_NE(test::saga::json_string(test::saga::wait_decided(client, id), "status"), "PENDING");
  ASSERT_TRUE(test::wait_until([] { return pipeline().quiescent(); }, 30s, 200ms)) << pipeline().progress();

  auto r = run_reader();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 violations, 4 orders"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OrderPlaced: 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OrderConfirmed: 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("OrderRejected: 1"), std::string::npos) << r.output;

  // A well-formed envelope whose OrderPlaced payload has a negative total: written by hand, as a
  // producer that bypassed the typed message layer would (that layer refuses to encode it).
  const std::string order_id = "0b9a3c52-4d1e-5f6a-8b7c-9d0e1f2a3b4c";
  const std::string bad = R"({"id":"6f1c2a9e-0b3d-4c5e-8f7a-1b2c3d4e5f60","type":"OrderPlaced","version":1,)"
                          R"("occurred_at":"2026-12-02T11:00:00Z","key":")" +
                          order_id + R"(","payload":{"order_id":")" + order_id +
                          R"(","customer_id":"c","lines":[{"sku":"S1","quantity":1,"unit_price_cents":900}],)"
                          R"("total_cents":-5,"version":1}})";
  {
    kafka::Producer producer(
        kafka::ProducerOptions{pipeline().config().kafka_brokers, "python-reader-test", 10000, 0});
    std::promise<bool> acked;
    ASSERT_TRUE(producer.produce(pipeline().topic("orders.events"), order_id, bad, {},
                                 [&](const kafka::DeliveryResult& d) { acked.set_value(d.ok); }));
    ASSERT_TRUE(acked.get_future().get());
  }
  r = run_reader();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("VIOLATION orders.events/"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("total_cents"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 violations"), std::string::npos) << r.output;
}

}  // namespace
