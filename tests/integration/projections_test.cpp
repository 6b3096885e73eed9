// The projections role (the read side): after a few hundred mixed orders, cancels and restocks, the
// views in schema `views` say what the owning contexts say (orders.orders, inventory.stock), the sales
// per minute are the confirmed minus the cancelled, and the timeline holds every event about an order
// once. Then the views are put through what effect-once must survive: every event delivered a second
// time (new offsets, same ids), and a replay of both topics from the start with the processed ids
// forgotten, so that only the views' own guards stand between a replay and doubled sales.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminToken = "projections-admin";

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true,
                                                  .roles = {"inventory", "orders", "projections"},
                                                  .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken}}});
  return p;
}

// Everything the views hold but their progress (which moves with every delivery, even a duplicate).
std::string views_snapshot(const test::Pipeline& p) {
  return p.sql(
      "SELECT md5(concat_ws('|',"
      " (SELECT string_agg(concat_ws(',', order_id, customer_id, cart_id, status, reason, total_cents, "
      "version,"
      "   placed_at, updated_at), ';' ORDER BY order_id) FROM views.orders),"
      " (SELECT string_agg(concat_ws(',', order_id, line_no, sku, quantity, unit_price_cents), ';'"
      "   ORDER BY order_id, line_no) FROM views.order_lines),"
      " (SELECT string_agg(concat_ws(',', order_id, event_id, type, occurred_at, detail), ';'"
      "   ORDER BY order_id, event_id) FROM views.order_events),"
      " (SELECT string_agg(concat_ws(',', sku, available, available_version, on_hand, on_hand_version), ';'"
      "   ORDER BY sku) FROM views.stock),"
      " (SELECT string_agg(concat_ws(',', minute, orders, units, revenue_cents), ';' ORDER BY minute)"
      "   FROM views.sales_per_minute),"
      " (SELECT string_agg(concat_ws(',', minute, sku, orders, units, revenue_cents), ';' ORDER BY minute, "
      "sku)"
      "   FROM views.sku_sales_per_minute)))");
}

// The projections have read everything the other roles published.
bool settled(const test::Pipeline& p) {
  return p.sql("SELECT count(*) FROM orders.orders WHERE status = 'PENDING'") == "0" &&
         p.sql("SELECT count(*) FROM runtime.outbox_pending") == "0" && p.caught_up("projections");
}

// Writes every record of `topic` once more, as a relay that crashed after sending and before deleting
// its outbox rows would: same bytes, same ids, new offsets.
void deliver_again(const test::Pipeline& p, const std::string& topic) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  conf->set("bootstrap.servers", p.config().kafka_brokers, err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(producer) << err;
  for (const auto& value : test::read_topic(p.config().kafka_brokers, p.topic(topic))) {
    auto envelope = json::parse(value);
    ASSERT_TRUE(envelope);
    const std::string key = (*envelope)["key"].GetString();
    RdKafka::ErrorCode queued;
    // A long history (e.g. under --gtest_repeat, which doubles it each time) fills the local queue.
    while ((queued = producer->produce(p.topic(topic), RdKafka::Topic::PARTITION_UA,
                                       RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                                       value.size(), key.data(), key.size(), 0, nullptr)) ==
           RdKafka::ERR__QUEUE_FULL)
      producer->poll(50);
    ASSERT_EQ(queued, RdKafka::ERR_NO_ERROR);
    producer->poll(0);
  }
  ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
}

std::string order_id_of(const http::Response& r) {
  auto doc = json::parse(r.body);
  return doc && doc->HasMember("order_id") ? (*doc)["order_id"].GetString() : "";
}

