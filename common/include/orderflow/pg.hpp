#pragma once
// PostgreSQL access (libpqxx 6.4): connections are per thread; a broken one is replaced, not reused.
#include <chrono>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

// Appends `value` to a PostgreSQL array literal as one element: double-quoted, quotes and backslashes
// escaped, so any text is that text again on the server (commas, braces, quotes, "NULL", blanks).
void append_array_element(std::string& literal, std::string_view value);

// "{"a","b","c"}": a PostgreSQL array literal of `values`, passed as ONE parameter (e.g.
// `= ANY($1::uuid[])`): the statement's text does not depend on the values, so it can be prepared.
template <typename Container>
std::string array_literal(const Container& values) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    append_array_element(out, v);
  }
  return out + "}";
}

// The name exec_prepared() prepares `sql` under: derived from the text, so one text is one statement
// per session whoever runs it (pqxx refuses a name reused for another text, so a collision throws).
std::string statement_name(const std::string& sql);

// Runs `sql` as a prepared statement of the transaction's connection (prepared there on its first use):
// the server parses and plans it once per session rather than on every call. `sql` must not splice in
// values that vary from call to call (pass them as $n parameters, arrays for a batch: Rows below), or
// each text becomes one more statement kept for the whole session.
template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
  const std::string name = statement_name(sql);
  tx.conn().prepare(name, sql);  // a no-op when this connection knows it already
  return tx.exec_prepared(name, std::forward<Args>(args)...);
}

// SQL of `column` (a timestamptz) as RFC 3339 text in UTC, with milliseconds unless `millis` is false:
// the one time format of every JSON document PostgreSQL builds for the api.
inline std::string iso8601_utc(std::string_view column, bool millis = true) {
  return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS" +
         (millis ? ".MS" : "") + "\"Z\"')";
}

// A batch's rows for one statement, sent as parameters: one text[] per column. The statement reads them
// with from(), `unnest($1::text[], ..., $n::text[]) AS v (names)`, and casts the columns it needs, so its
// text is the same whatever the batch holds and exec_rows() prepares it once per session (issue 11:
// parsing and planning a VALUES list per batch cost a third of PostgreSQL's CPU). Values never enter
// the SQL text, so no value can change it.
class Rows {
 public:
  template <typename... T>
  void row(const T&... values) {
    if (columns_.empty()) columns_.assign(sizeof...(T), "{}");
    vassert(columns_.size() == sizeof...(T), "a row of {} values for {} columns", sizeof...(T),
            columns_.size());
    size_t column = 0;
    ((put(columns_[column++], values)), ...);
    ++rows_;
  }
  bool empty() const { return rows_ == 0; }
  size_t size() const { return rows_; }
  // "unnest($first::text[], ...) AS v (names)": a FROM item of the rows, their columns text, named by
  // `names` (comma-separated, one per column of the rows; a mismatch is a bug and stops the process).
  std::string from(std::string_view names, int first_parameter = 1) const;
  // The parameters from() refers to: one array literal per column.
  const std::vector<std::string>& parameters() const { return columns_; }

 private:
  // Adds one element to a column's literal, inside its closing brace (so the literal is always whole
  // and parameters() need not copy it).
  template <typename Write>
  void append(std::string& column, const Write& write) const {
    column.pop_back();
    if (rows_ > 0) column += ',';
    write(column);
    column += '}';
  }
  void put(std::string& column, std::string_view v) const {
    append(column, [&](std::string& c) { append_array_element(c, v); });
  }
  void put(std::string& column, const std::string& v) const { put(column, std::string_view(v)); }
  void put(std::string& column, const char* v) const { put(column, std::string_view(v)); }
  template <typename T>
  requires std::is_arithmetic_v<T>
  void put(std::string& column, T v) const {
    append(column, [&](std::string& c) { c += pqxx::to_string(v); });
  }
  template <typename T>
  void put(std::string& column, const std::optional<T>& v) const {
    if (v) return put(column, *v);
    append(column, [](std::string& c) { c += "NULL"; });
  }

  std::vector<std::string> columns_;  // array literals, one per column
  size_t rows_ = 0;
};

// Runs `sql` (which reads `rows` through rows.from() with parameters from 1) as a prepared statement.
pqxx::result exec_rows(pqxx::transaction_base& tx, const std::string& sql, const Rows& rows);

}  // namespace orderflow::pg
