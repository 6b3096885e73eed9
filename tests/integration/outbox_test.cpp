// The append-only outbox (migration 007): the relay moves a cursor instead of deleting rows, and whole
// generations go by TRUNCATE. What it must never do: step over a row whose transaction commits after a
// later one (the cursor would pass it and it would never be published), empty a generation that holds a
// row not yet published, or keep a cursor from another cluster's transaction ids after a restore.
// Rows are written here by SQL, as a worker's transaction writes them, onto the inventory role's events
// topic; the inventory worker's relay publishes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <pqxx/pqxx>
#include <thread>

#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

std::string insert_row(pqxx::transaction_base& tx, const std::string& topic, const std::string& payload) {
  return "INSERT INTO runtime.outbox (generation, source, topic, key, payload) SELECT current, "
         "'inventory', " +
         tx.quote(topic) + ", 'outbox-test', convert_to(" + tx.quote(payload) +
         ", 'UTF8') FROM runtime.outbox_generation";
}

void write_row(const test::Pipeline& p, const std::string& payload) {
  pqxx::connection c(p.dsn());
  pqxx::work tx(c);
  tx.exec(insert_row(tx, p.topic("inventory.events"), payload));
  tx.commit();
}

std::vector<std::string> published(const test::Pipeline& p) {
  return test::read_topic(p.config().kafka_brokers, p.topic("inventory.events"));
}

// A row at a position set by hand (a restore's, or one across a power of ten), as SQL; seq from the
// sequence unless given.
std::string insert_row_at(const std::string& topic, const std::string& xid, const std::string& payload,
                          const std::string& seq = "nextval('runtime.outbox_seq')") {
  return "INSERT INTO runtime.outbox (generation, xid, seq, source, topic, key, payload) SELECT current, '" +
         xid + "'::xid8, " + seq + ", 'inventory', '" + topic + "', 'outbox-test', convert_to('" + payload +
         "', 'UTF8') FROM runtime.outbox_generation;";
}

bool has(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return "[" + out + "]";
}

// The relay has published a first row ("before") and its worker is stopped: what is written now waits.
void publish_one_then_stop_the_relay(test::Pipeline& p) {
  write_row(p, "before");
  ASSERT_TRUE(test::wait_until([&] { return has(published(p), "before"); }, 30s))
      << "the relay is not running";
  p.worker("inventory").stop();
}

}  // namespace

// T1 writes its row first and commits last; T2's row (a later transaction id) commits in between. A cursor
// that published T2's row then could never go back for T1's. The relay holds T2's row until T1 ends.
TEST(Outbox, ARowCommittedLateIsNotSteppedOver) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"inventory"}, .env = {}});
  write_row(p, "before");
  ASSERT_TRUE(test::wait_until([&] { return has(published(p), "before"); }, 30s))
      << "the relay is not running";

  pqxx::connection c(p.dsn());
  pqxx::work t1(c);
  t1.exec(insert_row(t1, p.topic("inventory.events"), "written first, committed last"));
  write_row(p, "written second, committed first");
  std::this_thread::sleep_for(1500ms);  // hundreds of relay rounds
  const auto while_open = published(p);
  EXPECT_FALSE(has(while_open, "written second, committed first"))
      << "published while an older transaction was still running: " << joined(while_open);

  t1.commit();
  ASSERT_TRUE(test::wait_until(
      [&] {
        const auto v = published(p);
        return has(v, "written first, committed last") && has(v, "written second, committed first");
      },
      30s))
      << joined(published(p));
  EXPECT_EQ(published(p), (std::vector<std::string>{"before", "written first, committed last",
                                                    "written second, committed first"}));
  EXPECT_EQ(p.sql("SELECT count(*) FROM runtime.outbox_pending"), "0");
}