// `orders` orders over 8 customers and 4 scarce SKUs (some are rejected for short stock), every 5th
// one cancelled once decided, and restocks half-way.
void drive_mixed_traffic(test::Pipeline& p, const std::string& run, int orders) {
  std::mt19937 rng(20261202);
  std::vector<std::string> skus;
  for (int i = 0; i < 4; ++i) {
    skus.push_back(run + "-SKU" + std::to_string(i));
    p.seed_product(skus.back(), 250 + 100 * i, orders / 8);
  }
  auto c = p.client();
  std::vector<std::string> ids;
  for (int n = 0; n < orders; ++n) {
    if (n == orders / 2) {
      for (const auto& sku : skus) {
        const auto r = c.request(
            "PUT", "/v1/admin/stock/" + sku, R"({"on_hand":)" + std::to_string(orders / 4) + "}",
            {{"Authorization", std::string("Bearer ") + kAdminToken}, {"Content-Type", "application/json"}});
        ASSERT_EQ(r.status, 202) << r.body;
      }
    }
    const size_t first = rng() % skus.size();
    const auto& a = skus[first];
    const auto& b = skus[(first + 1 + rng() % (skus.size() - 1)) % skus.size()];
    const std::string body = R"({"customer_id":")" + run + "-c" + std::to_string(n % 8) +
                             R"(","lines":[{"sku":")" + a + R"(","quantity":)" +
                             std::to_string(1 + rng() % 3) + R"(},{"sku":")" + b + R"(","quantity":1}]})";
    const auto r = c.post_json("/v1/orders", body, {{"Idempotency-Key", run + "-" + std::to_string(n)}});
    ASSERT_EQ(r.status, 202) << r.body << r.error << "; the api: " << p.api().how_it_ended();
    ids.push_back(order_id_of(r));
  }
  ASSERT_TRUE(test::wait_until(
      [&] { return p.sql("SELECT count(*) FROM orders.orders WHERE status = 'PENDING'") == "0"; }, 90s));
  for (size_t i = 0; i < ids.size(); i += 5) {
    const auto r = c.post_json("/v1/orders/" + ids[i] + "/cancel", R"({"reason":"changed my mind"})");
    ASSERT_TRUE(r.status == 202 || r.status == 409) << r.body;
  }
}

void expect_views_match_the_owning_contexts(test::Pipeline& p) {
  ASSERT_TRUE(test::wait_until(
      [&] {
        return settled(p) && p.sql(
                                 "SELECT count(*) FROM orders.orders o JOIN views.orders v USING (order_id)"
                                 " WHERE o.status = v.status") == p.sql("SELECT count(*) FROM orders.orders");
      },
      90s))
      << p.progress();

  // Each order as the orders context has it: status, reason, version, total, lines.
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.orders o FULL JOIN views.orders v USING (order_id)"
                  " WHERE v.order_id IS NULL OR o.order_id IS NULL OR o.status <> v.status"
                  " OR o.version <> v.version OR o.total_cents <> v.total_cents"
                  " OR o.customer_id <> v.customer_id OR o.reason IS DISTINCT FROM v.reason"),
            "0");
  EXPECT_EQ(
      p.sql("SELECT count(*) FROM (SELECT order_id, sku, quantity, unit_price_cents FROM orders.order_lines"
            " EXCEPT SELECT order_id, sku, quantity, unit_price_cents FROM views.order_lines) d"),
      "0");
  EXPECT_EQ(p.sql("SELECT count(*) FROM orders.order_lines"),
            p.sql("SELECT count(*) FROM views.order_lines"));
  // Stock as the inventory context has it.
  EXPECT_EQ(p.sql("SELECT count(*) FROM inventory.stock s FULL JOIN views.stock v USING (sku)"
                  " WHERE v.sku IS NULL OR s.sku IS NULL OR s.available <> v.available"
                  " OR s.on_hand IS DISTINCT FROM v.on_hand"),
            "0");
  // Sales: the confirmed orders that stayed confirmed, in total and per SKU.
  const auto confirmed = p.sql(
      "SELECT count(*) || ' ' || sum(l.units) || ' ' || sum(o.total_cents) FROM orders.orders o JOIN"
      " (SELECT order_id, sum(quantity) AS units FROM orders.order_lines GROUP BY 1) l USING (order_id)"
      " WHERE o.status = 'CONFIRMED'");
  EXPECT_EQ(
      p.sql(
          "SELECT sum(orders) || ' ' || sum(units) || ' ' || sum(revenue_cents) FROM views.sales_per_minute"),
      confirmed);
  EXPECT_EQ(
      p.sql("SELECT count(*) FROM (SELECT l.sku, count(*) AS orders, sum(l.quantity) AS units,"
            " sum(l.quantity * l.unit_price_cents) AS revenue FROM orders.orders o"
            " JOIN orders.order_lines l USING (order_id) WHERE o.status = 'CONFIRMED' GROUP BY 1"
            " EXCEPT SELECT sku, sum(orders), sum(units), sum(revenue_cents) FROM views.sku_sales_per_minute"
            " GROUP BY 1 HAVING sum(orders) <> 0) d"),
      "0");
  ASSERT_NE(p.sql("SELECT count(*) FROM orders.orders WHERE status = 'CANCELLED'"), "0");
  ASSERT_NE(p.sql("SELECT count(*) FROM orders.orders WHERE status = 'REJECTED'"), "0");
  // The timeline: every event about an order, once (the topics may hold a record twice: counted by
  // id): all of orders.events, and inventory's answers.
  std::set<std::string> order_events, answers;
  for (const auto& value : test::read_topic(p.config().kafka_brokers, p.topic("orders.events")))
    order_events.insert((*json::parse(value))["id"].GetString());
  for (const auto& value : test::read_topic(p.config().kafka_brokers, p.topic("inventory.events"))) {
    const auto envelope = *json::parse(value);
    const std::string type = envelope["type"].GetString();
    if (type == "StockReserved" || type == "StockShort" || type == "StockReleased")
      answers.insert(envelope["id"].GetString());
  }
  EXPECT_EQ(p.sql("SELECT count(*) FROM views.order_events WHERE type LIKE 'Order%'"),
            std::to_string(order_events.size()));
  EXPECT_EQ(p.sql("SELECT count(*) FROM views.order_events WHERE type LIKE 'Stock%'"),
            std::to_string(answers.size()));
}

}  // namespace

