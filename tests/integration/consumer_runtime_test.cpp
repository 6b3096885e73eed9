// Guarantee 3 and 6 in the consumer runtime, with the orders role: effect-once under redelivery and
// crashes, poison records to the dead-letter topic without stopping, recovery from a lost database.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <map>
#include <random>

#include "commands.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/producers/kafka_producer.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"orders"}, .env = {}});
  return p;
}

kafka::Producer& producer() {
  static kafka::Producer p(kafka::ProducerOptions{pipeline().config().kafka_brokers, "test", 10000, 1});
  return p;
}

// Produces raw bytes to orders.commands and waits for the broker's ack.
void produce_raw(const std::string& key, const std::string& value) {
  std::promise<bool> acked;
  ASSERT_TRUE(producer().produce(pipeline().topic("orders.commands"), key, value, {},
                                 [&](const kafka::DeliveryResult& r) { acked.set_value(r.ok); }));
  ASSERT_TRUE(acked.get_future().get());
}

// A record of a foreign producer: a well-formed envelope around whatever type and payload it says
// (hand-written, so it can break the contract the message layer would refuse to write).
std::string raw_envelope(const std::string& type, const std::string& key, const std::string& payload) {
  return R"({"id":")" + random_uuid() + R"(","type":")" + type + R"(","version":1,"occurred_at":")" +
         utc_now_iso8601() + R"(","key":")" + key + R"(","payload":)" + payload + "}";
}

// Produces n PlaceOrder commands for `customer` without waiting for each ack; returns when all are acked.
void produce_orders(const std::string& customer, int n, int first = 0) {
  std::atomic<int> acked{0};
  for (int i = first; i < first + n; ++i) {
    const std::string key = "k" + std::to_string(i);
    std::string err;
    while (!producer().produce(
        pipeline().topic("orders.commands"), order_id_for(customer, key),
        test::place_order_message(customer, key), {},
        [&](const kafka::DeliveryResult& r) { acked += r.ok ? 1 : 0; }, &err)) {
      std::this_thread::sleep_for(10ms);  // local queue full: let it drain
    }
  }
  ASSERT_TRUE(producer().flush(30s));
  ASSERT_EQ(acked.load(), n);
}

std::string orders_of(const std::string& customer) {
  return pipeline().sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'");
}
std::string lines_of(const std::string& customer) {
  return pipeline().sql(
      "SELECT count(*) FROM orders.order_lines l JOIN orders.orders o USING (order_id) WHERE o.customer_id = "
      "'" +
      customer + "'");
}

bool caught_up() {
  return pipeline().caught_up("orders");
}

}  // namespace

TEST(ConsumerRuntime, DuplicateRecordsInTheTopicMakeOneOrder) {
  const std::string customer = test::unique("dup");
  const std::string message = test::place_order_message(customer, "k");
  for (int i = 0; i < 3; ++i) produce_raw(order_id_for(customer, "k"), message);
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  EXPECT_EQ(orders_of(customer), "1");
  EXPECT_EQ(lines_of(customer), "1");
}

TEST(ConsumerRuntime, ReplayingThePartitionsFromZeroChangesNothing) {
  const std::string customer = test::unique("replay");
  produce_orders(customer, 50);
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  ASSERT_EQ(orders_of(customer), "50");
  const auto total_before = pipeline().sql("SELECT count(*) FROM orders.orders");

  // Forget the stored offsets and the processed message ids: on restart the worker seeks to 0 and
  // applies every record again, so this checks that PlaceOrder itself is idempotent (by order id).
  ASSERT_EQ(pipeline().worker("orders").stop(SIGTERM), 0);
  test::sql_exec(pipeline().dsn(),
                 "DELETE FROM runtime.consumer_offsets; DELETE FROM runtime.processed_messages");
  pipeline().start_worker("orders");
  ASSERT_TRUE(test::wait_until(caught_up, 60s));
  EXPECT_EQ(orders_of(customer), "50");
  EXPECT_EQ(lines_of(customer), "50");
  EXPECT_EQ(pipeline().sql("SELECT count(*) FROM orders.orders"), total_before);
}

