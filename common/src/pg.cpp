#include "orderflow/pg.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "orderflow/log.hpp"

namespace orderflow::pg {

std::string guarded_dsn(const std::string& dsn, const SessionLimits& limits) {
  if (dsn.starts_with("postgres") && dsn.find("://") != std::string::npos) return dsn;
  std::string out = dsn;
  if (out.find("connect_timeout") == std::string::npos) out += " connect_timeout=5";
  // pg_stat_activity (and pg_locks through it) then says which process holds a session, e.g. which
  // worker holds a relay's lease: "worker-orders:4242".
  if (out.find("application_name") == std::string::npos)
    out += fmt::format(" fallback_application_name={}:{}", process_name(), ::getpid());
  if (out.find("keepalives") == std::string::npos) {
    out += " keepalives=1 keepalives_idle=10 keepalives_interval=3 keepalives_count=3";
  }
  if (out.find("options") == std::string::npos) {
    out += fmt::format(" options='-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
                       limits.statement.count(), limits.idle_in_transaction.count());
    if (limits.idle_session.count() > 0)
      out += fmt::format(" -c idle_session_timeout={}", limits.idle_session.count());
    out += "'";
  }
  return out;
}

void append_array_element(std::string& literal, std::string_view value) {
  literal += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') literal += '\\';
    literal += c;
  }
  literal += '"';
}

std::string statement_name(const std::string& sql) {
  return fmt::format("orderflow_{:016x}", std::hash<std::string>{}(sql));
}

std::string Rows::from(std::string_view names, int first_parameter) const {
  vassert(!columns_.empty(), "from() of rows that have none: the caller checks empty() first");
  const auto named = static_cast<size_t>(std::count(names.begin(), names.end(), ',')) + 1;
  vassert(named == columns_.size(), "{} names ({}) for rows of {} columns", named, names, columns_.size());
  std::string out = "unnest(";
  for (size_t i = 0; i < columns_.size(); ++i)
    out += fmt::format("{}${}::text[]", i == 0 ? "" : ", ", first_parameter + static_cast<int>(i));
  return out + ") AS v (" + std::string(names) + ")";
}

pqxx::result exec_rows(pqxx::transaction_base& tx, const std::string& sql, const Rows& rows) {
  return exec_prepared(tx, sql, pqxx::prepare::make_dynamic_params(rows.parameters()));
}

std::unique_ptr<pqxx::connection> connect(const std::string& dsn, const SessionLimits& limits) {
  return std::make_unique<pqxx::connection>(guarded_dsn(dsn, limits));
}

std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& dsn,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    try {
      return connect(dsn);
    } catch (const pqxx::broken_connection& e) {
      if (std::chrono::steady_clock::now() + backoff > deadline) throw;
      spdlog::warn("PostgreSQL not reachable yet ({}); retrying in {} ms", e.what(), backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    }
  }
}

}  // namespace orderflow::pg
