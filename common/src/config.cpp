#include "orderflow/config.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace orderflow {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

// Digits only, and within the field's range: "-1", "8080x" or "70000" for a port are errors, not
// silently wrapped or truncated values.
template <typename T>
void read_number(const char* name, T& field) {
  const char* v = env(name);
  if (v == nullptr) return;
  T value{};
  const char* end = v + std::strlen(v);
  const auto [ptr, ec] = std::from_chars(v, end, value);
  if (ec != std::errc() || ptr != end || *v == '-' || *v == '+') {
    throw std::invalid_argument(std::string(name) + " must be an integer from 0 to " +
                                std::to_string(std::numeric_limits<T>::max()) + ", got '" + v + "'");
  }
  field = value;
}

void read_string(const char* name, std::string& field) {
  if (const char* v = env(name)) field = v;
}

}  // namespace

std::string pg_dsn_variable(const std::string& role) {
  std::string name = "ORDERFLOW_PG_DSN_" + role;
  for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

Config Config::from_env() {
  Config c;
  read_string("ORDERFLOW_KAFKA_BROKERS", c.kafka_brokers);
  read_string("ORDERFLOW_PG_DSN", c.pg_dsn);
  for (const auto& role : kDatabaseRoles) {
    if (const char* v = env(pg_dsn_variable(role).c_str())) c.role_pg_dsn[role] = v;
  }
  read_string("ORDERFLOW_TOPIC_PREFIX", c.topic_prefix);
  read_string("ORDERFLOW_BIND_ADDRESS", c.bind_address);
  read_number("ORDERFLOW_API_PORT", c.api_port);
  read_number("ORDERFLOW_METRICS_PORT", c.metrics_port);
  read_number("ORDERFLOW_API_THREADS", c.api_threads);
  read_number("ORDERFLOW_PRODUCE_TIMEOUT_MS", c.produce_timeout_ms);
  read_number("ORDERFLOW_MAX_BODY_BYTES", c.max_body_bytes);
  read_string("ORDERFLOW_ADMIN_TOKEN", c.admin_token);
  read_string("ORDERFLOW_API_KEYS_FILE", c.api_keys_file);
  read_string("ORDERFLOW_API_KEYS", c.api_keys);
  read_string("ORDERFLOW_ORDER_ID_SECRET", c.order_id_secret);
  read_string("ORDERFLOW_RATE_LIMIT_ADDRESS", c.rate_limit_address);
  read_string("ORDERFLOW_RATE_LIMIT_STOREFRONT", c.rate_limit_storefront);
  read_string("ORDERFLOW_RATE_LIMIT_PARTNER", c.rate_limit_partner);
  read_string("ORDERFLOW_RATE_LIMIT_ADMIN", c.rate_limit_admin);
  read_string("ORDERFLOW_TRUSTED_PROXIES", c.trusted_proxies);
  read_number("ORDERFLOW_WAITERS_PER_CLIENT", c.waiters_per_client);
  read_number("ORDERFLOW_MAX_EVENT_STREAMS", c.max_event_streams);
  read_string("ORDERFLOW_LOG_LEVEL", c.log_level);
  read_string("ORDERFLOW_LOG_FORMAT", c.log_format);
  if (c.log_format != "text" && c.log_format != "json")
    throw std::invalid_argument("ORDERFLOW_LOG_FORMAT must be text or json, got '" + c.log_format + "'");
  read_number("ORDERFLOW_BATCH_MAX_RECORDS", c.batch_max_records);
  read_number("ORDERFLOW_BATCH_LINGER_MS", c.batch_linger_ms);
  read_number("ORDERFLOW_BATCH_LINGER_RECORDS", c.batch_linger_records);
  read_number("ORDERFLOW_SESSION_TIMEOUT_MS", c.session_timeout_ms);
  read_string("ORDERFLOW_GROUP_INSTANCE_ID", c.group_instance_id);
  read_number("ORDERFLOW_STALL_TIMEOUT_MS", c.stall_timeout_ms);
  read_number("ORDERFLOW_REPLICATION_FACTOR", c.replication_factor);
  read_number("ORDERFLOW_MIN_INSYNC_REPLICAS", c.min_insync_replicas);
  return c;
}

void Config::add_flags(CLI::App& app) {
  app.add_option("--kafka-brokers", kafka_brokers, "Kafka bootstrap servers (ORDERFLOW_KAFKA_BROKERS)");
  app.add_option("--pg-dsn", pg_dsn, "PostgreSQL connection string (ORDERFLOW_PG_DSN)");
  for (const auto& role : kDatabaseRoles) {
    app.add_option("--pg-dsn-" + role, role_pg_dsn[role],
                   "PostgreSQL of the " + role + " role, else --pg-dsn (" + pg_dsn_variable(role) + ")");
  }
  app.add_option("--topic-prefix", topic_prefix, "Prefix of every topic and group (ORDERFLOW_TOPIC_PREFIX)");
  app.add_option("--bind-address", bind_address, "Address to listen on (ORDERFLOW_BIND_ADDRESS)");
  app.add_option("--api-port", api_port, "HTTP port of the api (ORDERFLOW_API_PORT)");
  app.add_option("--metrics-port", metrics_port, "Port of a worker's /metrics (ORDERFLOW_METRICS_PORT)");
  app.add_option("--api-threads", api_threads, "Pistache worker threads (ORDERFLOW_API_THREADS)")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--produce-timeout-ms", produce_timeout_ms,
                 "Bound on waiting for Kafka's ack before 503 (ORDERFLOW_PRODUCE_TIMEOUT_MS)")
      ->check(CLI::Range(100u, 300000u));
  app.add_option("--max-body-bytes", max_body_bytes,
                 "Largest request body, else 413 (ORDERFLOW_MAX_BODY_BYTES)");
  app.add_option("--admin-token", admin_token, "Bearer token of the admin endpoints (ORDERFLOW_ADMIN_TOKEN)");
  app.add_option("--api-keys-file", api_keys_file,
                 "File of API keys: <id> <role> [namespace] <sha256 hex> per line (ORDERFLOW_API_KEYS_FILE)");
  // No flag for ORDERFLOW_API_KEYS nor the order id secret: a command line is visible in ps.
  app.add_option("--rate-limit-address", rate_limit_address,
                 "Requests per second[:burst] per client address, or off (ORDERFLOW_RATE_LIMIT_ADDRESS)");
  app.add_option("--rate-limit-storefront", rate_limit_storefront,
                 "Requests per second[:burst] per storefront key, or off (ORDERFLOW_RATE_LIMIT_STOREFRONT)");
  app.add_option("--rate-limit-partner", rate_limit_partner,
                 "Requests per second[:burst] per partner key, or off (ORDERFLOW_RATE_LIMIT_PARTNER)");
  app.add_option("--rate-limit-admin", rate_limit_admin,
                 "Requests per second[:burst] per admin key, or off (ORDERFLOW_RATE_LIMIT_ADMIN)");
  app.add_option("--trusted-proxies", trusted_proxies,
                 "Proxies whose X-Forwarded-For names the client: addresses or a.b.c.d/n, comma-separated "
                 "(ORDERFLOW_TRUSTED_PROXIES)");
  app.add_option("--waiters-per-client", waiters_per_client,
                 "GET /v1/orders/{id}?wait requests one client may have waiting, 429 beyond "
                 "(ORDERFLOW_WAITERS_PER_CLIENT)")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--max-event-streams", max_event_streams,
                 "Concurrent event streams of GET /v1/admin/events, 503 beyond (ORDERFLOW_MAX_EVENT_STREAMS)")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error (ORDERFLOW_LOG_LEVEL)");
  app.add_option("--log-format", log_format, "text|json: one JSON object per line (ORDERFLOW_LOG_FORMAT)")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--batch-max-records", batch_max_records,
                 "Most records a worker applies per transaction (ORDERFLOW_BATCH_MAX_RECORDS)")
      ->check(CLI::Range(1u, 100000u));
  // Bounded far below max.poll.interval.ms and the stall timeout: a linger never looks like a hang.
  app.add_option("--batch-linger-ms", batch_linger_ms,
                 "How long a small batch keeps consuming before it is applied, 0 = off "
                 "(ORDERFLOW_BATCH_LINGER_MS)")
      ->check(CLI::Range(0u, 5000u));
  app.add_option("--batch-linger-records", batch_linger_records,
                 "Batch size at which the linger ends (ORDERFLOW_BATCH_LINGER_RECORDS)")
      ->check(CLI::Range(1u, 100000u));
  app.add_option("--session-timeout-ms", session_timeout_ms,
                 "Consumer group session timeout of a worker (ORDERFLOW_SESSION_TIMEOUT_MS)")
      ->check(CLI::Range(6000u, 300000u));
  app.add_option("--group-instance-id", group_instance_id,
                 "Static consumer group membership id, unique per role (ORDERFLOW_GROUP_INSTANCE_ID)");
  app.add_option("--stall-timeout-ms", stall_timeout_ms,
                 "How long a partition behind its end may go without progress before /readyz fails "
                 "(ORDERFLOW_STALL_TIMEOUT_MS)")
      ->check(CLI::Range(1000u, 3600000u));
  app.add_option(
         "--replication-factor", replication_factor,
         "Replicas of every topic create-topics makes; 0: min(3, brokers) (ORDERFLOW_REPLICATION_FACTOR)")
      ->check(CLI::Range(0u, 32u));
  app.add_option(
         "--min-insync-replicas", min_insync_replicas,
         "Topics' min.insync.replicas; 0: 2 when replicas >= 3, else 1 (ORDERFLOW_MIN_INSYNC_REPLICAS)")
      ->check(CLI::Range(0u, 32u));
}

const std::string& Config::pg_dsn_for(const std::string& role) const {
  const auto it = role_pg_dsn.find(role);
  return it == role_pg_dsn.end() || it->second.empty() ? pg_dsn : it->second;
}

}  // namespace orderflow
