// orderflow-worker: runs one role of the pipeline (--role inventory|orders|carts|projections) in the shared
// consumer runtime, with its outbox relay and its /metrics, /healthz, /readyz endpoint.
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>

#include "carts/cart_role.hpp"
#include "inventory/inventory_role.hpp"
#include "orderflow/config.hpp"
#include "orderflow/log.hpp"
#include "orderflow/ops_server.hpp"
#include "orderflow/producers/outbox_relay.hpp"
#include "orderflow/runtime/consumer_loop.hpp"
#include "orderflow/shutdown.hpp"
#include "orders/order_role.hpp"
#include "projections/projection_role.hpp"

namespace {

const std::map<std::string, std::function<std::unique_ptr<orderflow::runtime::Role>()>> kRoles = {
    {"inventory", [] { return std::make_unique<orderflow::inventory::InventoryRole>(); }},
    {"orders", [] { return std::make_unique<orderflow::orders::OrderRole>(); }},
    {"carts", [] { return std::make_unique<orderflow::carts::CartRole>(); }},
    {"projections", [] { return std::make_unique<orderflow::projections::ProjectionRole>(); }},
};

}  // namespace

int main(int argc, char** argv) {
  orderflow::shutdown::install();
  auto config = orderflow::Config::from_env();
  CLI::App app{"orderflow worker: consumes commands and events, keeps state in PostgreSQL"};
  std::string role_name;
  std::vector<std::string> names;
  for (const auto& [name, _] : kRoles) names.push_back(name);
  app.add_option("--role", role_name, "Which role to run")->required()->check(CLI::IsMember(names));
  config.add_flags(app);
  CLI11_PARSE(app, argc, argv);
  orderflow::init_logging("worker-" + role_name, config.log_level, config.log_format);
  // The role's own database when it has one (ORDERFLOW_PG_DSN_<ROLE>): everything the runtime and the
  // relay open from here on goes there.
  config.pg_dsn = config.pg_dsn_for(role_name);

  try {
    auto role = kRoles.at(role_name)();
    orderflow::producers::OutboxRelay relay(config, role->name());
    orderflow::runtime::ConsumerLoop loop(config, *role);
    orderflow::OpsServer ops(
        config.bind_address, config.metrics_port,
        {{"consumer", [&] { return loop.ready(); }}, {"relay", [&] { return relay.healthy(); }}});
    relay.start();
    spdlog::info("worker {} up; metrics on {}:{}", role_name, config.bind_address, config.metrics_port);
    loop.run();    // returns after SIGTERM/SIGINT with the last batch committed
    relay.stop();  // publishes what that batch left in the outbox
    spdlog::info("worker {} stopped", role_name);
  } catch (const std::exception& e) {
    spdlog::critical("worker {} failed: {}", role_name, e.what());
    return 1;
  }
  return 0;
}