TEST(Projections, TheViewsSayWhatTheOwningContextsSay) {
  auto& p = pipeline();
  drive_mixed_traffic(p, test::unique("PJ"), 1000);
  expect_views_match_the_owning_contexts(p);
}

// The api answers from the views: a customer's orders page by page, newest first, and the sales.
TEST(Projections, TheApiListsACustomersOrdersAndTheSalesAsPlaced) {
  auto& p = pipeline();
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 60s)) << p.progress();
  const auto customer = p.sql("SELECT customer_id FROM orders.orders ORDER BY customer_id LIMIT 1");
  std::vector<std::string> expected;
  for (const auto& row : test::sql_rows(p.dsn(),
                                        "SELECT order_id || ' ' || status FROM orders.orders"
                                        " WHERE customer_id = '" +
                                            customer + "'"))
    expected.push_back(row[0]);
  ASSERT_GT(expected.size(), 20u);
  auto c = p.client();
  std::vector<std::string> listed, placed_at;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const auto r =
        c.get("/v1/customers/" + customer + "/orders?limit=7" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.header("projection-position"), "");
    const auto doc = *json::parse(r.body);
    for (const auto& o : doc["items"].GetArray()) {
      listed.push_back(std::string(o["order_id"].GetString()) + " " + o["status"].GetString());
      placed_at.push_back(o["placed_at"].GetString());
    }
    if (doc["next"].IsNull()) break;
    after = doc["next"].GetString();
  }
  EXPECT_TRUE(std::is_sorted(placed_at.rbegin(), placed_at.rend())) << "newest first";
  std::sort(listed.begin(), listed.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);

  const auto sales =
      c.request("GET",
                "/v1/admin/sales?from=" + p.sql("SELECT to_char((now() - interval '23 hours') AT TIME ZONE "
                                                "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"),
                "", {{"Authorization", std::string("Bearer ") + kAdminToken}});
  ASSERT_EQ(sales.status, 200) << sales.body;
  const auto doc = *json::parse(sales.body);
  const auto confirmed = p.sql(
      "SELECT count(*) || ' ' || coalesce(sum(total_cents), 0) FROM orders.orders WHERE status = "
      "'CONFIRMED'");
  EXPECT_EQ(std::to_string(doc["total"]["orders"].GetInt64()) + " " +
                std::to_string(doc["total"]["revenue_cents"].GetInt64()),
            confirmed)
      << sales.body;
  EXPECT_GT(doc["minutes"].Size(), 0u);
  // Minute by minute, as the events say: +1 in the minute of an OrderConfirmed, -1 in the minute of
  // the OrderCancelled of a confirmed order, each with the order's units and revenue.
  std::map<std::string, std::array<int64_t, 2>> order_figures;  // units, revenue
  for (const auto& row : test::sql_rows(p.dsn(),
                                        "SELECT order_id, sum(quantity), sum(quantity * unit_price_cents)"
                                        " FROM orders.order_lines GROUP BY 1"))
    order_figures[row[0]] = {std::stoll(row[1]), std::stoll(row[2])};
  std::map<std::string, std::array<int64_t, 3>> expected_minutes;  // minute -> orders, units, revenue
  std::set<std::string> seen, confirmed_orders;
  for (const auto& value : test::read_topic(p.config().kafka_brokers, p.topic("orders.events"))) {
    const auto e = *json::parse(value);
    if (!seen.insert(e["id"].GetString()).second) continue;
    const std::string type = e["type"].GetString(), order = e["payload"]["order_id"].GetString();
    const std::string minute = std::string(e["occurred_at"].GetString()).substr(0, 16);
    int sign = 0;
    if (type == "OrderConfirmed" && confirmed_orders.insert(order).second) sign = 1;
    if (type == "OrderCancelled" && confirmed_orders.erase(order)) sign = -1;
    if (sign == 0) continue;
    auto& m = expected_minutes[minute];
    m[0] += sign;
    m[1] += sign * order_figures[order][0];
    m[2] += sign * order_figures[order][1];
  }
  std::map<std::string, std::array<int64_t, 3>> projected_minutes;
  for (const auto& row : test::sql_rows(p.dsn(),
                                        "SELECT to_char(minute AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI'),"
                                        " orders, units, revenue_cents FROM views.sales_per_minute"))
    projected_minutes[row[0]] = {std::stoll(row[1]), std::stoll(row[2]), std::stoll(row[3])};
  std::erase_if(expected_minutes, [](const auto& m) { return m.second == std::array<int64_t, 3>{}; });
  std::erase_if(projected_minutes, [](const auto& m) { return m.second == std::array<int64_t, 3>{}; });
  EXPECT_EQ(projected_minutes, expected_minutes);
  EXPECT_EQ(p.client_with_key("").get("/v1/admin/sales").status, 401);
  EXPECT_EQ(c.get("/v1/admin/sales").status, 403) << "a storefront key";
  const auto bad = c.request("GET", "/v1/admin/sales?from=yesterday", "",
                             {{"Authorization", std::string("Bearer ") + kAdminToken}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("\"field\":\"from\""), std::string::npos) << bad.body;
}

