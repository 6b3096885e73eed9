// orderflow-ctl: the operator's tool. Subcommands:
//   create-topics  create every topic of schemas/topics.json (with ORDERFLOW_TOPIC_PREFIX)
//   migrate        apply the SQL migrations to ORDERFLOW_PG_DSN
#include <CLI/CLI.hpp>

#include <iostream>

#include "orderflow/config.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/log.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"

int main(int argc, char** argv) {
  auto config = orderflow::Config::from_env();
  CLI::App app{"orderflow-ctl: operate an orderflow installation"};
  config.add_flags(app);
  app.require_subcommand(1);
  auto* create_topics = app.add_subcommand("create-topics", "Create the topics of the manifest (idempotent)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending SQL migrations (idempotent)");
  CLI11_PARSE(app, argc, argv);
  orderflow::init_logging("ctl", config.log_level);
  try {
    if (*create_topics) {
      const auto specs = orderflow::topic_manifest();
      orderflow::kafka::create_topics(config.kafka_brokers, config.topic_prefix, specs);
      for (const auto& t : specs) std::cout << config.topic(t.name) << " (" << t.partitions << " partitions)\n";
    } else if (*migrate) {
      auto conn = orderflow::pg::connect_with_retry(config.pg_dsn, std::chrono::seconds(30));
      std::cout << orderflow::pg::migrate(*conn) << " migration(s) applied\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "orderflow-ctl: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
