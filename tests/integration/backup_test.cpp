// The restore drill: a backup taken while orders flow, restored into an empty database, and the
// workers started on it. They resume from the offsets in the backup, re-read from Kafka what came after,
// and converge: every accepted order decided, `verify` clean, no order doubled. Also: verify catches a
// damaged backup, and restore refuses a database that is not empty.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

test::CommandResult backup_script(const std::vector<std::string>& args, const std::string& dsn,
                                  const std::string& backup_dir,
                                  std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {std::string(ORDERFLOW_SOURCE_DIR) + "/infra/backup.sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  env["ORDERFLOW_PG_DSN"] = dsn;
  env["ORDERFLOW_BACKUP_DIR"] = backup_dir;
  return test::run_command(argv, env, 120s);
}

// The names in a folder, sorted.
std::vector<std::string> entries_of(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string last_line(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1,
                  end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

TEST(Backup, ARestoreDuringLoadResumesAndConverges) {
  test::Pipeline p(test::Pipeline::Options{.api = true, .roles = {"orders", "inventory"}, .env = {}});
  for (int i = 0; i < 4; ++i) test::seed_product(p.dsn(), "BK-" + std::to_string(i), 250, 60);
  const std::string backups = test::stack().state_dir + "/" + test::unique("backups");
  const std::string customer = test::unique("drill");

  std::mutex mutex;
  std::vector<std::string> accepted;
  std::atomic<bool> stop{false};
  std::thread traffic([&] {
    auto c = p.client();
    for (int n = 0; !stop; ++n) {
      const auto r =
          c.post_json("/v1/orders",
                      R"({"customer_id":")" + customer + R"(","lines":[{"sku":"BK-)" + std::to_string(n % 4) +
                          R"(","quantity":)" + std::to_string(1 + n % 3) + "}]}",
                      {{"Idempotency-Key", "k" + std::to_string(n)}});
      if (r.status == 202) {
        std::lock_guard lock(mutex);
        accepted.push_back(std::string(json::get_string(*json::parse(r.body), "order_id").value_or("")));
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  std::this_thread::sleep_for(3s);
  const auto taken = backup_script({"backup"}, p.dsn(), backups);
  std::this_thread::sleep_for(3s);
  stop = true;
  traffic.join();
  ASSERT_EQ(taken.exit_code, 0) << taken.output;
  const std::string backup = last_line(taken.output);
  ASSERT_TRUE(test::wait_until([&] { return p.quiescent(); }, 60s)) << p.progress();
  std::ifstream manifest_file(backup + "/manifest.json");
  const std::string manifest((std::istreambuf_iterator<char>(manifest_file)), {});
  const auto orders_in_backup = json::get_int(*json::parse(manifest), "orders").value_or(-1);
  ASSERT_GT(accepted.size(), 100u);
  ASSERT_LT(orders_in_backup, static_cast<int64_t>(accepted.size()))
      << "the backup should miss the later orders";

  // The backup reads back; a damaged copy does not.
  const auto verified = backup_script({"verify", backup}, p.dsn(), backups);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  const std::string damaged = backup + "-damaged";
  std::filesystem::copy(backup, damaged);
  {
    std::fstream f(damaged + "/orderflow.dump", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::filesystem::file_size(damaged + "/orderflow.dump") / 2);
    f.put('\x5a');
  }
  EXPECT_NE(backup_script({"verify", damaged}, p.dsn(), backups).exit_code, 0);
  // The same check as the operator's tool: orderflow-ctl verify-backup.
  const auto ctl_verified = p.run_ctl({"verify-backup", backup});
  EXPECT_EQ(ctl_verified.exit_code, 0) << ctl_verified.output;
  const auto ctl_damaged = p.run_ctl({"verify-backup", damaged});
  EXPECT_NE(ctl_damaged.exit_code, 0);
  EXPECT_NE(ctl_damaged.output.find("orderflow.dump: checksum mismatch"), std::string::npos)
      << ctl_damaged.output;

  // Restore refuses a database that is not empty.
  const auto refused = backup_script({"restore", backup}, p.dsn(), backups);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("empty"), std::string::npos) << refused.output;

  // The old installation goes away; the backup is restored into an empty database, the workers start.
  p.api().stop();
  p.worker("orders").stop();
  p.worker("inventory").stop();
  const std::string restored = test::unique("restored");
  test::sql_exec(test::stack().pg_dsn, "CREATE DATABASE " + restored);
  const std::string restored_dsn =
      "host=127.0.0.1 port=" + std::to_string(test::stack().pg_port) + " user=orderflow dbname=" + restored;
  const auto put_back = backup_script({"restore", backup}, restored_dsn, backups);
  ASSERT_EQ(put_back.exit_code, 0) << put_back.output;

  test::Pipeline r(test::Pipeline::Options{.api = false,
                                           .roles = {"orders", "inventory"},
                                           .env = {},
                                           .attach_database = restored,
                                           .attach_prefix = p.config().topic_prefix});
  EXPECT_TRUE(test::wait_until([&] { return r.quiescent(); }, 90s)) << r.progress();
  std::string ids;
  for (const auto& id : accepted) ids += (ids.empty() ? "'" : ",'") + id + "'";
  EXPECT_EQ(r.sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer + "'"),
            std::to_string(accepted.size()))
      << "every accepted order, once";
  EXPECT_EQ(r.sql("SELECT count(*) FROM unnest(ARRAY[" + ids +
                  "]::uuid[]) a(id) JOIN orders.orders o ON o.order_id = a.id WHERE o.status <> 'PENDING'"),
            std::to_string(accepted.size()))
      << "every accepted order decided";
  const auto verify = r.run_ctl({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  // Decided alike: the restored installation reached the decisions the original one published.
  EXPECT_EQ(r.sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer +
                  "' AND status = 'CONFIRMED'"),
            p.sql("SELECT count(*) FROM orders.orders WHERE customer_id = '" + customer +
                  "' AND status = 'CONFIRMED'"));
}

// Retention: each backup removes the complete backups beyond the newest ORDERFLOW_BACKUP_KEEP, and
// nothing else in the folder (an operator's notes, a copy under another name, an interrupted
// `.partial`).
TEST(Backup, RetentionKeepsTheNewestBackupsAndNothingElseIsTouched) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {"orders"}, .env = {}});
  const std::string backups = test::stack().state_dir + "/" + test::unique("retained");
  std::filesystem::create_directories(backups + "/notes");
  std::filesystem::create_directories(backups + "/20000101T000000.000Z.partial");
  std::filesystem::create_directories(backups + "/20000101T000000.000Z-copy");
  std::vector<std::string> taken;
  for (int i = 0; i < 4; ++i) {
    const auto b = backup_script({"backup"}, p.dsn(), backups, {{"ORDERFLOW_BACKUP_KEEP", "2"}});
    ASSERT_EQ(b.exit_code, 0) << b.output;
    taken.push_back(std::filesystem::path(last_line(b.output)).filename());
  }
  std::vector<std::string> expected = {taken[2], taken[3], "20000101T000000.000Z-copy",
                                       "20000101T000000.000Z.partial", "notes"};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(entries_of(backups), expected);
  const auto listed = backup_script({"list"}, p.dsn(), backups);
  EXPECT_EQ(listed.output, backups + "/" + taken[2] + "\n" + backups + "/" + taken[3] + "\n");
  // The default keeps 7: a fifth backup removes nothing.
  ASSERT_EQ(backup_script({"backup"}, p.dsn(), backups).exit_code, 0);
  EXPECT_EQ(entries_of(backups).size(), 6u);
}
