#pragma once
// Which data lives in which PostgreSQL database. Each role of kDatabaseRoles owns bounded contexts
// (schemas) and may have a database of its own (Config::pg_dsn_for); roles without one share
// ORDERFLOW_PG_DSN. Migrations, seeding, verify and backups go through this map, so a topology is
// described once: here.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "orderflow/config.hpp"

namespace orderflow {

// The schemas a role owns. `runtime` (offsets, processed ids, outbox) is in every role's database:
// it must commit in the same transaction as the role's state. The catalog is the orders role's: the
// orders worker prices lines from it inside its batch.
const std::set<std::string>& contexts_of(const std::string& role);

struct Database {
  std::string dsn;
  std::vector<std::string> roles;  // the roles of kDatabaseRoles whose data lives here, in that order
  std::set<std::string> contexts;  // the union of their contexts
};

// The distinct databases of a configuration, in kDatabaseRoles' order of first use: one when no
// ORDERFLOW_PG_DSN_<ROLE> is set.
std::vector<Database> databases(const Config& config);

// Applies the migrations of every database (pg::migrate with its contexts), waiting up to `timeout`
// for each to accept connections. Returns how many migrations ran, over all of them.
int migrate_databases(const Config& config, std::chrono::milliseconds timeout);

}  // namespace orderflow