TEST(ConsumerRuntime, StoredOffsetsWinOverKafkasCommittedOffsets) {
  // Kafka's committed offsets are only for lag tools: if they say "done" but the database does not
  // (no stored offsets, no processed ids), the records are applied again: the deleted orders come back.
  const std::string customer = test::unique("dbwins");
  produce_orders(customer, 10);
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  ASSERT_EQ(pipeline().worker("orders").stop(SIGTERM), 0);
  test::sql_exec(pipeline().dsn(),
                 "BEGIN; DELETE FROM orders.order_lines l USING orders.orders o WHERE l.order_id = "
                 "o.order_id AND o.customer_id = '" +
                     customer +
                     "'; DELETE FROM orders.orders WHERE "
                     "customer_id = '" +
                     customer +
                     "'; DELETE FROM runtime.consumer_offsets; "
                     "DELETE FROM runtime.processed_messages; COMMIT;");
  pipeline().start_worker("orders");
  ASSERT_TRUE(test::wait_until(caught_up, 60s));
  EXPECT_EQ(orders_of(customer), "10");
}

// The orders worker's count of records skipped by their id.
double duplicates_counted() {
  http::Client c("127.0.0.1", pipeline().metrics_port("orders"));
  const std::string body = c.get("/metrics").body;
  const std::string series = R"(orderflow_duplicate_records_total{role="orders"} )";
  const auto at = body.find(series);
  return at == std::string::npos ? 0 : std::stod(body.substr(at + series.size()));
}

std::string status_and_version(const std::string& order_id) {
  return pipeline().sql("SELECT status || ' v' || version FROM orders.orders WHERE order_id = '" + order_id +
                        "'");
}

std::string processed_rows(const std::string& message_id) {
  return pipeline().sql("SELECT count(*) FROM runtime.processed_messages WHERE message_id = '" + message_id +
                        "'");
}

TEST(ConsumerRuntime, ARepeatedCancelSeenAgainAfterItsOffsetIsSkippedByItsId) {
  // The same CancelOrder published twice, far apart (as a relay that crashed between send and delete
  // does). CancelOrder is not idempotent by state: each copy applied would emit its own answer (here a
  // refusal: S1 is not in this test's catalog, so the order is REJECTED). The second copy is skipped by
  // its id, and counted as a duplicate.
  const std::string customer = test::unique("again");
  const std::string order_id = order_id_for(customer, "k");
  produce_raw(order_id, test::place_order_message(customer, "k"));
  const auto cancel = messages::make_message(messages::CancelOrder{order_id, "changed my mind"});
  produce_raw(order_id, messages::encode(cancel));
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  ASSERT_EQ(status_and_version(order_id), "REJECTED v2");
  EXPECT_EQ(processed_rows(cancel.id), "1");
  const double counted = duplicates_counted();
  produce_raw(order_id, messages::encode(cancel));
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  EXPECT_TRUE(test::wait_until([&] { return duplicates_counted() == counted + 1; }, 10s))
      << counted << " -> " << duplicates_counted();
  EXPECT_EQ(status_and_version(order_id), "REJECTED v2");
}

TEST(ConsumerRuntime, ARepeatedPlaceOrderIsAbsorbedByTheOrderRowAndKeepsNoId) {
  // PlaceOrder is idempotent by state (the order row exists): a copy that comes after the order moved
  // on (here: rejected, S1 is not in this test's catalog, then a cancel refused) changes nothing, and no
  // runtime.processed_messages row is written for it.
  const std::string customer = test::unique("absorbed");
  const std::string order_id = order_id_for(customer, "k");
  const std::string place = test::place_order_message(customer, "k");
  produce_raw(order_id, place);
  produce_raw(order_id,
              messages::encode(messages::make_message(messages::CancelOrder{order_id, std::nullopt})));
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  ASSERT_EQ(status_and_version(order_id), "REJECTED v2");
  const double counted = duplicates_counted();
  produce_raw(order_id, place);
  ASSERT_TRUE(test::wait_until(caught_up, 30s));
  EXPECT_EQ(status_and_version(order_id), "REJECTED v2");
  EXPECT_EQ(orders_of(customer), "1");
  EXPECT_EQ(lines_of(customer), "1");
  const auto decoded = messages::decode(place);
  ASSERT_TRUE(std::holds_alternative<messages::Message>(decoded));
  EXPECT_EQ(processed_rows(std::get<messages::Message>(decoded).id), "0");
  EXPECT_EQ(duplicates_counted(), counted);  // absorbed by the state, not skipped by an id
}