// Published rows leave by TRUNCATE of their generation (no deleted tuple), while a writer that holds its
// insert open across several housekeeping rounds still has its row published.
TEST(Outbox, PublishedGenerationsAreTruncatedAndAnOpenWriterLosesNothing) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"inventory"}, .env = {}});
  const auto deleted = [&] {
    return p.sql(
        "SELECT coalesce(sum(n_tup_del), 0) FROM pg_stat_user_tables WHERE schemaname = 'runtime'"
        " AND relname LIKE 'outbox%'");
  };
  const std::string deleted_before = deleted();
  for (int i = 0; i < 50; ++i) write_row(p, "row " + std::to_string(i));

  pqxx::connection c(p.dsn());
  pqxx::work slow(c);
  slow.exec(insert_row(slow, p.topic("inventory.events"), "held open"));
  const std::string generation_of_slow =
      slow.exec("SELECT current FROM runtime.outbox_generation")[0][0].c_str();
  // Two housekeeping rounds empty the generation the writer does not use, switch, and then wait on it.
  ASSERT_TRUE(test::wait_until(
      [&] { return p.sql("SELECT current FROM runtime.outbox_generation") != generation_of_slow; }, 30s));
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(p.sql("SELECT count(*) FROM runtime.outbox WHERE payload = convert_to('row 0', 'UTF8')"), "1")
      << "a generation holding an open writer's row was emptied";
  slow.commit();

  ASSERT_TRUE(test::wait_until([&] { return has(published(p), "held open"); }, 30s)) << joined(published(p));
  ASSERT_TRUE(test::wait_until([&] { return p.sql("SELECT count(*) FROM runtime.outbox") == "0"; }, 30s))
      << "published rows stay: " << p.sql("SELECT count(*) FROM runtime.outbox");
  EXPECT_EQ(published(p).size(), 51u);
  std::this_thread::sleep_for(1s);  // statistics reach pg_stat_user_tables within a second
  EXPECT_EQ(deleted(), deleted_before);
}

// Rows go out in (xid, seq) order with xid compared as a number: written with ids 10 then 9, they go out 9
// first (as text, "10" sorts before "9": a relay sorting so would misorder rows, and move its cursor
// backwards, whenever transaction ids cross a power of ten).
TEST(Outbox, RowsGoOutInTransactionIdOrderComparedAsNumbers) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"inventory"}, .env = {}});
  ASSERT_NO_FATAL_FAILURE(publish_one_then_stop_the_relay(p));

  const std::string topic = p.topic("inventory.events");
  test::sql_exec(p.dsn(),
                 "DELETE FROM runtime.outbox; " + insert_row_at(topic, "10", "xid 10") +
                     insert_row_at(topic, "9", "xid 9") +
                     " UPDATE runtime.outbox_relayed SET xid = '3', seq = 0 WHERE source = 'inventory'");
  p.start_worker("inventory");
  ASSERT_TRUE(test::wait_until([&] { return published(p).size() == 3; }, 30s)) << joined(published(p));
  EXPECT_EQ(published(p), (std::vector<std::string>{"before", "xid 9", "xid 10"}));
}

// A restore brings the other cluster's transaction ids, possibly far ahead of this one's: a cursor there
// would pass every new row. outbox_rebase (infra/backup.sh restore runs it) drops what was published and
// restarts the cursor before what was not.
TEST(Outbox, ARebaseAfterARestoreKeepsNewRowsAndDropsPublishedOnes) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"inventory"}, .env = {}});
  ASSERT_NO_FATAL_FAILURE(publish_one_then_stop_the_relay(p));

  const std::string topic = p.topic("inventory.events");
  test::sql_exec(p.dsn(), insert_row_at(topic, "999999999990", "restored, published there", "9000000001") +
                              insert_row_at(topic, "999999999995", "restored, not published", "9000000002") +
                              " UPDATE runtime.outbox_relayed SET xid = '999999999990', seq = 9000000001"
                              " WHERE source = 'inventory'");
  EXPECT_EQ(p.sql("SELECT runtime.outbox_rebase()"), "1");

  p.start_worker("inventory");
  write_row(p, "after the restore");
  ASSERT_TRUE(test::wait_until([&] { return has(published(p), "after the restore"); }, 30s))
      << joined(published(p));
  EXPECT_EQ(published(p),
            (std::vector<std::string>{"before", "restored, not published", "after the restore"}));
}
