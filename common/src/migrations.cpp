#include <spdlog/spdlog.h>

#include "orderflow/pg.hpp"
#include "orderflow/resources.hpp"

namespace orderflow::pg {
namespace {

// Any fixed number: the session-level advisory lock that serializes concurrent migrators.
constexpr const char* kLock = "1869771365";  // "orde"

void exec_alone(pqxx::connection& conn, const std::string& sql) {
  pqxx::nontransaction q(conn);
  q.exec(sql);
}

}  // namespace

void create_views(pqxx::transaction_base& tx, const std::string& schema) {
  tx.exec("CREATE SCHEMA " + tx.quote_name(schema));
  tx.exec("SET LOCAL search_path TO " + tx.quote_name(schema));
  tx.exec(std::string(resource("infra/views/views.sql")));
  tx.exec("SET LOCAL search_path TO DEFAULT");
}

int migrate(pqxx::connection& conn) {
  exec_alone(conn, std::string("SELECT pg_advisory_lock(") + kLock + ")");
  int applied = 0;
  try {
    exec_alone(conn,
               "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
               " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& [path, sql] : resources_under("infra/migrations/")) {
      const std::string name(path.substr(path.rfind('/') + 1));
      pqxx::work tx(conn);
      if (!tx.exec("SELECT 1 FROM public.schema_migrations WHERE name = " + tx.quote(name)).empty()) continue;
      tx.exec(std::string(sql));
      tx.exec("INSERT INTO public.schema_migrations (name) VALUES (" + tx.quote(name) + ")");
      tx.commit();
      spdlog::info("applied migration {}", name);
      ++applied;
    }
    pqxx::work tx(conn);
    if (tx.exec(std::string("SELECT 1 FROM pg_namespace WHERE nspname = '") + kViewsSchema + "'").empty()) {
      create_views(tx, kViewsSchema);
      spdlog::info("created the read models' schema {}", kViewsSchema);
    }
    tx.commit();
  } catch (...) {
    exec_alone(conn, std::string("SELECT pg_advisory_unlock(") + kLock + ")");
    throw;
  }
  exec_alone(conn, std::string("SELECT pg_advisory_unlock(") + kLock + ")");
  return applied;
}

}  // namespace orderflow::pg
