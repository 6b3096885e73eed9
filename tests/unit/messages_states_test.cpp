// The state enums (messages/states.hpp): names round-trip through to_string/parse, and they are the
// values the database allows (the CHECK constraints of infra/migrations, read from the embedded SQL, the
// last definition of each column winning) and the values the message schemas allow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderflow/messages/states.hpp"
#include "orderflow/resources.hpp"
#include "orderflow/schema.hpp"

using namespace orderflow::messages;

namespace {

// --- A small reader of the CHECK (column IN ('A', 'B')) constraints of a migration script -------------

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string unquote_identifier(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  return lower(s);
}

// The script without comments, split into statements at the semicolons outside string literals.
std::vector<std::string> statements(std::string_view sql) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') {  // a literal, '' inside it being a quote
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == '\'' && end + 1 < sql.size() && sql[end + 1] == '\'') {
          end += 2;
        } else if (sql[end] == '\'') {
          break;
        } else {
          ++end;
        }
      }
      current.append(sql.substr(i, end - i + 1));
      i = end;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      current += '\n';
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 1;
      current += ' ';
    } else if (c == ';') {
      out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(current));
  return out;
}

// The string literals of a list such as 'A', 'B' (or ARRAY['A'::text, 'B'::text]).
std::vector<std::string> literals(const std::string& list) {
  static const std::regex kLiteral(R"('((?:[^']|'')*)')");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(list.begin(), list.end(), kLiteral); it != std::sregex_iterator();
       ++it) {
    std::string v = (*it)[1].str();
    for (size_t p = v.find("''"); p != std::string::npos; p = v.find("''", p + 1)) v.erase(p, 1);
    out.push_back(std::move(v));
  }
  return out;
}

// "schema.table.column" -> the values its CHECK constraint allows, as the migrations leave it: a later
// definition (ALTER TABLE ... ADD CONSTRAINT ... CHECK, or a table created again) replaces an earlier one.
using Checks = std::map<std::string, std::vector<std::string>>;

void read_checks(std::string_view sql, Checks& checks) {
  static const std::regex kTable(
      R"(^\s*(?:create\s+(?:(?:unlogged|temp|temporary)\s+)?table|alter\s+table)\s+(?:if\s+(?:not\s+)?exists\s+)?(?:only\s+)?([\w."]+))",
      std::regex::icase);
  static const std::regex kInList(R"(check\s*\(\s*\(?\s*("?\w+"?)\s*\)?\s+in\s*\(([^)]*)\))",
                                  std::regex::icase);
  static const std::regex kAnyArray(
      R"(check\s*\(\s*\(?\s*\(?\s*("?\w+"?)\s*\)?(?:::\w+)?\s*=\s*any\s*\(\s*(?:\()?array\s*\[([^\]]*)\])",
      std::regex::icase);
  for (const auto& statement : statements(sql)) {
    std::smatch table;
    if (!std::regex_search(statement, table, kTable)) continue;
    const std::string name = unquote_identifier(table[1].str());
    for (const auto* re : {&kInList, &kAnyArray}) {
      for (auto it = std::sregex_iterator(statement.begin(), statement.end(), *re);
           it != std::sregex_iterator(); ++it) {
        checks[name + "." + unquote_identifier((*it)[1].str())] = literals((*it)[2].str());
      }
    }
  }
}

// Every migration, in the order they run (by path).
const Checks& migration_checks() {
  static const Checks checks = [] {
    Checks c;
    for (const auto& [path, sql] : orderflow::resources_under("infra/migrations/")) {
      if (path.ends_with(".sql")) read_checks(sql, c);
    }
    return c;
  }();
  return checks;
}