TEST(ConsumerRuntime, PoisonRecordsGoToTheDeadLetterTopicAndTheWorkerGoesOn) {
  const std::string customer = test::unique("poison");
  const std::string dlq = pipeline().topic("orders.commands.dlq");
  const size_t dlq_before = test::read_topic(pipeline().config().kafka_brokers, dlq).size();
  produce_raw("k1", "this is not json");
  produce_raw("k2", R"({"id":"x","type":"PlaceOrder"})");                         // envelope fails its schema
  produce_raw("k3", raw_envelope("PlaceOrder", "k3", R"({"order_id":"nope"})"));  // payload fails
  produce_raw("k4", raw_envelope("Mystery", "k4", "{}"));                         // unknown type
  produce_raw(order_id_for(customer, "after"), test::place_order_message(customer, "after"));
  ASSERT_TRUE(test::wait_until([&] { return orders_of(customer) == "1"; }, 30s)) << "the worker stopped";
  std::vector<std::string> dead;
  ASSERT_TRUE(test::wait_until(
      [&] {
        dead = test::read_topic(pipeline().config().kafka_brokers, dlq);
        return dead.size() >= dlq_before + 4;
      },
      30s));
  ASSERT_EQ(dead.size(), dlq_before + 4);
  // The dead letters are the original bytes, unchanged.
  EXPECT_NE(std::find(dead.begin(), dead.end(), "this is not json"), dead.end());
}

TEST(ConsumerRuntime, DeadLetterHeadersSayWhyAndWhere) {
  const std::string key = test::unique("why");
  produce_raw(key, "{broken");
  const std::string dlq = pipeline().topic("orders.commands.dlq");
  // Read the DLQ with headers.
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", pipeline().config().kafka_brokers, err);
  conf->set("group.id", test::unique("dlqreader"), err);
  conf->set("auto.offset.reset", "earliest", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  consumer->subscribe({dlq});
  std::map<std::string, std::string> headers;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (headers.empty() && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR || m->key() == nullptr || *m->key() != key) continue;
    for (const auto& h : m->headers()->get_all()) {
      headers[h.key()] = std::string(static_cast<const char*>(h.value()), h.value_size());
    }
  }
  consumer->close();
  ASSERT_FALSE(headers.empty()) << "no dead letter for " << key;
  EXPECT_NE(headers["dlq.reason"].find("not JSON"), std::string::npos) << headers["dlq.reason"];
  EXPECT_EQ(headers["dlq.source.topic"], pipeline().topic("orders.commands"));
  EXPECT_FALSE(headers["dlq.source.offset"].empty());
  EXPECT_EQ(headers["dlq.consumer"], "orders");
}

TEST(ConsumerRuntime, KilledWorkerLosesAndDuplicatesNothing) {
  // kill -9 at random moments while records flow: every record is applied exactly once in the end.
  const std::string customer = test::unique("crash");
  constexpr int kOrders = 3000;
  std::thread feeder([&] { produce_orders(customer, kOrders); });
  std::mt19937 rng(std::random_device{}());
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 600));
    pipeline().worker("orders").kill9();
    pipeline().start_worker("orders");
  }
  feeder.join();
  ASSERT_TRUE(test::wait_until(caught_up, 120s));
  EXPECT_EQ(orders_of(customer), std::to_string(kOrders));
  EXPECT_EQ(lines_of(customer), std::to_string(kOrders));
}

TEST(ConsumerRuntime, SigtermFinishesTheBatchAndExitsCleanly) {
  const std::string customer = test::unique("term");
  std::thread feeder([&] { produce_orders(customer, 1000); });
  std::this_thread::sleep_for(300ms);
  const int status = pipeline().worker("orders").stop(SIGTERM, 20000);
  feeder.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  pipeline().start_worker("orders");
  ASSERT_TRUE(test::wait_until(caught_up, 60s));
  EXPECT_EQ(orders_of(customer), "1000");
}

TEST(ConsumerRuntime, LostDatabaseConnectionsAreRetriedWithoutSkipping) {
  const std::string customer = test::unique("dbdown");
  std::thread feeder([&] { produce_orders(customer, 500); });
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(100ms);
    // Cut every connection of this pipeline's database (the worker's included).
    test::sql_exec(test::stack().pg_dsn,
                   "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                       pipeline().sql("SELECT current_database()") + "' AND pid <> pg_backend_pid()");
  }
  feeder.join();
  ASSERT_TRUE(test::wait_until(caught_up, 60s));
  EXPECT_EQ(orders_of(customer), "500");
  EXPECT_TRUE(pipeline().worker("orders").running());
}
