#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

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

// A migration file in sections, each starting with a line "-- context: <schema>": a database applies
// only the sections of the contexts that live in it. A context's sections are joined, in their order;
// contexts come in the order they first appear.
std::vector<std::pair<std::string, std::string>> sections_of(std::string_view file, std::string_view sql) {
  constexpr std::string_view kMarker = "-- context: ";
  std::vector<std::pair<std::string, std::string>> out;
  size_t current = 0;
  size_t pos = 0;
  while (pos < sql.size()) {
    const size_t eol = std::min(sql.find('\n', pos), sql.size());
    const auto line = sql.substr(pos, eol - pos);
    if (line.starts_with(kMarker)) {
      const std::string context(line.substr(kMarker.size()));
      current = std::find_if(out.begin(), out.end(), [&](const auto& s) { return s.first == context; }) -
                out.begin();
      if (current == out.size()) out.emplace_back(context, "");
    } else if (out.empty()) {
      if (!line.empty())
        throw std::logic_error(std::string(file) + " must start with a '-- context: <schema>' line");
    } else {
      out[current].second.append(line).append("\n");
    }
    pos = eol + 1;
  }
  return out;
}

}  // namespace

void create_views(pqxx::transaction_base& tx, const std::string& schema) {
  tx.exec("CREATE SCHEMA " + tx.quote_name(schema));
  tx.exec("SET LOCAL search_path TO " + tx.quote_name(schema));
  tx.exec(std::string(resource("infra/views/views.sql")));
  tx.exec("SET LOCAL search_path TO DEFAULT");
}

int migrate(pqxx::connection& conn, const std::set<std::string>& contexts) {
  exec_alone(conn, std::string("SELECT pg_advisory_lock(") + kLock + ")");
  int applied = 0;
  try {
    exec_alone(conn,
               "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
               " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& [path, sql] : resources_under("infra/migrations/")) {
      const std::string name(path.substr(path.rfind('/') + 1));
      pqxx::work tx(conn);
      // A row named after the whole file: applied before migrations had sections, all of it.
      if (!tx.exec("SELECT 1 FROM public.schema_migrations WHERE name = " + tx.quote(name)).empty()) continue;
      bool changed = false;
      for (const auto& [context, part] : sections_of(path, sql)) {
        if (!contexts.contains(context)) continue;
        // One row per file and context: a database that two DSNs name (and so two context sets)
        // still gets each section once.
        const auto done = tx.quote(name + "#" + context);
        if (!tx.exec("SELECT 1 FROM public.schema_migrations WHERE name = " + done).empty()) continue;
        tx.exec(part);
        tx.exec("INSERT INTO public.schema_migrations (name) VALUES (" + done + ") ON CONFLICT DO NOTHING");
        changed = true;
      }
      tx.commit();
      if (changed) {
        spdlog::info("applied migration {}", name);
        ++applied;
      }
    }
    pqxx::work tx(conn);
    if (contexts.contains("views") &&
        tx.exec(std::string("SELECT 1 FROM pg_namespace WHERE nspname = '") + kViewsSchema + "'").empty()) {
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
