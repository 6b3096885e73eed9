// orderflow-api: the storefront's HTTP entry point. Validates, derives ids, produces commands to Kafka
// and answers 202 once the broker has them; reads orders from PostgreSQL.
#include <CLI/CLI.hpp>

#include "api_server.hpp"
#include "orderflow/config.hpp"
#include "orderflow/log.hpp"
#include "orderflow/shutdown.hpp"

int main(int argc, char** argv) {
  orderflow::shutdown::install();
  auto config = orderflow::Config::from_env();
  CLI::App app{"orderflow api: the HTTP front of the order pipeline"};
  config.add_flags(app);
  CLI11_PARSE(app, argc, argv);
  orderflow::init_logging("api", config.log_level, config.log_format);
  try {
    orderflow::api::ApiServer server(config);
    server.start();
    while (!orderflow::shutdown::wait_for(std::chrono::seconds(3600))) {
    }
    spdlog::info("api shutting down");
    server.stop();
  } catch (const std::exception& e) {
    spdlog::critical("api failed: {}", e.what());
    return 1;
  }
  return 0;
}
