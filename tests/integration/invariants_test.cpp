// Invariants are asserted where they are kept (vassert): a worker that meets state breaking one stops
// loudly, before its transaction commits, so nothing of the batch is written and the record stays
// unconsumed for the worker that runs after the repair.
#include <gtest/gtest.h>

#include <chrono>

#include "orderflow/http_client.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace std::chrono_literals;
using namespace orderflow;

namespace {

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true, .roles = {"orders", "inventory"}, .env = {}});
  return p;
}

std::string one(const std::string& query) {
  const auto rows = test::sql_rows(pipeline().dsn(), query);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

}  // namespace

TEST(Invariants, AStockRowBreakingTheLedgersInvariantStopsTheWorkerAndWritesNothing) {
  auto& p = pipeline();
  auto c = p.client();
  const std::string sku = test::unique("CORRUPT");
  test::seed_product(p.dsn(), sku, 100, 5);
  // Corrupt the row the way only a bug (or a hand edit) could: the table's own CHECK would refuse it.
  p.sql("ALTER TABLE inventory.stock DROP CONSTRAINT IF EXISTS stock_check");
  p.sql("ALTER TABLE inventory.stock DROP CONSTRAINT IF EXISTS stock_available_check");
  p.sql("UPDATE inventory.stock SET available = on_hand + 3 WHERE sku = '" + sku + "'");
  const std::string offsets_before =
      one("SELECT coalesce(sum(next_offset), 0) FROM runtime.consumer_offsets WHERE topic LIKE "
          "'%inventory.commands'");

  const std::string order = test::saga::place_accepted(c, test::unique("cust"), {{sku, 1}});
  ASSERT_FALSE(order.empty());
  // The orders worker sends ReserveStock; the inventory worker meets available 9 > on_hand 5 and stops.
  ASSERT_TRUE(test::wait_until([&] { return !p.worker("inventory").running(); }, 60s))
      << p.worker("inventory").log_tail();
  const std::string log = p.worker("inventory").log_tail(20000);
  EXPECT_NE(log.find("invariant violated: sku " + sku), std::string::npos) << log;
  // Nothing of its batch was written: no reservation, the stock row as corrupted, offsets unmoved.
  EXPECT_EQ(one("SELECT count(*) FROM inventory.reservations WHERE sku = '" + sku + "'"), "0");
  EXPECT_EQ(one("SELECT available FROM inventory.stock WHERE sku = '" + sku + "'"), "8");
  EXPECT_EQ(one("SELECT coalesce(sum(next_offset), 0) FROM runtime.consumer_offsets WHERE topic LIKE "
                "'%inventory.commands'"),
            offsets_before);

  // After the repair a new worker applies the same command: the order is decided.
  p.sql("UPDATE inventory.stock SET available = on_hand WHERE sku = '" + sku + "'");
  p.start_worker("inventory");
  const std::string decided = test::saga::wait_decided(c, order, 60s);
  EXPECT_EQ(test::saga::json_string(decided, "status"), "CONFIRMED") << decided;
}
