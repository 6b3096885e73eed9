// An inventory answer that reaches the orders worker before the order it answers (after a restore or a
// replay, the two topics are re-read from different points) is kept and applied when the order comes.
// Before, it was dropped and marked applied; the order's ReserveStock was then a duplicate for
// inventory, and the order stayed PENDING for ever (backup_test's restore drill found it).
#include <gtest/gtest.h>

#include <atomic>

#include "commands.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

TEST(EarlyAnswers, AReservationBeforeItsOrderConfirmsTheOrderWhenItComes) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"orders"}, .env = {}});  // no inventory
  test::seed_product(p.dsn(), "S1", 300, 10);
  kafka::Producer producer(kafka::ProducerOptions{p.config().kafka_brokers, "test", 10000, 1});
  const std::string customer = test::unique("early");
  const std::string id = order_id_for(customer, "k1");
  std::atomic<int> acked{0};
  auto produce = [&](const std::string& topic, const std::string& value) {
    ASSERT_TRUE(producer.produce(p.topic(topic), id, value, {},
                                 [&](const kafka::DeliveryResult& r) { acked += r.ok; }));
    ASSERT_TRUE(producer.flush(10s));
  };
  produce("inventory.events",
          messages::encode(messages::make_message(messages::StockReserved{{id, "S1", 1, 9, 2}})));
  ASSERT_TRUE(test::wait_until([&] { return p.caught_up("orders"); }, 30s)) << p.progress();
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.early_stock_answers WHERE order_id = '" + id + "'"), "1");

  produce("orders.commands", test::place_order_message(customer, "k1"));
  EXPECT_TRUE(test::wait_until([&] { return p.order_status(id) == "CONFIRMED"; }, 30s))
      << "status " << p.order_status(id) << "; " << p.progress();
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.early_stock_answers"), "0");
  EXPECT_EQ(acked.load(), 2);
}
