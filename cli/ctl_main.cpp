// orderflow-ctl: the operator's tool.
//   create-topics        create every topic of schemas/topics.json (with ORDERFLOW_TOPIC_PREFIX)
//   migrate              apply the SQL migrations to ORDERFLOW_PG_DSN
//   seed-demo            add the demo catalog and its stock
//   verify               check stock conservation, reservations and stuck orders; exit 1 on a violation
//   reset-offsets ROLE   make a worker role replay its topics from the start on its next assignment
//   prune-processed      forget the ids of messages applied more than --days ago
#include <CLI/CLI.hpp>
#include <iostream>

#include "orderflow/config.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/log.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"
#include "seed_demo.hpp"
#include "verify.hpp"

int main(int argc, char** argv) {
  auto config = orderflow::Config::from_env();
  CLI::App app{"orderflow-ctl: operate an orderflow installation"};
  config.add_flags(app);
  app.require_subcommand(1);
  auto* create_topics = app.add_subcommand("create-topics", "Create the topics of the manifest (idempotent)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending SQL migrations (idempotent)");
  auto* seed = app.add_subcommand("seed-demo", "Add the demo catalog and stock (idempotent)");
  auto* verify = app.add_subcommand("verify", "Check the guarantees on the data; exit 1 on a violation");
  orderflow::cli::VerifyOptions verify_options;
  verify->add_option("--pending-seconds", verify_options.pending_seconds, "Oldest a PENDING order may be");
  verify->add_option("--settle-seconds", verify_options.settle_seconds, "Time a release may take to land");
  auto* reset =
      app.add_subcommand("reset-offsets", "Replay a role's topics from the start (stop its workers first)");
  std::string role;
  reset->add_option("role", role, "Worker role: inventory, orders or carts")->required();
  auto* prune = app.add_subcommand("prune-processed", "Forget processed message ids older than --days");
  int days = 30;
  prune->add_option("--days", days, "Age in days (keep it above the command topics' retention)")
      ->check(CLI::Range(1, 3650));
  CLI11_PARSE(app, argc, argv);
  orderflow::init_logging("ctl", config.log_level);
  try {
    if (*create_topics) {
      const auto specs = orderflow::topic_manifest();
      orderflow::ReplicationRequest request;
      if (config.replication_factor != 0) request.factor = static_cast<int>(config.replication_factor);
      if (config.min_insync_replicas != 0)
        request.min_insync_replicas = static_cast<int>(config.min_insync_replicas);
      const auto replication =
          orderflow::kafka::create_topics(config.kafka_brokers, config.topic_prefix, specs, request);
      for (const auto& t : specs)
        std::cout << config.topic(t.name) << " (" << t.partitions << " partitions, " << replication.factor
                  << " replicas, min.insync.replicas " << replication.min_insync_replicas << ")\n";
      return 0;
    }
    auto conn = orderflow::pg::connect_with_retry(config.pg_dsn, std::chrono::seconds(30));
    if (*migrate) {
      std::cout << orderflow::pg::migrate(*conn) << " migration(s) applied\n";
    } else if (*seed) {
      orderflow::cli::seed_demo(*conn, std::cout);
    } else if (*verify) {
      return orderflow::cli::verify(*conn, verify_options, std::cout) == 0 ? 0 : 1;
    } else if (*prune) {
      pqxx::work tx(*conn);
      const auto n =
          tx.exec("DELETE FROM runtime.processed_messages WHERE processed_at < now() - interval '" +
                  std::to_string(days) + " days'")
              .affected_rows();
      tx.commit();
      std::cout << "forgot " << n << " processed message id(s) older than " << days << " days\n";
    } else if (*reset) {
      pqxx::work tx(*conn);
      const auto n =
          tx.exec("DELETE FROM runtime.consumer_offsets WHERE group_id = " + tx.quote(config.topic(role)))
              .affected_rows();
      tx.commit();
      std::cout << "forgot " << n << " stored offset(s) of group " << config.topic(role)
                << "; its workers replay from the start when next assigned\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "orderflow-ctl: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
