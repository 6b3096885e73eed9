// The saga under crashes: a few thousand orders (and some cancels) flow through the api from several
// clients while the inventory and orders workers are killed with SIGKILL and restarted at random
// moments. Afterwards every order has ended, nothing is oversold or lost (per-SKU conservation, each
// CONFIRMED order holds exactly its lines), no (order, sku) was reserved twice, no event id stands for
// two contents, and `orderflow-ctl verify` is clean. Guarantees 3, 4 and 5 of ARCHITECTURE.md.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;
using test::saga::Line;

namespace {

const std::vector<std::string> kRoles = {"inventory", "orders"};

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true, .roles = kRoles, .env = {}});
  return p;
}

std::string in_list(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "'" : ",'") + v + "'";
  return out;
}

std::vector<std::string> column(const std::vector<std::vector<std::string>>& rows, size_t i = 0) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.at(i));
  return out;
}

std::string rows_text(const std::vector<std::vector<std::string>>& rows, size_t max = 15) {
  std::vector<std::string> lines;
  for (const auto& r : rows) {
    std::string line;
    for (const auto& v : r) line += (line.empty() ? "" : " | ") + v;
    lines.push_back(line);
  }
  return test::saga::first_lines(lines, max);
}

struct ClientLog {
  std::vector<std::string> accepted;         // order ids answered 202
  std::vector<std::string> cancel_accepted;  // order ids whose cancel was answered 202
  std::map<int, int> cancel_statuses;        // HTTP status -> count
  std::vector<std::string> errors;
};

}  // namespace

