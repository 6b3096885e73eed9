#include <spdlog/spdlog.h>

#include "orderflow/pg.hpp"
#include "orderflow/resources.hpp"

namespace orderflow::pg {
namespace {
// Any fixed number: the advisory lock that serializes concurrent migrators.
constexpr long kMigrationLock = 0x6f726465;  // "orde"
}  // namespace

int migrate(pqxx::connection& conn) {
  pqxx::nontransaction session(conn);
  session.exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
  int applied = 0;
  try {
    session.exec(
        "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
        " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& [path, sql] : resources_under("infra/migrations/")) {
      const std::string name(path.substr(path.rfind('/') + 1));
      if (!session.exec("SELECT 1 FROM public.schema_migrations WHERE name = " + session.quote(name)).empty()) {
        continue;
      }
      pqxx::work tx(conn);
      tx.exec(std::string(sql));
      tx.exec("INSERT INTO public.schema_migrations (name) VALUES (" + tx.quote(name) + ")");
      tx.commit();
      spdlog::info("applied migration {}", name);
      ++applied;
    }
  } catch (...) {
    pqxx::nontransaction unlock(conn);
    unlock.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
    throw;
  }
  pqxx::nontransaction unlock(conn);
  unlock.exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
  return applied;
}

}  // namespace orderflow::pg
