// A PostgreSQL that hangs rather than refuses (here: every table the api reads locked by a transaction
// that does not end) must not hold back what needs only Kafka. Before the database lane, two GETs
// blocked both Pistache threads and POST /v1/orders waited with them.
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "orderflow/http_client.hpp"
#include "orderflow/ids.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

TEST(HungDatabase, OrdersAreAcceptedAndReadsAnswer503WhileThePostgresReadsHang) {
  test::Pipeline p(test::Pipeline::Options{.api = true, .roles = {}, .env = {}});
  test::seed_product(p.dsn(), "HUNG-1", 500, 10);

  // The producer connected and the topic's leaders known first: what is measured below is PostgreSQL.
  auto warm = p.client(0, 15s);
  ASSERT_TRUE(test::wait_until(
      [&] {
        return warm.post_json("/v1/orders",
                              R"({"customer_id":"hung","lines":[{"sku":"HUNG-1","quantity":1}]})",
                              {{"Idempotency-Key", "warm-up"}})
                   .status == 202;
      },
      60s, 500ms));

  pqxx::connection holder(p.dsn());
  pqxx::work lock(holder);
  for (const auto& row :
       lock.exec("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                 " WHERE schemaname IN ('orders', 'catalog', 'inventory', 'carts', 'views')")) {
    lock.exec("LOCK TABLE " + row[0].as<std::string>() + " IN ACCESS EXCLUSIVE MODE");
  }

  // More reads than the api has threads of any kind: each hangs on the locks.
  std::vector<std::future<http::Response>> reads;
  for (int i = 0; i < 8; ++i) {
    reads.push_back(std::async(std::launch::async, [&, i] {
      auto c = p.client(0, 90s);
      return c.get("/v1/orders/" + order_id_for("hung", "k" + std::to_string(i)));
    }));
  }
  std::this_thread::sleep_for(1s);

  auto client = p.client(0, 15s);
  const auto placed =
      client.post_json("/v1/orders", R"({"customer_id":"hung","lines":[{"sku":"HUNG-1","quantity":1}]})",
                       {{"Idempotency-Key", "while-hung"}});
  EXPECT_EQ(placed.status, 202) << placed.error << placed.body;
  EXPECT_EQ(client.get("/healthz").status, 200);
  // Reads beyond what the lane can hold get 503 (and a body naming why) instead of hanging.
  const auto busy = client.get("/v1/products/HUNG-1");
  EXPECT_EQ(busy.status, 503) << busy.error << busy.body;
  EXPECT_NE(busy.body.find("database_busy"), std::string::npos) << busy.body;
  EXPECT_EQ(client.get("/readyz").status, 503);

  lock.abort();
  for (auto& r : reads) {
    const auto answer = r.get();
    EXPECT_TRUE(answer.status == 404 || answer.status == 503) << answer.status << " " << answer.error;
  }
  EXPECT_TRUE(test::wait_until([&] { return client.get("/v1/products/HUNG-1").status == 200; }, 30s));
}
