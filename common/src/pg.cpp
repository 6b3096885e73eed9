#include "orderflow/pg.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

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
