#include "db.hpp"

#include <map>
#include <memory>

#include "orderflow/pg.hpp"

namespace orderflow::api::db {
namespace {

// One map per thread: the api reads from one database, but nothing here depends on it.
std::map<std::string, std::unique_ptr<pqxx::connection>>& connections() {
  thread_local std::map<std::string, std::unique_ptr<pqxx::connection>> by_dsn;
  return by_dsn;
}

}  // namespace

pqxx::connection& thread_connection(const std::string& dsn) {
  auto& conn = connections()[dsn];
  if (!conn || !conn->is_open()) conn = pg::connect(dsn);
  return *conn;
}

void drop_thread_connection(const std::string& dsn) {
  connections().erase(dsn);
}

bool reachable(const std::string& dsn) {
  try {
    return read(dsn, [](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      tx.exec("SELECT 1");
      return true;
    });
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace orderflow::api::db