TEST(SagaCrash, KilledWorkersLoseNothingOversellNothingAndEveryOrderEnds) {
  constexpr int kSkus = 6, kStock = 300, kClients = 4, kOrdersPerClient = 500;
  constexpr auto kLoadDuration = 25s;  // the orders are spread over this long, so the kills land among them
  constexpr int kMinKillsPerRole = 3;
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("random seed " + std::to_string(seed));

  std::vector<std::string> skus;
  for (int i = 0; i < kSkus; ++i) {
    skus.push_back(test::unique("CRASH"));
    test::seed_product(pipeline().dsn(), skus.back(), 100 + 37 * i, kStock);
  }
  const std::string run = test::unique("crash");
  std::vector<std::string> customers;
  for (int t = 0; t < kClients; ++t) customers.push_back(run + "-c" + std::to_string(t));

  // ---- load: clients place orders (1-3 lines of 1-3 units) and cancel some of their orders --------------
  std::vector<ClientLog> logs(kClients);
  std::atomic<bool> load_done{false};
  const auto load_started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      std::mt19937 rng(seed + static_cast<unsigned>(t));
      auto c = pipeline().client();
      auto& log = logs[t];
      for (int i = 0; i < kOrdersPerClient; ++i) {
        std::this_thread::sleep_until(load_started + std::chrono::milliseconds(kLoadDuration) * i /
                                                         kOrdersPerClient);  // pacing only
        std::vector<std::string> pick = skus;
        std::shuffle(pick.begin(), pick.end(), rng);
        std::vector<Line> lines;
        for (unsigned n = 0, count = 1 + rng() % 3; n < count; ++n)
          lines.emplace_back(pick[n], 1 + rng() % 3);
        const std::string key = "k" + std::to_string(i);
        http::Response r;
        for (int attempt = 0; attempt < 5; ++attempt) {  // a retry with the same key is the same order
          r = test::saga::place(c, customers[t], lines, key);
          if (r.status == 202) break;
        }
        if (r.status == 202) {
          log.accepted.push_back(test::saga::json_string(r.body, "order_id"));
        } else {
          log.errors.push_back("place " + customers[t] + "/" + key + ": " + std::to_string(r.status) + " " +
                               r.body + r.error);
        }
        if (i % 8 == 7 && !log.accepted.empty()) {
          // Cancel one of our orders: maybe PENDING, CONFIRMED, REJECTED, or not even stored yet.
          const std::string id = log.accepted[rng() % log.accepted.size()];
          const auto cr = test::saga::cancel(c, id);
          ++log.cancel_statuses[cr.status];
          if (cr.status == 202) {
            log.cancel_accepted.push_back(id);
          } else if (cr.status != 409 && cr.status != 404) {
            log.errors.push_back("cancel " + id + ": " + std::to_string(cr.status) + " " + cr.body +
                                 cr.error);
          }
        }
      }
    });
  }

  // ---- chaos: SIGKILL a worker at a random moment, restart it, again
  // ---------------------------------------
  std::map<std::string, int> kills;
  std::vector<std::string> chaos_log, chaos_errors;
  std::thread chaos([&] {
    std::mt19937 rng(seed ^ 0x5eedu);
    for (int n = 0;; ++n) {
      if (load_done && kills["inventory"] >= kMinKillsPerRole && kills["orders"] >= kMinKillsPerRole) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 2300));
      // Mostly one role at a time, sometimes both at once.
      std::vector<std::string> victims = {kRoles[n % 2]};
      if (n % 3 == 2) victims = kRoles;
      for (const auto& role : victims) {
        pipeline().worker(role).kill9();
        ++kills[role];
        chaos_log.push_back(std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now() - load_started)
                                               .count()) +
                            "ms kill -9 " + role);
      }
      for (const auto& role : victims) {
        try {
          pipeline().start_worker(role);
        } catch (const std::exception& e) {
          chaos_errors.push_back("restart " + role + ": " + e.what());
          return;
        }
      }
    }
  });
  for (auto& th : clients) th.join();
  load_done = true;
  chaos.join();
  const auto load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started).count();

  std::vector<std::string> accepted, cancel_accepted, errors;
  std::map<int, int> cancel_statuses;
  for (const auto& log : logs) {
    accepted.insert(accepted.end(), log.accepted.begin(), log.accepted.end());
    cancel_accepted.insert(cancel_accepted.end(), log.cancel_accepted.begin(), log.cancel_accepted.end());
    errors.insert(errors.end(), log.errors.begin(), log.errors.end());
    for (const auto& [status, n] : log.cancel_statuses) cancel_statuses[status] += n;
  }
  std::string summary = "load " + std::to_string(load_seconds) + " s, accepted " +
                        std::to_string(accepted.size()) + ", cancels:";
  for (const auto& [status, n] : cancel_statuses)
    summary += " " + std::to_string(status) + "x" + std::to_string(n);
  summary += "\nchaos:\n" + test::saga::first_lines(chaos_log, 40);
  SCOPED_TRACE(summary);
  ASSERT_TRUE(chaos_errors.empty()) << test::saga::first_lines(chaos_errors)
                                    << test::saga::worker_logs(pipeline(), kRoles);
  EXPECT_TRUE(errors.empty()) << test::saga::first_lines(errors);
  EXPECT_GE(kills["inventory"], kMinKillsPerRole);
  EXPECT_GE(kills["orders"], kMinKillsPerRole);
  ASSERT_EQ(accepted.size(), static_cast<size_t>(kClients * kOrdersPerClient));
  ASSERT_EQ(std::set<std::string>(accepted.begin(), accepted.end()).size(), accepted.size());

  // ---- quiescence: every order decided, every queue drained (guarantee 5: no operator help) --------------
  const std::string ours = "customer_id IN (" + in_list(customers) + ")";
  const auto settle_started = std::chrono::steady_clock::now();
  const bool settled = test::wait_until(
      [&] {
        return pipeline().sql("SELECT count(*) FROM orders.orders WHERE " + ours +
                              " AND status <> 'PENDING'") == std::to_string(accepted.size());
      },
      120s, 250ms);
  if (!settled) {
    const auto pending = test::sql_rows(pipeline().dsn(), "SELECT order_id FROM orders.orders WHERE " + ours +
                                                              " AND status = 'PENDING' ORDER BY created_at");
    std::set<std::string> stored;
    for (const auto& r :
         test::sql_rows(pipeline().dsn(), "SELECT order_id FROM orders.orders WHERE " + ours)) {
      stored.insert(r[0]);
    }
    std::vector<std::string> missing;
    for (const auto& id : accepted) {
      if (!stored.count(id)) missing.push_back(id);
    }
    FAIL() << "after 120 s: " << pending.size() << " order(s) still PENDING, " << missing.size()
           << " accepted order(s) not stored\n PENDING:\n"
           << test::saga::describe_orders(pipeline(), column(pending), 10) << " missing:\n"
           << test::saga::first_lines(missing) << test::saga::describe_stock(pipeline(), skus)
           << "  progress: " << pipeline().progress() << "\n"
           << test::saga::worker_logs(pipeline(), kRoles, 5000);
  }
  ASSERT_TRUE(test::wait_until([] { return pipeline().quiescent(); }, 60s, 250ms))
      << pipeline().progress() << test::saga::worker_logs(pipeline(), kRoles);
  const auto settle_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - settle_started).count();

  // ---- every accepted order exists once and is terminal ------------------------------------------------
  const auto status_rows =
      test::sql_rows(pipeline().dsn(), "SELECT order_id, status FROM orders.orders WHERE " + ours);
  EXPECT_EQ(status_rows.size(), accepted.size());
  std::map<std::string, std::string> status_of;
  std::map<std::string, int> by_status;
  for (const auto& r : status_rows) {
    status_of[r[0]] = r[1];
    ++by_status[r[1]];
  }
  std::vector<std::string> not_terminal;
  for (const auto& id : accepted) {
    const auto it = status_of.find(id);
    if (it == status_of.end() || it->second == "PENDING") not_terminal.push_back(id);
  }
  EXPECT_TRUE(not_terminal.empty()) << test::saga::describe_orders(pipeline(), not_terminal);
  std::string outcome = "orders:";
  for (const auto& [status, n] : by_status) outcome += " " + status + " " + std::to_string(n);
  outcome += "; settled in " + std::to_string(settle_seconds) + " s";
  SCOPED_TRACE(outcome);
  std::cout << "[ saga crash ] " << summary << "[ saga crash ] " << outcome << "\n";
  // The mix the test means to exercise.
  EXPECT_GT(by_status["CONFIRMED"], 0);
  EXPECT_GT(by_status["REJECTED"], 0);
  EXPECT_GT(by_status["CANCELLED"], 0);

  // An order whose cancel was accepted is never CONFIRMED in the end (REJECTED if the rejection won).
  std::vector<std::string> cancel_lost;
  for (const auto& id : cancel_accepted) {
    if (status_of[id] == "CONFIRMED") cancel_lost.push_back(id);
  }
  EXPECT_TRUE(cancel_lost.empty()) << "accepted cancels without effect:\n"
                                   << test::saga::describe_orders(pipeline(), cancel_lost);

  // ---- reservations: a CONFIRMED order holds each line exactly; the others hold nothing -----------------
  const auto confirmed_wrong = test::sql_rows(
      pipeline().dsn(),
      "SELECT o.order_id, l.sku, l.quantity, l.state, coalesce(r.quantity::text, '-'), coalesce(r.state, "
      "'-') "
      "FROM orders.orders o JOIN orders.order_lines l USING (order_id) LEFT JOIN inventory.reservations r ON "
      "r.order_id = l.order_id AND r.sku = l.sku WHERE o." +
          ours +
          " AND o.status = 'CONFIRMED' AND (r.state "
          "IS DISTINCT FROM 'RESERVED' OR r.quantity <> l.quantity OR l.state <> 'RESERVED') ORDER BY 1, 2");
  EXPECT_TRUE(confirmed_wrong.empty())
      << "CONFIRMED order lines without their reservation (order | sku | qty | line state | reserved qty | "
         "reservation state):\n"
      << rows_text(confirmed_wrong) << test::saga::describe_orders(pipeline(), column(confirmed_wrong), 5);
  const auto others_wrong = test::sql_rows(
      pipeline().dsn(),
      "SELECT o.order_id, o.status, l.sku, l.state, coalesce(r.state, '-') FROM orders.orders o JOIN "
      "orders.order_lines l USING (order_id) LEFT JOIN inventory.reservations r ON r.order_id = l.order_id "
      "AND "
      "r.sku = l.sku WHERE o." +
          ours +
          " AND o.status <> 'CONFIRMED' AND (r.state = 'RESERVED' OR l.state NOT "
          "IN ('SHORT', 'RELEASED')) ORDER BY 1, 3");
  EXPECT_TRUE(others_wrong.empty()) << "REJECTED/CANCELLED order lines still holding stock or unsettled "
                                       "(order | status | sku | line state | "
                                       "reservation state):\n"
                                    << rows_text(others_wrong)
                                    << test::saga::describe_orders(pipeline(), column(others_wrong), 5);
  // Reservations belong to order lines.
  EXPECT_EQ(
      pipeline().sql("SELECT count(*) FROM inventory.reservations r WHERE r.sku IN (" + in_list(skus) +
                     ") AND NOT EXISTS (SELECT 1 FROM orders.order_lines l WHERE l.order_id = r.order_id AND "
                     "l.sku = r.sku AND l.quantity = r.quantity)"),
      "0");

  // ---- conservation per SKU: on_hand unchanged = available + reserved, reserved = what CONFIRMED orders
  // hold
  for (const auto& sku : skus) {
    const auto row = test::sql_rows(
        pipeline().dsn(),
        "SELECT s.on_hand, s.available, (SELECT coalesce(sum(quantity), 0) FROM inventory.reservations r "
        "WHERE "
        "r.sku = s.sku AND r.state = 'RESERVED'), (SELECT coalesce(sum(l.quantity), 0) FROM "
        "orders.order_lines l "
        "JOIN orders.orders o USING (order_id) WHERE l.sku = s.sku AND o.status = 'CONFIRMED') FROM "
        "inventory.stock s WHERE s.sku = '" +
            sku + "'");
    ASSERT_EQ(row.size(), 1u) << sku;
    const int64_t on_hand = std::stoll(row[0][0]), available = std::stoll(row[0][1]),
                  reserved = std::stoll(row[0][2]), confirmed = std::stoll(row[0][3]);
    EXPECT_EQ(on_hand, kStock) << sku;
    EXPECT_EQ(on_hand, available + reserved)
        << sku << ": available " << available << ", reserved " << reserved;
    EXPECT_EQ(reserved, confirmed) << sku << ": reserved " << reserved << " but CONFIRMED lines hold "
                                   << confirmed;
  }

  // ---- events: valid, no id with two contents, each reservation/release and order outcome announced once
  const auto orders_events = test::saga::read_events(pipeline(), "orders.events");
  const auto inventory_events = test::saga::read_events(pipeline(), "inventory.events");
  EXPECT_TRUE(orders_events.problems.empty()) << test::saga::first_lines(orders_events.problems);
  EXPECT_TRUE(inventory_events.problems.empty()) << test::saga::first_lines(inventory_events.problems);
  EXPECT_TRUE(orders_events.conflicts.empty()) << test::saga::first_lines(orders_events.conflicts);
  EXPECT_TRUE(inventory_events.conflicts.empty()) << test::saga::first_lines(inventory_events.conflicts);
  const auto twice = test::saga::announced_twice(inventory_events);
  EXPECT_TRUE(twice.empty()) << test::saga::first_lines(twice);
  const auto stories = test::saga::order_story_problems(orders_events, status_rows);
  EXPECT_TRUE(stories.empty()) << stories.size() << " order(s):\n"
                               << test::saga::first_lines(stories)
                               << test::saga::describe_orders(
                                      pipeline(),
                                      [&] {
                                        std::vector<std::string> ids;
                                        for (const auto& s : stories) ids.push_back(s.substr(0, 36));
                                        return ids;
                                      }(),
                                      5);
  size_t duplicates = orders_events.events.size() + inventory_events.events.size();
  {
    std::set<std::string> distinct;
    for (const auto& e : orders_events.events) distinct.insert(e.id);
    for (const auto& e : inventory_events.events) distinct.insert(e.id);
    duplicates -= distinct.size();
  }
  std::cout << "[ saga crash ] events: orders " << orders_events.events.size() << ", inventory "
            << inventory_events.events.size() << ", re-sent duplicates (same id, same bytes) " << duplicates
            << "\n";

  // Nothing was dead-lettered: every record the saga wrote was valid.
  for (const std::string dlq : {"orders.commands.dlq", "inventory.commands.dlq", "inventory.events.dlq"}) {
    const auto dead = test::read_topic(pipeline().config().kafka_brokers, pipeline().topic(dlq));
    EXPECT_TRUE(dead.empty()) << dlq << ": " << dead.size()
                              << " record(s), first: " << dead.front().substr(0, 300);
  }

  // ---- the operator's check agrees ------------------------------------------------------------------------
  const auto verify = pipeline().run_ctl({"verify", "--pending-seconds", "60"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  if (HasFailure()) {
    ADD_FAILURE() << "context:\n"
                  << test::saga::describe_stock(pipeline(), skus)
                  << test::saga::worker_logs(pipeline(), kRoles);
  }
}
