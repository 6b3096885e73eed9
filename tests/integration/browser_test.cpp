// The back-office page (/admin) in Debian's chromium, headless, driven by tests/browser/admin_page.cjs
// (playwright-core, installed by make deps): against a private api with the orders and inventory
// workers, it signs in with #token=, places an order and sees it appear and turn CONFIRMED live; it
// also checks the page without a token and with a wrong one. The screenshot lands in the build folder.
#include <gtest/gtest.h>

#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;

TEST(BackOfficePage, ShowsAnOrderTurningConfirmedLive) {
  test::Pipeline pipeline(test::Pipeline::Options{
      .api = true, .roles = {"orders", "inventory"}, .env = {{"ORDERFLOW_ADMIN_TOKEN", "browser-secret"}}});
  const std::string sku = test::unique("BROWSER");
  test::seed_product(pipeline.dsn(), sku, 1500, 100);
  const std::string screenshot = std::string(ORDERFLOW_BUILD_DIR) + "/browser-test-admin.png";
  const auto modules = test::run_command(
      {"/bin/sh", "-c", std::string(ORDERFLOW_SOURCE_DIR) + "/infra/browser-tools.sh path"}, {});
  ASSERT_EQ(modules.exit_code, 0) << modules.output;
  std::string node_path = modules.output;
  while (!node_path.empty() && node_path.back() == '\n') node_path.pop_back();

  const auto run = test::run_command(
      {"/usr/bin/env", "node", std::string(ORDERFLOW_SOURCE_DIR) + "/tests/browser/admin_page.cjs"},
      {{"NODE_PATH", node_path},
       {"ORDERFLOW_URL", "http://127.0.0.1:" + std::to_string(pipeline.api_port())},
       {"ORDERFLOW_ADMIN_TOKEN", "browser-secret"},
       {"ORDERFLOW_API_KEY", pipeline.storefront_key()},
       {"ORDERFLOW_SKU", sku},
       {"ORDERFLOW_SCREENSHOT", screenshot}},
      std::chrono::seconds(180));
  std::cout << run.output;
  EXPECT_EQ(run.exit_code, 0) << run.output << "\napi log:\n" << pipeline.api().log_tail();
}
