// A database per role: the inventory worker on a second PostgreSQL instance of its own
// (ORDERFLOW_PG_DSN_INVENTORY), the orders worker, the catalog and the api's order reads on the run's
// stack. The saga must hold across the two: orders confirmed and rejected as the stock says, stock
// reserved and released once, each database migrated with its own schemas only, and `orderflow-ctl
// verify` checking each side in its database and what spans both by reading both.
#include <gtest/gtest.h>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "saga_support.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;
using test::saga::json_string;

namespace {

// A PostgreSQL instance of the test's own (infra/postgres.sh, as an unprivileged user, on a free
// port), with an empty database; stopped when the object goes.
class SecondPostgres {
 public:
  SecondPostgres() : dir_(test::stack().state_dir + "/" + test::unique("pg2")), port_(test::free_port()) {
    const auto r = script("start");
    if (r.exit_code != 0) throw std::runtime_error("second PostgreSQL did not start:\n" + r.output);
    test::sql_exec(dsn("orderflow"), "CREATE DATABASE inventory_db");
  }
  ~SecondPostgres() { script("stop"); }
  std::string dsn(const std::string& db = "inventory_db") const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=orderflow dbname=" + db;
  }

 private:
  test::CommandResult script(const std::string& command) const {
    return test::run_command({std::string(ORDERFLOW_SOURCE_DIR) + "/infra/postgres.sh", command, dir_},
                             {{"ORDERFLOW_PG_PORT", std::to_string(port_)}}, 120s);
  }
  std::string dir_;
  uint16_t port_;
};

SecondPostgres& inventory_db() {
  static SecondPostgres pg;
  return pg;
}

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{
      .api = true,
      .roles = {"orders", "inventory"},
      .env = {{"ORDERFLOW_PG_DSN_INVENTORY", inventory_db().dsn()}, {"ORDERFLOW_ADMIN_TOKEN", "secret"}}});
  return p;
}

// The catalog row in the orders database, the stock row in the inventory database.
void seed(const std::string& sku, int64_t price_cents, int64_t on_hand) {
  test::sql_exec(pipeline().dsn(), "INSERT INTO catalog.products (sku, name, price_cents) VALUES ('" + sku +
                                       "', '" + sku + "', " + std::to_string(price_cents) + ")");
  test::sql_exec(inventory_db().dsn(), "INSERT INTO inventory.stock (sku, on_hand, available) VALUES ('" +
                                           sku + "', " + std::to_string(on_hand) + ", " +
                                           std::to_string(on_hand) + ")");
}

std::string inventory_sql(const std::string& query) {
  return test::sql_value(inventory_db().dsn(), query);
}

std::string status_of(http::Client& c, const std::string& id) {
  return json_string(test::saga::wait_decided(c, id, 60s), "status");
}

}  // namespace