template <NamedEnum E>
std::vector<std::string> names_of() {
  return {EnumNames<E>::names.begin(), EnumNames<E>::names.end()};
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

// The values the database allows in `column` ("schema.table.column"); fails the test if no migration
// constrains it.
std::vector<std::string> allowed(const std::string& column) {
  const auto& checks = migration_checks();
  auto it = checks.find(column);
  if (it == checks.end()) {
    std::string known;
    for (const auto& [name, values] : checks) known += "\n  " + name + " " + join(values);
    ADD_FAILURE() << "no CHECK (... IN (...)) constraint on " << column
                  << " in infra/migrations; found:" << known;
    return {};
  }
  return it->second;
}

// The "enum" of a schema node, as strings.
std::vector<std::string> schema_enum(const rapidjson::Value& node) {
  std::vector<std::string> out;
  if (!node.IsObject() || !node.HasMember("enum") || !node["enum"].IsArray()) {
    ADD_FAILURE() << "schema node has no enum";
    return out;
  }
  for (const auto& v : node["enum"].GetArray()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

template <NamedEnum E>
void expect_round_trip(const char* enum_name) {
  const auto& names = EnumNames<E>::names;
  for (size_t i = 0; i < names.size(); ++i) {
    const auto e = static_cast<E>(i);
    EXPECT_EQ(to_string(e), names[i]) << enum_name;
    const auto back = parse<E>(to_string(e));
    ASSERT_TRUE(back.has_value()) << enum_name << " " << names[i] << " does not parse";
    EXPECT_EQ(*back, e) << enum_name << " " << names[i];
  }
  // Names are unique, or parse could not tell two values apart.
  const auto all = sorted(names_of<E>());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end())
      << enum_name << " has a duplicate name: " << join(all);
}

template <NamedEnum E>
void expect_unknown_names_refused(const char* enum_name) {
  const std::string first(EnumNames<E>::names.front());
  for (const std::string& bad : {std::string(), lower(first), first + " ", " " + first, first + "X",
                                 first.substr(0, first.size() - 1), std::string("NOPE")}) {
    EXPECT_FALSE(parse<E>(bad).has_value()) << enum_name << " parsed '" << bad << "'";
  }
}

}  // namespace

TEST(StateNames, OrderStatusRoundTrips) {
  expect_round_trip<OrderStatus>("OrderStatus");
  expect_unknown_names_refused<OrderStatus>("OrderStatus");
}

TEST(StateNames, LineStateRoundTrips) {
  expect_round_trip<LineState>("LineState");
  expect_unknown_names_refused<LineState>("LineState");
}

TEST(StateNames, ReservationStateRoundTrips) {
  expect_round_trip<ReservationState>("ReservationState");
  expect_unknown_names_refused<ReservationState>("ReservationState");
}

TEST(StateNames, SeenStatusAndOrderCommandRoundTrip) {
  expect_round_trip<SeenStatus>("SeenStatus");
  expect_round_trip<OrderCommand>("OrderCommand");
}

// seen() converts by position: it is right only while SeenStatus starts with OrderStatus's values in
// the same order.
TEST(StateNames, SeenOfAnOrderStatusHasTheSameName) {
  for (size_t i = 0; i < EnumNames<OrderStatus>::names.size(); ++i) {
    const auto s = static_cast<OrderStatus>(i);
    EXPECT_EQ(to_string(seen(s)), to_string(s));
  }
}

TEST(StateNamesMatchSql, OrderStatusIsTheOrdersStatusCheck) {
  EXPECT_EQ(sorted(names_of<OrderStatus>()), sorted(allowed("orders.orders.status")))
      << "OrderStatus " << join(names_of<OrderStatus>()) << " vs orders.orders.status CHECK "
      << join(allowed("orders.orders.status"));
}

TEST(StateNamesMatchSql, LineStateIsTheOrderLinesStateCheck) {
  EXPECT_EQ(sorted(names_of<LineState>()), sorted(allowed("orders.order_lines.state")))
      << "LineState " << join(names_of<LineState>()) << " vs orders.order_lines.state CHECK "
      << join(allowed("orders.order_lines.state"));
}

TEST(StateNamesMatchSql, ReservationStateIsTheReservationsStateCheck) {
  EXPECT_EQ(sorted(names_of<ReservationState>()), sorted(allowed("inventory.reservations.state")))
      << "ReservationState " << join(names_of<ReservationState>())
      << " vs inventory.reservations.state CHECK " << join(allowed("inventory.reservations.state"));
}

TEST(StateNamesMatchSchemas, OrderStatusIsTheSchemasOrderStatus) {
  const auto& defs = orderflow::SchemaSet::instance().raw("definitions")["definitions"];
  ASSERT_TRUE(defs.HasMember("order_status"));
  EXPECT_EQ(sorted(names_of<OrderStatus>()), sorted(schema_enum(defs["order_status"])));
}

TEST(StateNamesMatchSchemas, OrderCommandRefusedEnumsAreSeenStatusAndOrderCommand) {
  const auto& props = orderflow::SchemaSet::instance().raw("messages/OrderCommandRefused.v1")["properties"];
  EXPECT_EQ(sorted(names_of<SeenStatus>()), sorted(schema_enum(props["status"])));
  EXPECT_EQ(sorted(names_of<OrderCommand>()), sorted(schema_enum(props["command"])));
}

// The reader itself: inline column checks, ALTER TABLE ... ADD COLUMN, and a later redefinition.
TEST(MigrationCheckReader, TakesTheLastDefinitionOfEachColumn) {
  Checks checks;
  read_checks(R"sql(
    -- a comment with a ; and CHECK (state IN ('COMMENTED'))
    CREATE TABLE IF NOT EXISTS s.t (
      id    integer PRIMARY KEY,
      state text NOT NULL CHECK (state IN ('A', 'B')),
      kind  text CHECK (kind IN ('it''s', 'x;y'))
    );
    /* CHECK (kind IN ('BLOCK')) */
    ALTER TABLE s.u ADD COLUMN state text NOT NULL DEFAULT 'A' CHECK (state IN ('A'));
    ALTER TABLE s.t DROP CONSTRAINT t_state_check;
    ALTER TABLE ONLY s.t ADD CONSTRAINT t_state_check CHECK ((state = ANY (ARRAY['A'::text, 'B'::text, 'C'::text])));
    ALTER TABLE "s"."u" DROP CONSTRAINT u_state_check, ADD CONSTRAINT u_state_check CHECK (state IN ('A', 'Z'));
  )sql",
              checks);
  EXPECT_EQ(checks["s.t.state"], (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(checks["s.t.kind"], (std::vector<std::string>{"it's", "x;y"}));
  EXPECT_EQ(checks["s.u.state"], (std::vector<std::string>{"A", "Z"}));
  EXPECT_EQ(checks.size(), 3u);
}

TEST(MigrationCheckReader, LaterMigrationFilesOverrideEarlierOnes) {
  Checks checks;
  read_checks("CREATE TABLE a.b (state text CHECK (state IN ('OLD')));", checks);
  read_checks("ALTER TABLE a.b ADD CONSTRAINT b_state CHECK (state IN ('NEW', 'NEWER'));", checks);
  EXPECT_EQ(checks["a.b.state"], (std::vector<std::string>{"NEW", "NEWER"}));
}
