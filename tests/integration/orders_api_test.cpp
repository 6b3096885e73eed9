// POST /v1/orders -> 202 -> PlaceOrder in Kafka -> order persisted by the orders worker -> GET.
#include <gtest/gtest.h>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/kafka.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

// Only the orders worker runs: an order stays PENDING (nobody answers its reservations), which is
// what this suite looks at. SKU-1 is in the catalog, so the order is not rejected as unknown.
test::Pipeline& pipeline() {
  static test::Pipeline p;
  static const bool seeded = [] {
    test::sql_exec(p.dsn(),
                   "INSERT INTO catalog.products (sku, name, price_cents) VALUES ('SKU-1', 'Test', 100)");
    return true;
  }();
  (void)seeded;
  return p;
}

std::string order_body(const std::string& customer, const std::string& sku = "SKU-1", int quantity = 2) {
  return R"({"customer_id":")" + customer + R"(","lines":[{"sku":")" + sku + R"(","quantity":)" +
         std::to_string(quantity) + "}]}";
}

http::Response place(http::Client& c, const std::string& customer, const std::string& key) {
  return c.post_json("/v1/orders", order_body(customer), {{"Idempotency-Key", key}});
}

bool persisted(const std::string& order_id) {
  return !pipeline().sql("SELECT 1 FROM orders.orders WHERE order_id = '" + order_id + "'").empty();
}

}  // namespace

TEST(OrdersApi, AcceptedOrderIsPersistedAndReadable) {
  auto c = pipeline().client();
  const std::string customer = test::unique("cust");
  const auto r = place(c, customer, "k-1");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string order_id = order_id_for(customer, "k-1");
  EXPECT_EQ(r.header("location"), "/v1/orders/" + order_id);
  auto body = json::parse(r.body);
  ASSERT_TRUE(body);
  EXPECT_EQ(std::string((*body)["order_id"].GetString()), order_id);
  EXPECT_EQ(std::string((*body)["status"].GetString()), "PENDING");

  ASSERT_TRUE(test::wait_until([&] { return persisted(order_id); }, 20s));
  // GETs read the projections: the order shows there once its OrderPlaced was projected.
  http::Response got;
  ASSERT_TRUE(test::wait_until([&] { return (got = c.get("/v1/orders/" + order_id)).status == 200; }, 20s))
      << got.body;
  auto order = json::parse(got.body);
  ASSERT_TRUE(order);
  EXPECT_EQ(std::string((*order)["customer_id"].GetString()), customer);
  EXPECT_EQ(std::string((*order)["status"].GetString()), "PENDING");
  ASSERT_EQ((*order)["lines"].Size(), 1u);
  EXPECT_EQ(std::string((*order)["lines"][0]["sku"].GetString()), "SKU-1");
  EXPECT_EQ((*order)["lines"][0]["quantity"].GetInt(), 2);
  // Its timeline so far: the OrderPlaced, when it happened; and how fresh the read is.
  ASSERT_TRUE((*order)["timeline"].IsArray()) << got.body;
  ASSERT_GE((*order)["timeline"].Size(), 1u) << got.body;
  EXPECT_STREQ((*order)["timeline"][0]["type"].GetString(), "OrderPlaced");
  EXPECT_STREQ((*order)["timeline"][0]["detail"]["customer_id"].GetString(), customer.c_str());
  EXPECT_GE(std::stoll(got.header("projection-position")), 1);
  EXPECT_NE(got.header("projection-as-of"), "");
}

TEST(OrdersApi, UnknownOrderIs404AndMalformedIdIs400) {
  auto c = pipeline().client();
  EXPECT_EQ(c.get("/v1/orders/" + random_uuid()).status, 404);
  const auto bad = c.get("/v1/orders/not-a-uuid");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("\"field\":\"id\""), std::string::npos) << bad.body;
}

TEST(OrdersApi, SameIdempotencyKeyTwiceMakesOneOrder) {
  auto c = pipeline().client();
  const std::string customer = test::unique("cust");
  const auto before =
      kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands"));
  const auto first = place(c, customer, "same-key");
  const auto second = place(c, customer, "same-key");
  ASSERT_EQ(first.status, 202);
  ASSERT_EQ(second.status, 202);
  EXPECT_EQ(first.body, second.body);  // same order id: derived, not stored
  // Both commands reached Kafka (the api is stateless); the worker made one order of them.
  EXPECT_EQ(kafka::end_offset_total(pipeline().config().kafka_brokers, pipeline().topic("orders.commands")),
            before + 2);
  const std::string order_id = order_id_for(customer, "same-key");
  ASSERT_TRUE(test::wait_until([&] { return persisted(order_id); }, 20s));
  // Wait until the worker consumed both commands, then count.
  ASSERT_TRUE(test::wait_until(
      [&] {
        return pipeline().sql("SELECT sum(next_offset) FROM runtime.consumer_offsets WHERE topic = '" +
                              pipeline().topic("orders.commands") + "'") == std::to_string(before + 2);
      },
      20s));
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'"), "1");
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM orders.order_lines WHERE order_id = '" + order_id + "'"),
            "1");
}

TEST(OrdersApi, DifferentKeysMakeDifferentOrders) {
  auto c = pipeline().client();
  const std::string customer = test::unique("cust");
  ASSERT_EQ(place(c, customer, "a").status, 202);
  ASSERT_EQ(place(c, customer, "b").status, 202);
  ASSERT_TRUE(test::wait_until(
      [&] {
        return pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'") ==
               "2";
      },
      20s));
}

TEST(OrdersApi, ManyConcurrentClientsAllGet202AndAllPersist) {
  const std::string customer = test::unique("cust");
  constexpr int kThreads = 8, kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = pipeline().client();
      for (int i = 0; i < kPerThread; ++i) {
        if (place(c, customer, std::to_string(t) + "-" + std::to_string(i)).status == 202) ++accepted;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kThreads * kPerThread);
  EXPECT_TRUE(test::wait_until(
      [&] {
        return pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'") ==
               std::to_string(kThreads * kPerThread);
      },
      30s));
}
