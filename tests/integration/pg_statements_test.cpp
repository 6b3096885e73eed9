// A batch's rows go to PostgreSQL as array parameters of one prepared statement (pg::Rows, pg::exec_rows;
// issue 11): whatever the values, they come back as they were, and whatever the batch holds, its
// statement has one text, prepared once per session.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "orderflow/pg.hpp"
#include "orderflow/runtime/outbox.hpp"
#include "pipeline.hpp"

using namespace orderflow;

namespace {

// Text that a careless literal would change or choke on.
const std::vector<std::string> kHostile = {
    "",           "NULL",        "null", "a,b",        "{braces}",       "}",         "{",
    "\"quoted\"", "back\\slash", "\\",   "  spaced  ", "tab\tnew\nline", "ünï©ødé ✓", "'; DROP TABLE x; --",
    "$1",         "a\"b\\c,d}e"};

size_t prepared_statements(pqxx::connection& conn) {
  pqxx::nontransaction q(conn);
  return q.exec("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'orderflow_%'")[0][0]
      .as<size_t>();
}

}  // namespace

TEST(PgStatements, HostileValuesComeBackAsTheyWere) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  auto conn = pg::connect(p.dsn());
  pg::Rows rows;
  for (size_t i = 0; i < kHostile.size(); ++i) {
    const std::optional<std::string> none;
    rows.row(static_cast<int>(i), kHostile[i], i % 3 == 0 ? none : std::optional<std::string>(kHostile[i]),
             std::numeric_limits<int64_t>::min() + static_cast<int64_t>(i));
  }
  pqxx::read_transaction tx(*conn);
  const auto result = pg::exec_rows(
      tx, "SELECT i::int, text, maybe, n::bigint FROM " + rows.from("i, text, maybe, n") + " ORDER BY i::int",
      rows);
  ASSERT_EQ(result.size(), kHostile.size());
  for (size_t i = 0; i < kHostile.size(); ++i) {
    EXPECT_EQ(result[i][0].as<size_t>(), i);
    EXPECT_EQ(result[i][1].as<std::string>(), kHostile[i]) << "row " << i;
    if (i % 3 == 0) {
      EXPECT_TRUE(result[i][2].is_null()) << "row " << i;
    } else {
      EXPECT_EQ(result[i][2].as<std::string>(), kHostile[i]) << "row " << i;
    }
    EXPECT_EQ(result[i][3].as<int64_t>(), std::numeric_limits<int64_t>::min() + static_cast<int64_t>(i));
  }
  // The same values as one array parameter match exactly themselves.
  const auto matched = pg::exec_prepared(
      tx, "SELECT count(*) FROM unnest($1::text[]) AS t (v) WHERE v = ANY($2::text[])",
      pg::array_literal(kHostile), pg::array_literal(std::vector<std::string>{"NULL", "a,b", "\\", "x"}));
  EXPECT_EQ(matched[0][0].as<int>(), 3);
}

TEST(PgStatements, ABatchStatementHasOneTextWhateverTheBatchHolds) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  auto conn = pg::connect(p.dsn());
  EXPECT_EQ(prepared_statements(*conn), 0u);
  for (const size_t size : {1, 3, 50, 2}) {
    pg::Rows rows;
    for (size_t i = 0; i < size; ++i) rows.row(kHostile[i % kHostile.size()], static_cast<int>(i));
    pqxx::read_transaction tx(*conn);
    const auto r = pg::exec_rows(tx, "SELECT count(*) FROM " + rows.from("text, n"), rows);
    EXPECT_EQ(r[0][0].as<size_t>(), size);
  }
  EXPECT_EQ(prepared_statements(*conn), 1u);
  // Another text is another statement; a new connection prepares its own.
  {
    pqxx::read_transaction tx(*conn);
    pg::exec_prepared(tx, "SELECT $1::int + 1", 41);
  }
  EXPECT_EQ(prepared_statements(*conn), 2u);
  auto other = pg::connect(p.dsn());
  EXPECT_EQ(prepared_statements(*other), 0u);
}

// Outbox payloads are bytes (a dead letter carries what a producer sent, not necessarily text): they go
// as hex and come back byte for byte.
TEST(PgStatements, OutboxPayloadsKeepEveryByte) {
  test::Pipeline p(test::Pipeline::Options{.api = false, .roles = {}, .env = {}});
  auto conn = pg::connect(p.dsn());
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
  const std::string source = "pg-statements-test";
  runtime::Outbox outbox(p.config(), source);
  runtime::Record poison;
  poison.topic = p.topic("orders.commands");
  poison.key = "k\"ey,}";
  poison.value = bytes;
  outbox.dead_letter(poison, "not json");
  outbox.dead_letter(poison, "again");
  pqxx::work tx(*conn);  // never committed: nothing is left for a relay
  outbox.write(tx);
  const auto r = tx.exec("SELECT key, payload FROM runtime.outbox WHERE source = " + tx.quote(source) +
                         " ORDER BY xid, seq");
  ASSERT_EQ(r.size(), 2u);
  for (const auto& row : r) {
    EXPECT_EQ(row[0].as<std::string>(), poison.key);
    const pqxx::binarystring payload(row[1]);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(payload.data()), payload.size()), bytes);
  }
}
