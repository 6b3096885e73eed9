// orderflow-ctl: the operator's tool.
//   create-topics        create every topic of schemas/topics.json (with ORDERFLOW_TOPIC_PREFIX)
//   migrate              apply the SQL migrations to every database (ORDERFLOW_PG_DSN[_<ROLE>])
//   seed-demo            add the demo catalog and its stock
//   verify               check stock conservation, reservations and stuck orders; exit 1 on a violation
//   verify-backup DIR    check a backup of `make backup`: checksums, manifest, every dump reads back
//   reset-offsets ROLE   make a worker role replay its topics from the start on its next assignment
//   prune-processed      forget the ids of applied messages older than --days that no replay can re-read
//   tail TOPIC           print a topic's messages, decoded (table or --json), following or from the start
//   dlq list|show|replay the dead letters: list the newest, show one, put one back on its source topic
//   rebuild-projections  build fresh read models from the event topics while the old ones serve, then swap
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "dead_letter_commands.hpp"
#include "orderflow/config.hpp"
#include "orderflow/databases.hpp"
#include "orderflow/kafka.hpp"
#include "orderflow/log.hpp"
#include "orderflow/pg.hpp"
#include "orderflow/topics.hpp"
#include "prune_processed.hpp"
#include "rebuild_projections.hpp"
#include "seed_demo.hpp"
#include "tail.hpp"
#include "verify.hpp"
#include "verify_backup.hpp"

int main(int argc, char** argv) {
  auto config = orderflow::Config::from_env();
  CLI::App app{"orderflow-ctl: operate an orderflow installation"};
  config.add_flags(app);
  app.require_subcommand(1);
  auto* create_topics = app.add_subcommand("create-topics", "Create the topics of the manifest (idempotent)");
  auto* migrate = app.add_subcommand("migrate", "Apply pending SQL migrations (idempotent)");
  auto* seed = app.add_subcommand("seed-demo", "Add the demo catalog and stock (idempotent)");
  auto* verify = app.add_subcommand("verify", "Check the guarantees on the data; exit 1 on a violation");
  auto* verify_backup =
      app.add_subcommand("verify-backup", "Check a backup: checksums, manifest, every dump reads back");
  std::string backup_dir;
  verify_backup->add_option("backup", backup_dir, "The backup's folder")->required();
  orderflow::cli::VerifyOptions verify_options;
  verify->add_option("--pending-seconds", verify_options.pending_seconds, "Oldest a PENDING order may be");
  verify->add_option("--settle-seconds", verify_options.settle_seconds, "Time a release may take to land");
  auto* reset =
      app.add_subcommand("reset-offsets", "Replay a role's topics from the start (stop its workers first)");
  std::string role;
  reset->add_option("role", role, "Worker role: inventory, orders, carts or projections")->required();
  auto* prune = app.add_subcommand("prune-processed", "Forget processed message ids older than --days");
  int days = 30;
  prune->add_option("--days", days, "Age in days (ids of records still in Kafka are kept regardless)")
      ->check(CLI::Range(1, 3650));
  auto* tail = app.add_subcommand(
      "tail", "Print a topic's messages (from its end, following, unless --from-beginning)");
  orderflow::cli::TailOptions tail_options;
  tail->add_option("topic", tail_options.topic, "Topic, without the run's prefix (e.g. orders.events)")
      ->required();
  tail->add_option("--type", tail_options.type, "Only messages of this type (e.g. OrderPlaced)");
  tail->add_option("--key", tail_options.key, "Only records with this key (e.g. an order id)");
  tail->add_flag("--from-beginning", tail_options.from_beginning, "Start at the topic's first record");
  tail->add_flag("--json", tail_options.json,
                 "One JSON line per record: the envelope plus topic/partition/offset");
  tail->add_option("--max", tail_options.max, "Stop after printing this many records")
      ->check(CLI::PositiveNumber);
  tail->add_option("--timeout-ms", tail_options.timeout_ms, "Stop after this many milliseconds")
      ->check(CLI::PositiveNumber);
  auto* rebuild = app.add_subcommand(
      "rebuild-projections", "Rebuild the read models from the event topics while they serve, then swap");
  orderflow::cli::RebuildOptions rebuild_options;
  rebuild->add_flag("--keep-old", rebuild_options.keep_old, "Keep the replaced views as views_old_<time>");
  auto* dlq = app.add_subcommand("dlq", "Dead letters: list, show, replay");
  dlq->require_subcommand(1);
  auto* dlq_list = dlq->add_subcommand("list", "The newest dead letters, newest first");
  std::optional<std::string> dlq_topic_filter;
  size_t dlq_limit = 20;
  bool dlq_json = false;
  dlq_list->add_option("topic", dlq_topic_filter,
                       "A topic or its .dlq (without prefix); default: every .dlq");
  dlq_list->add_option("--limit", dlq_limit, "How many")->check(CLI::Range(1, 10000));
  dlq_list->add_flag("--json", dlq_json, "One JSON line per dead letter (the api's shape)");
  std::string dlq_topic;
  int32_t dlq_partition = 0;
  int64_t dlq_offset = 0;
  auto* dlq_show = dlq->add_subcommand("show", "One dead letter: headers and bytes");
  auto* dlq_replay =
      dlq->add_subcommand("replay", "Re-publish a dead letter's key and bytes to its dlq.source.topic");
  for (auto* sub : {dlq_show, dlq_replay}) {
    sub->add_option("dlq-topic", dlq_topic, "The dead-letter topic, without prefix")->required();
    sub->add_option("partition", dlq_partition, "Its partition")->required();
    sub->add_option("offset", dlq_offset, "Its offset")->required();
  }
  CLI11_PARSE(app, argc, argv);
  orderflow::init_logging("ctl", config.log_level, config.log_format);
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
    if (*tail) {
      orderflow::cli::tail(config, tail_options, std::cout);
      return 0;
    }
    if (*dlq_list) {
      orderflow::cli::list_dead_letters(config, dlq_topic_filter, dlq_limit, dlq_json, std::cout);
      return 0;
    }
    if (*dlq_show)
      return orderflow::cli::show_dead_letter(config, dlq_topic, dlq_partition, dlq_offset, std::cout);
    if (*dlq_replay)
      return orderflow::cli::replay_dead_letter(config, dlq_topic, dlq_partition, dlq_offset, std::cout);
    if (*rebuild) return orderflow::cli::rebuild_projections(config, rebuild_options, std::cout);
    if (*verify_backup) return orderflow::cli::verify_backup(backup_dir, std::cout) == 0 ? 0 : 1;
    const auto connect = [](const std::string& dsn) {
      return orderflow::pg::connect_with_retry(dsn, std::chrono::seconds(30));
    };
    if (*migrate) {
      std::cout << orderflow::migrate_databases(config, std::chrono::seconds(30))
                << " migration(s) applied\n";
    } else if (*seed) {
      orderflow::cli::seed_demo(*connect(config.pg_dsn_for("orders")),
                                *connect(config.pg_dsn_for("inventory")), config, std::cout);
    } else if (*verify) {
      return orderflow::cli::verify(config, verify_options, std::cout) == 0 ? 0 : 1;
    } else if (*prune) {
      for (const auto& db : orderflow::databases(config))
        orderflow::cli::prune_processed(*connect(db.dsn), config, days, std::cout);
    } else if (*reset) {
      auto conn = connect(config.pg_dsn_for(role));
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