TEST(DatabasePerRole, EachDatabaseHoldsOnlyTheSchemasOfItsRoles) {
  pipeline();
  EXPECT_EQ(test::sql_value(pipeline().dsn(), "SELECT to_regclass('inventory.stock')::text"), "");
  EXPECT_EQ(test::sql_value(pipeline().dsn(), "SELECT to_regclass('orders.orders')::text"), "orders.orders");
  EXPECT_EQ(test::sql_value(pipeline().dsn(), "SELECT to_regclass('catalog.products')::text"),
            "catalog.products");
  EXPECT_EQ(inventory_sql("SELECT to_regclass('inventory.stock')::text"), "inventory.stock");
  EXPECT_EQ(inventory_sql("SELECT to_regclass('orders.orders')::text"), "");
  EXPECT_EQ(inventory_sql("SELECT to_regclass('runtime.consumer_offsets')::text"),
            "runtime.consumer_offsets");
  // Migrating again changes nothing in either database.
  const auto r = pipeline().run_ctl({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 migration(s) applied"), std::string::npos) << r.output;
}

TEST(DatabasePerRole, TheSagaHoldsWithInventoryInItsOwnDatabase) {
  auto c = pipeline().client();
  const std::string mug = test::unique("MUG"), cap = test::unique("CAP");
  seed(mug, 1000, 5);
  seed(cap, 500, 3);
  const std::string customer = test::unique("c");
  // 5 mugs: two orders of 2 are confirmed, the third is short.
  std::vector<std::string> mugs;
  for (int i = 0; i < 3; ++i) mugs.push_back(test::saga::place_accepted(c, customer, {{mug, 2}}));
  int confirmed = 0, rejected = 0;
  std::vector<std::string> confirmed_ids;
  for (const auto& id : mugs) {
    const auto status = status_of(c, id);
    if (status == "CONFIRMED") ++confirmed, confirmed_ids.push_back(id);
    if (status == "REJECTED") ++rejected;
  }
  EXPECT_EQ(confirmed, 2);
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(inventory_sql("SELECT available FROM inventory.stock WHERE sku = '" + mug + "'"), "1");

  // A line short rejects the order, and its other line's reservation is released: once.
  const auto mixed = test::saga::place_accepted(c, customer, {{cap, 1}, {mug, 2}});
  EXPECT_EQ(status_of(c, mixed), "REJECTED");
  // A cancel releases the stock of a confirmed order.
  ASSERT_EQ(test::saga::cancel(c, confirmed_ids.at(0)).status, 202);
  ASSERT_TRUE(
      test::wait_until([&] { return pipeline().order_status(confirmed_ids.at(0)) == "CANCELLED"; }, 60s));
  ASSERT_TRUE(test::wait_until([&] { return pipeline().quiescent(); }, 60s)) << pipeline().progress();

  EXPECT_EQ(
      inventory_sql("SELECT on_hand || '/' || available FROM inventory.stock WHERE sku = '" + mug + "'"),
      "5/3");
  EXPECT_EQ(
      inventory_sql("SELECT on_hand || '/' || available FROM inventory.stock WHERE sku = '" + cap + "'"),
      "3/3");
  EXPECT_EQ(
      inventory_sql("SELECT string_agg(state, ',' ORDER BY state) FROM inventory.reservations WHERE sku = '" +
                    mug + "'"),
      "RELEASED,RESERVED,SHORT,SHORT");
  EXPECT_EQ(
      inventory_sql("SELECT state || ' ' || quantity FROM inventory.reservations WHERE sku = '" + cap + "'"),
      "RELEASED 1");
  // The api reads the stock from the inventory database and the catalog from the orders one.
  const auto product = c.get("/v1/products/" + mug);
  ASSERT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(json::get_int(*json::parse(product.body), "available"), 3) << product.body;

  const auto verify = pipeline().run_ctl({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("verify: clean"), std::string::npos) << verify.output;
}

TEST(DatabasePerRole, VerifyReadsBothDatabases) {
  const std::string sku = test::unique("VFY");
  seed(sku, 100, 4);
  // Inventory alone: stock that is not conserved.
  test::sql_exec(inventory_db().dsn(), "UPDATE inventory.stock SET on_hand = 5 WHERE sku = '" + sku + "'");
  auto r = pipeline().run_ctl({"verify"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("FAIL stock is conserved"), std::string::npos) << r.output;
  // Across both: a reservation (inventory's database) for no order line (the orders database).
  test::sql_exec(inventory_db().dsn(),
                 "UPDATE inventory.stock SET available = 3 WHERE sku = '" + sku +
                     "'; INSERT INTO inventory.reservations (order_id, sku, quantity, state) VALUES "
                     "(gen_random_uuid(), '" +
                     sku + "', 2, 'RESERVED')");
  r = pipeline().run_ctl({"verify"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("ok   stock is conserved"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("FAIL every reservation belongs to an order line"), std::string::npos) << r.output;
  test::sql_exec(inventory_db().dsn(),
                 "DELETE FROM inventory.reservations WHERE sku = '" + sku +
                     "'; UPDATE inventory.stock SET on_hand = 4, available = 4 WHERE sku = '" + sku + "'");
  r = pipeline().run_ctl({"verify"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(DatabasePerRole, ABackupHoldsEveryDatabaseAndRestoresEachWhereItsRolesLive) {
  const std::string backups = test::stack().state_dir + "/" + test::unique("backups");
  const auto backup_script = [&](const std::vector<std::string>& args, const std::string& orders_dsn,
                                 const std::string& inventory_dsn) {
    std::vector<std::string> argv = {std::string(ORDERFLOW_SOURCE_DIR) + "/infra/backup.sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_command(argv,
                             {{"ORDERFLOW_PG_DSN", orders_dsn},
                              {"ORDERFLOW_PG_DSN_INVENTORY", inventory_dsn},
                              {"ORDERFLOW_BACKUP_DIR", backups}},
                             120s);
  };
  auto r = backup_script({"backup"}, pipeline().dsn(), inventory_db().dsn());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The script's last line is the backup's folder.
  std::string dir = r.output.substr(0, r.output.find_last_not_of('\n') + 1);
  dir = dir.substr(dir.rfind('\n') + 1);
  r = backup_script({"verify", dir}, pipeline().dsn(), inventory_db().dsn());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("orderflow.dump ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inventory.dump ok"), std::string::npos) << r.output;

  // Into two empty databases, one on each instance: each dump lands with its roles.
  const std::string orders_copy = test::unique("restored_orders"),
                    stock_copy = test::unique("restored_stock");
  test::sql_exec(test::stack().pg_dsn, "CREATE DATABASE " + orders_copy);
  test::sql_exec(inventory_db().dsn(), "CREATE DATABASE " + stock_copy);
  const auto on = [](const std::string& dsn, const std::string& db) {
    return dsn.substr(0, dsn.rfind('=') + 1) + db;
  };
  r = backup_script({"restore", dir}, on(pipeline().dsn(), orders_copy),
                    on(inventory_db().dsn(), stock_copy));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string count_orders = "SELECT count(*) FROM orders.orders";
  const std::string count_stock = "SELECT count(*) FROM inventory.stock";
  EXPECT_EQ(test::sql_value(on(pipeline().dsn(), orders_copy), count_orders),
            test::sql_value(pipeline().dsn(), count_orders));
  EXPECT_EQ(test::sql_value(on(inventory_db().dsn(), stock_copy), count_stock), inventory_sql(count_stock));
  EXPECT_EQ(test::sql_value(on(pipeline().dsn(), orders_copy), "SELECT to_regclass('inventory.stock')::text"),
            "");
}
