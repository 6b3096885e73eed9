#pragma once
// PostgreSQL access of the api, written once: every thread that reads (the Pistache workers, the order
// waiter) keeps ONE connection per database, opened on first use and replaced when it broke. libpqxx
// connections are not thread-safe, and this keeps the api stateless apart from these caches.
#include <pqxx/pqxx>
#include <string>

namespace orderflow::api::db {

// This thread's connection to `dsn`; opens it if there is none or the last one closed.
pqxx::connection& thread_connection(const std::string& dsn);
// Forgets this thread's connection to `dsn` (after it broke); the next use opens a new one.
void drop_thread_connection(const std::string& dsn);

// Runs fn(pqxx::connection&) on this thread's connection. When the connection turns out broken (a
// server restart leaves every cached connection dead) it is replaced and fn runs once more, so `fn`
// must be safe to repeat: use this for reads. Other errors propagate unchanged.
template <typename Fn>
auto read(const std::string& dsn, Fn&& fn) {
  for (int attempt = 0;; ++attempt) {
    try {
      return fn(thread_connection(dsn));
    } catch (const pqxx::broken_connection&) {
      drop_thread_connection(dsn);
      if (attempt > 0) throw;
    }
  }
}

// True when `SELECT 1` succeeds on this thread's connection.
bool reachable(const std::string& dsn);

}  // namespace orderflow::api::db
