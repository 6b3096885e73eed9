// The api against its own OpenAPI document: the bundled GET /openapi.json passes redocly lint, and
// schemathesis (tests/contract/schemathesis.sh) generates requests from it against a live api with
// the order, inventory and carts workers and the demo catalog, checking that no answer is a 5xx, and
// that every status, content type and body is one the document declares.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace orderflow;
using namespace std::chrono_literals;

namespace {

constexpr const char* kAdminToken = "contract-admin-token";

test::Pipeline& pipeline() {
  static test::Pipeline p(test::Pipeline::Options{.api = true,
                                                  .roles = {"orders", "inventory", "carts"},
                                                  .env = {{"ORDERFLOW_ADMIN_TOKEN", kAdminToken}}});
  return p;
}

std::string source(const std::string& path) {
  return std::string(ORDERFLOW_SOURCE_DIR) + "/" + path;
}

class Contract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto seeded = pipeline().run_ctl({"seed-demo"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  }
};

}  // namespace

TEST_F(Contract, ServedDocumentIsOneValidOpenApiDocument) {
  auto c = pipeline().client();
  const auto r = c.get("/openapi.json");
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  const auto doc = json::parse(r.body);
  ASSERT_TRUE(doc);
  EXPECT_NE(r.body.find("\"openapi\":\"3.1."), std::string::npos);
  // Bundled: no $ref names a file.
  EXPECT_EQ(r.body.find(".schema.json\""), std::string::npos);

  const std::string dir = test::stack().state_dir + "/contract";
  ::mkdir(dir.c_str(), 0755);
  const std::string file = dir + "/" + test::unique("openapi") + ".json";
  std::ofstream(file) << r.body;
  const auto lint = test::run_command({source("tests/contract/lint.sh"), "openapi", file}, {}, 120s);
  std::cout << lint.output << std::endl;
  EXPECT_EQ(lint.exit_code, 0) << "redocly lint of the served document failed:\n" << lint.output;
}

TEST_F(Contract, SchemathesisFindsNothingAgainstTheLiveApi) {
  const std::string base = "http://127.0.0.1:" + std::to_string(pipeline().api_port());
  const auto started = std::chrono::steady_clock::now();
  const auto run = test::run_command({source("tests/contract/schemathesis.sh"), base, kAdminToken},
                                     {{"NO_COLOR", "1"}}, 300s);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  std::cout << run.output << "\nschemathesis took " << seconds << " s" << std::endl;
  EXPECT_EQ(run.exit_code, 0) << "schemathesis found problems (output above; api log: "
                              << pipeline().api().log_path() << ")";
}
