// prune-processed never forgets an id that a replay could bring back. AdjustStock is effect-once only
// through its id: re-applied it bumps the SKU's version and publishes another StockAdjusted. Here two
// adjustments were written three days ago (their records' timestamps) and applied then (processed_at
// moved back to match), and they are still in inventory.commands (7-day retention). Before,
// `prune-processed --days 2` forgot their ids and a replay re-applied both adjustments.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>

#include "orderflow/kafka.hpp"
#include "orderflow/messages/message.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

// Writes AdjustStock(sku, on_hand) with the given record timestamp, as a producer did back then.
void adjust_stock_written_at(const test::Pipeline& p, const std::string& sku, int64_t on_hand,
                             int64_t timestamp_ms) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", p.config().kafka_brokers, err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(producer) << err;
  const std::string value = messages::encode(messages::make_message(messages::AdjustStock{sku, on_hand}));
  ASSERT_EQ(producer->produce(p.topic("inventory.commands"), RdKafka::Topic::PARTITION_UA,
                              RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(),
                              sku.data(), sku.size(), timestamp_ms, nullptr),
            RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
}

}  // namespace

TEST(PruneProcessed, KeepsTheIdsOfRecordsAReplayWouldReRead) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"inventory"}, .env = {}});
  test::seed_product(p.dsn(), "PRUNE-1", 100, 10);
  const int64_t three_days_ago = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count() -
                                 3 * 24 * 3600 * 1000LL;
  adjust_stock_written_at(p, "PRUNE-1", 7, three_days_ago);
  adjust_stock_written_at(p, "PRUNE-1", 12, three_days_ago + 1000);
  ASSERT_TRUE(test::wait_until(
      [&] { return p.caught_up("inventory") && p.sql("SELECT count(*) FROM runtime.outbox_pending") == "0"; },
      60s))
      << p.progress();
  const std::string version = p.sql("SELECT version FROM inventory.stock WHERE sku = 'PRUNE-1'");
  const int64_t events = kafka::end_offset_total(p.config().kafka_brokers, p.topic("inventory.events"));
  const std::string group = p.config().topic_prefix + "inventory";
  const std::string ids = "SELECT count(*) FROM runtime.processed_messages WHERE group_id = '" + group + "'";
  ASSERT_EQ(p.sql(ids), "2");

  test::sql_exec(p.dsn(), "UPDATE runtime.processed_messages SET processed_at = now() - interval '3 days'");
  // A group that read nothing that is still in Kafka: its old ids go (pruning still prunes).
  test::sql_exec(
      p.dsn(),
      "INSERT INTO runtime.consumer_offsets (group_id, topic, partition, next_offset) VALUES ('ghost', '" +
          p.topic("carts.commands") + "', 0, 0)");
  test::sql_exec(p.dsn(),
                 "INSERT INTO runtime.processed_messages (group_id, message_id, processed_at) VALUES"
                 " ('ghost', gen_random_uuid(), now() - interval '3 days')");

  const auto pruned = p.run_ctl({"prune-processed", "--days", "2"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_NE(pruned.output.find("still holds records"), std::string::npos) << pruned.output;
  EXPECT_EQ(p.sql(ids), "2") << pruned.output;
  EXPECT_EQ(p.sql("SELECT count(*) FROM runtime.processed_messages WHERE group_id = 'ghost'"), "0")
      << pruned.output;

  // The replay re-reads both AdjustStock commands: nothing may change.
  p.worker("inventory").stop();
  const auto reset = p.run_ctl({"reset-offsets", "inventory"});
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  p.start_worker("inventory");
  ASSERT_TRUE(test::wait_until([&] { return p.caught_up("inventory"); }, 60s)) << p.progress();
  ASSERT_TRUE(
      test::wait_until([&] { return p.sql("SELECT count(*) FROM runtime.outbox_pending") == "0"; }, 30s));
  EXPECT_EQ(p.sql("SELECT version FROM inventory.stock WHERE sku = 'PRUNE-1'"), version);
  EXPECT_EQ(p.sql("SELECT on_hand FROM inventory.stock WHERE sku = 'PRUNE-1'"), "12");
  EXPECT_EQ(kafka::end_offset_total(p.config().kafka_brokers, p.topic("inventory.events")), events)
      << "the replay published events again";
}