TEST(Projections, EveryEventDeliveredTwiceChangesNothing) {
  auto& p = pipeline();
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 60s)) << p.progress();
  const auto before = views_snapshot(p);
  deliver_again(p, "orders.events");
  deliver_again(p, "inventory.events");
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 60s)) << p.progress();
  EXPECT_EQ(views_snapshot(p), before);
}

TEST(Projections, AReplayFromTheStartWithTheProcessedIdsForgottenChangesNothing) {
  auto& p = pipeline();
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 60s)) << p.progress();
  const auto before = views_snapshot(p);
  p.worker("projections").stop();
  const auto reset = p.run_ctl({"reset-offsets", "projections"});
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  // Only the views' own guards (order version, event id, sku_version) are left to make it harmless.
  test::sql_exec(p.dsn(), "DELETE FROM runtime.processed_messages WHERE group_id = '" +
                              p.config().topic_prefix + "projections'");
  p.start_worker("projections");
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 90s)) << p.progress();
  EXPECT_EQ(views_snapshot(p), before);
}

// The rebuild equals the incremental views, and GETs are answered all along.
TEST(Projections, ARebuildWhileServingEqualsTheIncrementalViews) {
  auto& p = pipeline();
  ASSERT_TRUE(test::wait_until([&] { return settled(p); }, 60s)) << p.progress();
  const auto incremental = views_snapshot(p);
  const auto some_order = p.sql("SELECT order_id FROM views.orders ORDER BY order_id LIMIT 1");
  ASSERT_FALSE(some_order.empty()) << "the earlier tests place the orders read here";
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, failed{0};
  std::string first_failure;  // written by the reader before its first ++failed; read after join
  std::thread reader([&] {
    auto c = p.client();
    while (!done) {
      const auto r = c.get("/v1/orders/" + some_order);
      ++reads;
      if (r.status != 200 && failed++ == 0)
        first_failure = std::to_string(r.status) + " " + r.error + " " + r.body;
    }
  });
  const auto rebuilt = p.run_ctl({"rebuild-projections"}, 120s);
  done = true;
  reader.join();
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("swapped in"), std::string::npos) << rebuilt.output;
  EXPECT_EQ(views_snapshot(p), incremental) << rebuilt.output;
  EXPECT_GT(reads.load(), 10);
  EXPECT_EQ(failed.load(), 0) << "GETs not answered 200 during the rebuild, of " << reads.load()
                              << "; the first: " << first_failure << "; the api: " << p.api().how_it_ended()
                              << "\n"
                              << p.api().log_tail();
  EXPECT_EQ(p.sql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'views_%'"), "0") << "left behind";
}

// Orders keep coming during a rebuild: the swap catches up to what the live workers applied, and the
// live workers carry on in the new views.
TEST(Projections, ARebuildDuringTrafficLosesNothing) {
  auto& p = pipeline();
  std::thread traffic([&] { drive_mixed_traffic(p, test::unique("PR"), 300); });
  std::this_thread::sleep_for(1s);
  const auto rebuilt = p.run_ctl({"rebuild-projections"}, 120s);
  traffic.join();
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  expect_views_match_the_owning_contexts(p);
}
