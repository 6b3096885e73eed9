#include "orderflow/databases.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "orderflow/pg.hpp"

namespace orderflow {

const std::set<std::string>& contexts_of(const std::string& role) {
  static const std::map<std::string, std::set<std::string>> kContexts = {
      {"orders", {"runtime", "orders", "catalog"}},
      {"inventory", {"runtime", "inventory"}},
      {"carts", {"runtime", "carts"}},
      {"projections", {"runtime", "views"}},
  };
  const auto it = kContexts.find(role);
  if (it == kContexts.end()) throw std::invalid_argument("no database role " + role);
  return it->second;
}

std::vector<Database> databases(const Config& config) {
  std::vector<Database> out;
  for (const auto& role : kDatabaseRoles) {
    const auto& dsn = config.pg_dsn_for(role);
    auto it = std::find_if(out.begin(), out.end(), [&](const Database& d) { return d.dsn == dsn; });
    if (it == out.end()) it = out.insert(out.end(), Database{dsn, {}, {}});
    it->roles.push_back(role);
    const auto& contexts = contexts_of(role);
    it->contexts.insert(contexts.begin(), contexts.end());
  }
  return out;
}

int migrate_databases(const Config& config, std::chrono::milliseconds timeout) {
  int applied = 0;
  for (const auto& db : databases(config)) {
    auto conn = pg::connect_with_retry(db.dsn, timeout);
    applied += pg::migrate(*conn, db.contexts);
  }
  return applied;
}

}  // namespace orderflow
