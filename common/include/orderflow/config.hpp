#pragma once
// Process configuration: every setting comes from an ORDERFLOW_* environment variable with a default,
// and the same name is a command-line flag that wins over the environment (--kafka-brokers, ...).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace orderflow {

// The roles that own data, each of which may have a database of its own: the worker roles, and
// `projections` for the read models (the views schema).
inline const std::vector<std::string> kDatabaseRoles = {"orders", "inventory", "carts", "projections"};
// "ORDERFLOW_PG_DSN_INVENTORY": the variable of a role's own database.
std::string pg_dsn_variable(const std::string& role);

struct Config {
  std::string kafka_brokers = "127.0.0.1:19092";
  std::string pg_dsn = "host=127.0.0.1 port=55432 user=orderflow dbname=orderflow";
  // A database per role (ORDERFLOW_PG_DSN_<ROLE>, --pg-dsn-<role>), for a service-per-database
  // topology; a role without one uses pg_dsn. Keys are kDatabaseRoles' names.
  std::map<std::string, std::string> role_pg_dsn;
  std::string topic_prefix;  // prepended to every topic and consumer group: isolates test runs
  std::string bind_address = "127.0.0.1";
  uint16_t api_port = 8080;
  uint16_t metrics_port = 9464;  // workers serve /metrics, /healthz, /readyz here
  unsigned api_threads = 2;
  unsigned produce_timeout_ms = 5000;  // the api answers 503 when Kafka has not confirmed by then
  size_t max_body_bytes = 64 * 1024;
  std::string admin_token;  // also an admin API key (see api/api_keys.hpp)
  // API keys: a file of lines `<id> <role> [namespace] <sha256 hex of the secret>`, and/or the same
  // lines in the environment, separated by ';'. None at all: the public routes need no key.
  std::string api_keys_file;
  std::string api_keys;
  std::string order_id_secret;  // HMAC key of order ids (ids.hpp); empty: computable UUIDv5 ids
  // Rate limits (api/rate_limits.hpp), "<requests per second>[:<burst>]" or "off": per client address
  // (every request but the probes), and per API key by its role. Wide defaults: one storefront on one
  // box is never throttled; an internet edge wants a tighter address limit.
  std::string rate_limit_address = "20000:40000";
  std::string rate_limit_storefront = "20000:40000";
  std::string rate_limit_partner = "100:200";
  std::string rate_limit_admin = "200:400";
  // Addresses (or IPv4 a.b.c.d/n ranges), comma-separated, of reverse proxies whose X-Forwarded-For
  // names the client; the api's own peer otherwise.
  std::string trusted_proxies;
  // GET /v1/orders/{id}?wait requests one client (key, else address) may have waiting at once.
  unsigned waiters_per_client = 1000;
  unsigned max_event_streams =
      8;  // concurrent GET /v1/admin/events streams (a thread and a Kafka reader each)
  std::string log_level = "info";
  std::string log_format = "text";  // or "json": one JSON object per log line
  // How long the group coordinator waits for a worker's heartbeat before moving its partitions away.
  // Short = fast failover after a crash; too short = a busy broker on a loaded box evicts healthy
  // workers (seen at 10 s on 2 cores under a flood: a ~20 s stall while the group rebalanced).
  unsigned session_timeout_ms = 30000;
  // This worker's static group membership id (unique per role), e.g. "orders-1": a worker restarted
  // within the session timeout keeps its partitions, no rebalance. Empty: dynamic membership.
  std::string group_instance_id;
  // A partition behind its end that has not moved for this long is stalled: the worker's /readyz fails
  // and orderflow_consumer_stalled_partitions counts it, whatever the cause.
  unsigned stall_timeout_ms = 60000;
  // Topics' replication for create-topics; 0: from the manifest's target, fitted to the cluster
  // (orderflow::resolve_replication).
  unsigned replication_factor = 0;
  unsigned min_insync_replicas = 0;
  unsigned batch_max_records =
      500;  // records a worker applies in one transaction at most (RSS vs. round trips)
  // Adaptive batching: a batch smaller than batch_linger_records keeps consuming for up to this long
  // (from its first record) before it is applied, so a moderate load fills transactions instead of
  // paying one commit per few records. Not paid after an idle spell as long as the linger: a lone
  // record is applied at once, nor when the last second's rate promises fewer than 4 more records in the
  // linger. 0: off (apply what is there now). While on, the broker also holds a fetch up to
  // min(linger, 10 ms) to fill it. 10 by default: at 300 orders/s it halved the transactions and cut CPU
  // per order by a sixth at the same latency (BENCHMARKS.md).
  unsigned batch_linger_ms = 10;
  unsigned batch_linger_records = 100;  // the size at which a batch stops lingering

  // Defaults overridden by the environment.
  static Config from_env();
  // Registers every field as a flag on `app`; call after from_env() so flags override the environment.
  void add_flags(CLI::App& app);
  // The database of a role of kDatabaseRoles: its own DSN when set, else pg_dsn.
  const std::string& pg_dsn_for(const std::string& role) const;
  // The topic or group name with this run's prefix.
  std::string topic(const std::string& base) const { return topic_prefix + base; }
};

}  // namespace orderflow
