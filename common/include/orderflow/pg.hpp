#pragma once
// PostgreSQL access (libpqxx 6.4): connections are per thread; a broken one is replaced, not reused.
#include <chrono>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>

#include "orderflow/messages/states.hpp"
#include "orderflow/vassert.hpp"

namespace orderflow::pg {

// Server-side bounds of a session, so a client that froze (SIGSTOP, a partition) cannot hold locks for
// ever: its open transaction is ended after `idle_in_transaction`, a statement after `statement`, and,
// where set, the whole idle session after `idle_session` (the relay's lease: a live relay queries at
// least every 200 ms, a frozen one loses its advisory lock). TCP keepalives find a peer that is gone.
struct SessionLimits {
  std::chrono::milliseconds statement{60000};
  std::chrono::milliseconds idle_in_transaction{30000};
  std::chrono::milliseconds idle_session{0};  // 0: none
};

// Connects with a 5 s connect timeout, keepalives and `limits` (a key=value DSN only; a URI or a DSN
// that sets its own options is taken as it is).
std::unique_ptr<pqxx::connection> connect(const std::string& dsn, const SessionLimits& limits = {});
// The DSN connect() uses.
std::string guarded_dsn(const std::string& dsn, const SessionLimits& limits);
// Retries until connected or `timeout` passed (then rethrows the last error).
std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& dsn,
                                                     std::chrono::milliseconds timeout);

// Applies the embedded migrations (infra/migrations/NNN_*.sql) not applied yet, each in its own
// transaction, under an advisory lock so concurrent starters do not race. Returns how many ran.
// Only the sections ("-- context: <schema>") of `contexts` run: the schemas that live in this
// database (orderflow::databases()); `views` is created here when it is one of them.
// orderflow::migrate_databases() does it for every database of a configuration.
int migrate(pqxx::connection& conn, const std::set<std::string>& contexts);
// The read models' schema is derived data: its DDL is infra/views/views.sql, not a migration. Creates
// `schema` with those tables inside `tx` (migrate() does it for `views` when it is missing; a rebuild
// does it for a fresh schema).
void create_views(pqxx::transaction_base& tx, const std::string& schema);
inline constexpr const char* kViewsSchema = "views";
// The channel the live views NOTIFY on at commit, with the ids of the orders a batch changed
// (comma-separated): the api's ?wait listens on it.
inline constexpr const char* kViewsOrdersChannel = "orderflow_views_orders";
// Taken shared by every batch of the projections role and exclusive by a rebuild's swap, so the swap
// sees the live views at rest: pg_advisory_xact_lock(_shared)(kViewsLock).
inline constexpr int64_t kViewsLock = 0x0f1e7a0b;

// A state read back from its column: the table's CHECK allows only the enum's names, so any other
// value is a broken invariant, not bad input.
template <messages::NamedEnum E>
E state_from(const pqxx::field& f) {
  const auto name = f.as<std::string>();
  const auto parsed = messages::parse<E>(name);
  vassert(parsed.has_value(), "unknown state {} in {}", name, f.name());
  return *parsed;
}

// "'a','b','c'": the quoted values of a container, for `IN (...)`. The container must not be empty.
template <typename Container>
std::string quoted_list(pqxx::transaction_base& tx, const Container& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += tx.quote(v);
  }
  return out;
}

// "{a,b,c}": a PostgreSQL array literal of `values`, passed as ONE parameter (e.g. `= ANY($1::uuid[])`).
// For values already validated (UUIDs): the server parses the literal and refuses anything else.
template <typename Container>
std::string array_literal(const Container& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    out += v;
  }
  return out + "}";
}

// SQL of `column` (a timestamptz) as RFC 3339 text in UTC, with milliseconds unless `millis` is false:
// the one time format of every JSON document PostgreSQL builds for the api.
inline std::string iso8601_utc(std::string_view column, bool millis = true) {
  return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS" +
         (millis ? ".MS" : "") + "\"Z\"')";
}

// A multi-row VALUES list builder: one round trip for a whole batch, values quoted by libpq.
class ValuesList {
 public:
  explicit ValuesList(pqxx::transaction_base& tx) : tx_(tx) {}
  template <typename... T>
  void row(const T&... values) {
    sql_ += sql_.empty() ? "(" : ",(";
    bool first = true;
    ((sql_ += (first ? "" : ","), sql_ += quoted(values), first = false), ...);
    sql_ += ")";
    ++rows_;
  }
  bool empty() const { return rows_ == 0; }
  size_t size() const { return rows_; }
  const std::string& sql() const { return sql_; }

 private:
  template <typename T>
  std::string quoted(const T& v) const {
    return tx_.quote(v);
  }
  std::string quoted(std::string_view v) const { return tx_.quote(std::string(v)); }
  template <typename T>
  std::string quoted(const std::optional<T>& v) const {
    return v ? tx_.quote(*v) : std::string("NULL");
  }

  pqxx::transaction_base& tx_;
  std::string sql_;
  size_t rows_ = 0;
};

}  // namespace orderflow::pg
