// Property: any request body its schemas/http/ schema accepts becomes, through api::commands, a command
// that encodes (a 202 never ends in a DLQ for a contract reason), whose payload its message schema
// accepts, and that decodes back to the same value. Bodies are generated at random within the limits
// of schemas/definitions.schema.json (read from it, edges favoured); a few bodies one step past a limit
// must fail their schema naming the field.
//
// Seeded: ORDERFLOW_TEST_SEED=<n> replays a run (the seed is printed); ORDERFLOW_TEST_ITERATIONS=<n>
// changes the number of bodies per endpoint (default 500).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "commands.hpp"
#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/messages/limits.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/schema.hpp"
#include "orderflow/text.hpp"

using namespace orderflow::messages;
using orderflow::SchemaSet;
namespace commands = orderflow::api::commands;

namespace {

// --- Seed --------------------------------------------------------------------------------------------

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  try {
    return std::stoull(v, nullptr, 0);
  } catch (const std::exception&) {
    ADD_FAILURE() << name << "=" << v << " is not a number";
    return fallback;
  }
}

uint64_t run_seed() {
  static const uint64_t seed =
      env_number("ORDERFLOW_TEST_SEED",
                 static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                     std::random_device{}());
  return seed;
}

size_t iterations() {
  static const size_t n = static_cast<size_t>(env_number("ORDERFLOW_TEST_ITERATIONS", 500));
  return n;
}

// FNV-1a: a test's generator depends on the run's seed and the test's name only, so one test re-runs
// alone (--gtest_filter) with the same values.
uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return h;
}

std::string rerun_hint() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "*";
  return "ORDERFLOW_TEST_SEED=" + std::to_string(run_seed()) + " unit_tests --gtest_filter='" + name + "'";
}

// --- The limits, read from schemas/definitions.schema.json --------------------------------------------

struct StringRule {
  size_t min_length = 1, max_length = 1;  // code points
  std::string alphabet;                   // from ^[...]+$; empty: free text
};
struct IntRule {
  int64_t min = 0, max = 0;
};
struct Rules {
  StringRule customer_id, cart_id, sku, idempotency_key, reason;
  IntRule quantity, on_hand;
  size_t min_lines = 1, max_lines = 1;
};

// The characters of a pattern ^[...]+$ (ranges expanded).
std::string alphabet_of(std::string_view pattern) {
  if (!pattern.starts_with("^[") || !pattern.ends_with("]+$")) {
    ADD_FAILURE() << "pattern " << pattern << " is not of the form ^[...]+$: teach the generator";
    return "a";
  }
  const std::string_view set = pattern.substr(2, pattern.size() - 5);
  std::string out;
  for (size_t i = 0; i < set.size(); ++i) {
    char c = set[i];
    if (c == '\\' && i + 1 < set.size()) {
      out += set[++i];
    } else if (i + 2 < set.size() && set[i + 1] == '-') {
      for (int x = static_cast<unsigned char>(c); x <= static_cast<unsigned char>(set[i + 2]); ++x) {
        out += static_cast<char>(x);
      }
      i += 2;
    } else {
      out += c;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const rapidjson::Value& definition(const char* name) {
  const auto& defs = SchemaSet::instance().raw("definitions")["definitions"];
  if (!defs.HasMember(name)) throw std::runtime_error(std::string("definitions has no ") + name);
  return defs[name];
}

size_t uint_of(const rapidjson::Value& node, const char* keyword, size_t fallback) {
  return node.HasMember(keyword) ? node[keyword].GetUint64() : fallback;
}

StringRule string_rule(const char* name) {
  const auto& d = definition(name);
  StringRule r;
  r.min_length = uint_of(d, "minLength", 0);
  r.max_length = uint_of(d, "maxLength", 0);
  if (r.max_length == 0) ADD_FAILURE() << "definitions/" << name << " has no maxLength";
  if (d.HasMember("pattern")) r.alphabet = alphabet_of(d["pattern"].GetString());
  return r;
}

IntRule int_rule(const char* name) {
  const auto& d = definition(name);
  if (!d.HasMember("minimum") || !d.HasMember("maximum"))
    ADD_FAILURE() << "definitions/" << name << " is unbounded";
  return {d.HasMember("minimum") ? d["minimum"].GetInt64() : 0,
          d.HasMember("maximum") ? d["maximum"].GetInt64() : 0};
}

// The least number of lines http/place_order accepts: the shared order_lines' minItems, or more where the
// request schema says so (directly or in an allOf part).
size_t http_min_lines(size_t shared_min) {
  size_t min = shared_min;
  const auto& lines = SchemaSet::instance().raw("http/place_order")["properties"]["lines"];
  min = std::max(min, uint_of(lines, "minItems", 0));
  if (lines.HasMember("allOf")) {
    for (const auto& part : lines["allOf"].GetArray()) min = std::max(min, uint_of(part, "minItems", 0));
  }
  return min;
}

const Rules& rules() {
  static const Rules r = [] {
    Rules r;
    r.customer_id = string_rule("customer_id");
    r.cart_id = string_rule("cart_id");
    r.sku = string_rule("sku");
    r.idempotency_key = string_rule("idempotency_key");
    r.reason = string_rule("reason");
    r.quantity = int_rule("quantity");
    r.on_hand = int_rule("on_hand");
    const auto& lines = definition("order_lines");
    r.max_lines = uint_of(lines, "maxItems", 0);
    r.min_lines = http_min_lines(uint_of(lines, "minItems", 0));
    return r;
  }();
  return r;
}

// --- Generators --------------------------------------------------------------------------------------

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  // 0: every edgy() value is its minimum, 1: its maximum (and free text all 2-byte), -1: edges by chance.
  // The first two bodies of every test are forced so, so that each run has them.
  void force(int edge) { forced_ = edge; }
  bool forced() const { return forced_ >= 0; }

  int64_t between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool chance(int percent) { return between(1, 100) <= percent; }
  // In [lo, hi], the edges one time in five each.
  int64_t edgy(int64_t lo, int64_t hi) {
    if (forced_ >= 0) return forced_ == 0 ? lo : hi;
    const auto r = between(0, 9);
    return r < 2 ? lo : r < 4 ? hi : between(lo, hi);
  }
  template <typename C>
  const auto& pick(const C& c) {
    return c[static_cast<size_t>(between(0, static_cast<int64_t>(c.size()) - 1))];
  }

  // `n` characters of `alphabet`.
  std::string of(const std::string& alphabet, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += pick(alphabet);
    return out;
  }

  // One code point that is acceptable text, as UTF-8: printable ASCII (JSON's '"' and '\' included) or a
  // 2-, 3- or 4-byte sequence, never a control (C0, DEL, C1) nor a surrogate.
  std::string code_point() {
    uint32_t cp = 0;
    switch (between(0, 5)) {
      case 0:
      case 1:
      case 2:
        cp = static_cast<uint32_t>(between(0x20, 0x7e));
        break;
      case 3:
        cp = static_cast<uint32_t>(between(0xa0, 0x7ff));
        break;
      case 4:
        do cp = static_cast<uint32_t>(between(0x800, 0xffff));
        while (cp >= 0xd800 && cp <= 0xdfff);
        break;
      default:
        cp = static_cast<uint32_t>(between(0x10000, 0x10ffff));
    }
    return utf8(cp);
  }

  // Free text of `n` code points; now and then all of one width (ASCII, or all 2-, 3- or 4-byte).
  std::string text(size_t n) {
    std::string out;
    const int64_t mode = forced_ == 1 ? 1 : forced_ == 0 ? 0 : between(0, 9);
    for (size_t i = 0; i < n; ++i) {
      switch (mode) {
        case 0:
          out += static_cast<char>(between(0x21, 0x7e));
          break;
        case 1:
          out += utf8(static_cast<uint32_t>(between(0xa0, 0x7ff)));
          break;
        case 2:
          out += "\xe2\x82\xac";
          break;
        case 3:
          out += utf8(static_cast<uint32_t>(between(0x1f600, 0x1f64f)));
          break;
        default:
          out += code_point();
      }
    }
    return out;
  }

  std::string valid(const StringRule& r) {
    const auto n =
        static_cast<size_t>(edgy(static_cast<int64_t>(r.min_length), static_cast<int64_t>(r.max_length)));
    return r.alphabet.empty() ? text(n) : of(r.alphabet, n);
  }

  std::string uuid() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
      out += kHex[between(0, 15)];
    }
    return out;
  }

  static std::string utf8(uint32_t cp) {
    std::string out;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return out;
  }

 private:
  std::mt19937_64 rng_;
  int forced_ = -1;
};

// --- Bodies ------------------------------------------------------------------------------------------

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void put(Writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}

struct Line {
  std::string sku;
  int64_t quantity;
};

std::string place_order_body(const std::string& customer_id, const std::vector<Line>& lines,
                             bool lines_first) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  auto write_lines = [&] {
    w.Key("lines");
    w.StartArray();
    for (const auto& l : lines) {
      w.StartObject();
      put(w, "sku", l.sku);
      put(w, "quantity", l.quantity);
      w.EndObject();
    }
    w.EndArray();
  };
  if (lines_first) write_lines();
  put(w, "customer_id", customer_id);
  if (!lines_first) write_lines();
  w.EndObject();
  return b.GetString();
}

template <typename V>
std::string object_body(const char* key, const V& value) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  put(w, key, value);
  w.EndObject();
  return b.GetString();
}

std::vector<Line> valid_lines(Gen& g, size_t n) {
  std::vector<Line> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back({g.valid(rules().sku), g.edgy(rules().quantity.min, rules().quantity.max)});
  return out;
}

size_t valid_line_count(Gen& g) {
  return static_cast<size_t>(
      g.edgy(static_cast<int64_t>(rules().min_lines), static_cast<int64_t>(rules().max_lines)));
}

// --- The property ------------------------------------------------------------------------------------

rapidjson::Document parse_body(const std::string& body) {
  std::string error;
  auto doc = orderflow::json::parse(body, &error);
  if (!doc) {
    ADD_FAILURE() << "generated body is not JSON: " << error << "\n" << body;
    return rapidjson::Document{};
  }
  return std::move(*doc);
}

::testing::AssertionResult BodyIsValid(const char* schema, const rapidjson::Value& doc) {
  if (auto err = SchemaSet::instance().validate(schema, doc)) {
    return ::testing::AssertionFailure() << schema << " refused a body the generator meant valid: "
                                         << (err->field.empty() ? "body" : err->field) << " " << err->message;
  }
  return ::testing::AssertionSuccess();
}

// encode(make_message(cmd)) does not throw, its payload passes its message schema, and decode gives back
// an equal value.
template <typename T>
::testing::AssertionResult TravelsIntact(const T& cmd) {
  const Message m = make_message(cmd);
  std::string bytes;
  try {
    bytes = encode(m);
  } catch (const ContractViolation& e) {
    return ::testing::AssertionFailure() << "encode refused the command of a valid request: " << e.what();
  }
  auto doc = orderflow::json::parse(bytes);
  if (!doc || !doc->IsObject() || !doc->HasMember("payload")) {
    return ::testing::AssertionFailure() << "encode wrote no envelope: " << bytes;
  }
  const auto schema = SchemaSet::message_schema(T::kType, T::kVersion);
  if (auto err = SchemaSet::instance().validate(schema, (*doc)["payload"])) {
    return ::testing::AssertionFailure()
           << "the encoded payload breaks " << schema << ": " << err->field << " " << err->message << "\n"
           << bytes;
  }
  auto r = decode(bytes);
  if (const auto* err = std::get_if<DecodeError>(&r)) {
    return ::testing::AssertionFailure() << "decode refused what encode wrote: " << err->reason << "\n"
                                         << bytes;
  }
  const Message& back = std::get<Message>(r);
  const T* value = back.as<T>();
  if (value == nullptr) return ::testing::AssertionFailure() << "decoded to another type: " << back.type();
  if (!(*value == cmd)) return ::testing::AssertionFailure() << "decoded to another value\n" << bytes;
  if (back.id != m.id || back.key != m.key || back.occurred_at != m.occurred_at) {
    return ::testing::AssertionFailure() << "the envelope changed\n" << bytes;
  }
  return ::testing::AssertionSuccess();
}

class MessageProperty : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::cout << "[   SEED   ] ORDERFLOW_TEST_SEED=" << run_seed() << " (" << iterations()
              << " bodies per endpoint); re-run with ORDERFLOW_TEST_SEED=" << run_seed() << " unit_tests"
              << " --gtest_filter='MessageProperty.*'" << std::endl;
  }
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    gen_.emplace(run_seed() ^ fnv1a(info->name()));
    RecordProperty("seed", std::to_string(run_seed()));
  }
  Gen& gen() { return *gen_; }

 private:
  std::optional<Gen> gen_;
};

}  // namespace

TEST_F(MessageProperty, LimitsAreReadFromTheDefinitions) {
  const Rules& r = rules();
  EXPECT_EQ(r.max_lines, limits().max_order_lines);
  EXPECT_GE(r.min_lines, 1u) << "an HTTP order needs a line";
  EXPECT_LE(r.min_lines, r.max_lines);
  for (const auto* s : {&r.customer_id, &r.cart_id, &r.sku, &r.idempotency_key, &r.reason}) {
    EXPECT_GE(s->min_length, 1u);
    EXPECT_LE(s->min_length, s->max_length);
  }
  EXPECT_FALSE(r.sku.alphabet.empty());
  EXPECT_FALSE(r.customer_id.alphabet.empty());
  EXPECT_EQ(r.sku.alphabet.find(' '), std::string::npos);
  EXPECT_LT(r.quantity.min, r.quantity.max);
  EXPECT_LT(r.on_hand.min, r.on_hand.max);
}

TEST_F(MessageProperty, ValidPlaceOrderBodiesTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string customer = gen().valid(rules().customer_id);
    const auto lines = valid_lines(gen(), valid_line_count(gen()));
    const std::string body = place_order_body(customer, lines, gen().chance(50));
    const std::string key = gen().valid(rules().idempotency_key);
    const auto doc = parse_body(body);
    ASSERT_TRUE(BodyIsValid("http/place_order", doc)) << "iteration " << i << "\n" << body;
    const PlaceOrder cmd = commands::place_order(doc, key, "");
    ASSERT_EQ(cmd.customer_id, customer) << "iteration " << i;
    ASSERT_EQ(cmd.idempotency_key, key) << "iteration " << i;
    ASSERT_EQ(cmd.order_id, orderflow::order_id_for(customer, key)) << "iteration " << i;
    ASSERT_FALSE(cmd.cart_id.has_value());
    ASSERT_EQ(cmd.lines.size(), lines.size()) << "iteration " << i;
    for (size_t l = 0; l < lines.size(); ++l) {
      ASSERT_EQ(cmd.lines[l], (OrderLine{lines[l].sku, static_cast<int>(lines[l].quantity)})) << "line " << l;
    }
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\nbody: " << body << "\nkey: " << key;
  }
}

TEST_F(MessageProperty, ValidAddCartItemBodiesTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string cart = gen().valid(rules().cart_id);
    const std::string sku = gen().valid(rules().sku);
    const int64_t quantity = gen().edgy(rules().quantity.min, rules().quantity.max);
    rapidjson::StringBuffer b;
    Writer w(b);
    w.StartObject();
    if (gen().chance(50)) {
      put(w, "sku", sku);
      put(w, "quantity", quantity);
    } else {
      put(w, "quantity", quantity);
      put(w, "sku", sku);
    }
    w.EndObject();
    const std::string body = b.GetString();
    const auto doc = parse_body(body);
    ASSERT_TRUE(BodyIsValid("http/add_cart_item", doc)) << "iteration " << i << "\n" << body;
    const AddCartItem cmd = commands::add_cart_item(cart, doc);
    ASSERT_EQ(cmd, (AddCartItem{cart, sku, static_cast<int>(quantity)})) << "iteration " << i;
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\ncart: " << cart << "\nbody: " << body;
  }
}

TEST_F(MessageProperty, RemoveCartItemPathsTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string cart = gen().valid(rules().cart_id);
    const std::string sku = gen().valid(rules().sku);
    const RemoveCartItem cmd = commands::remove_cart_item(cart, sku);
    ASSERT_EQ(cmd, (RemoveCartItem{cart, sku}));
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\ncart: " << cart << "\nsku: " << sku;
  }
}

TEST_F(MessageProperty, ValidCheckoutCartBodiesTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string cart = gen().valid(rules().cart_id);
    const std::string customer = gen().valid(rules().customer_id);
    const std::string key = gen().valid(rules().idempotency_key);
    const std::string body = object_body("customer_id", customer);
    const auto doc = parse_body(body);
    ASSERT_TRUE(BodyIsValid("http/checkout_cart", doc)) << "iteration " << i << "\n" << body;
    const CheckoutCart cmd = commands::checkout_cart(cart, doc, key, "");
    ASSERT_EQ(cmd, (CheckoutCart{cart, orderflow::order_id_for(customer, key), customer, key}))
        << "iteration " << i;
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\ncart: " << cart << "\nbody: " << body
                                    << "\nkey: " << key;
  }
}

TEST_F(MessageProperty, ValidCancelOrderBodiesTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string order_id = gen().uuid();
    std::optional<std::string> reason;
    std::optional<std::string> body;  // none: a request without a body
    switch (gen().forced() ? 2 : gen().between(0, 5)) {
      case 0:
        break;
      case 1:
        body = "{}";
        break;
      default:
        reason = gen().valid(rules().reason);
        body = object_body("reason", *reason);
    }
    std::optional<rapidjson::Document> doc;
    if (body) {
      doc = parse_body(*body);
      ASSERT_TRUE(BodyIsValid("http/cancel_order", *doc)) << "iteration " << i << "\n" << *body;
    }
    const CancelOrder cmd = commands::cancel_order(order_id, doc ? &*doc : nullptr);
    ASSERT_EQ(cmd, (CancelOrder{order_id, reason})) << "iteration " << i;
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\nbody: " << body.value_or("(none)");
  }
}

TEST_F(MessageProperty, ValidSetStockBodiesTravelIntact) {
  SCOPED_TRACE(rerun_hint());
  for (size_t i = 0; i < iterations(); ++i) {
    gen().force(i < 2 ? static_cast<int>(i) : -1);
    const std::string sku = gen().valid(rules().sku);
    const int64_t on_hand = gen().edgy(rules().on_hand.min, rules().on_hand.max);
    const std::string body = object_body("on_hand", on_hand);
    const auto doc = parse_body(body);
    ASSERT_TRUE(BodyIsValid("http/set_stock", doc)) << "iteration " << i << "\n" << body;
    const AdjustStock cmd = commands::adjust_stock(sku, doc);
    ASSERT_EQ(cmd, (AdjustStock{sku, on_hand})) << "iteration " << i;
    ASSERT_TRUE(TravelsIntact(cmd)) << "iteration " << i << "\nsku: " << sku << "\nbody: " << body;
  }
}

namespace {

// A body one step past one limit, the field its schema must name, and a word of the message.
struct Invalid {
  const char* schema;
  std::string body;
  std::string field;
  std::string says;  // "" = do not check
};

// A printable ASCII character outside `alphabet`.
char outside(Gen& g, const std::string& alphabet) {
  std::string others;
  for (char c = 0x20; c < 0x7f; ++c) {
    if (alphabet.find(c) == std::string::npos) others += c;
  }
  return g.pick(others);
}

// `s` with one character replaced by `c`.
std::string with_char(Gen& g, std::string s, char c) {
  s[static_cast<size_t>(g.between(0, static_cast<int64_t>(s.size()) - 1))] = c;
  return s;
}

Invalid invalid_body(Gen& g) {
  const Rules& r = rules();
  const std::string customer = g.valid(r.customer_id);
  auto lines = valid_lines(g, valid_line_count(g));
  const auto k = static_cast<size_t>(g.between(0, static_cast<int64_t>(lines.size()) - 1));
  const std::string idx = "lines[" + std::to_string(k) + "]";
  const auto max_s = [](const StringRule& s) { return std::to_string(s.max_length); };
  switch (g.between(0, 15)) {
    case 0:
      return {"http/place_order",
              place_order_body(g.of(r.customer_id.alphabet, r.customer_id.max_length + 1), lines, false),
              "customer_id", max_s(r.customer_id)};
    case 1:
      return {"http/place_order", place_order_body("", lines, false), "customer_id", ""};
    case 2:
      return {"http/place_order",
              place_order_body(with_char(g, customer, outside(g, r.customer_id.alphabet)), lines, false),
              "customer_id", "must match"};
    case 3:
      return {"http/place_order", place_order_body(customer, valid_lines(g, r.max_lines + 1), false), "lines",
              std::to_string(r.max_lines)};
    case 4:
      return {"http/place_order", place_order_body(customer, valid_lines(g, r.min_lines - 1), false), "lines",
              std::to_string(r.min_lines)};
    case 5:
      lines[k].quantity = r.quantity.max + 1;
      return {"http/place_order", place_order_body(customer, lines, false), idx + ".quantity",
              std::to_string(r.quantity.max)};
    case 6:
      lines[k].quantity = r.quantity.min - 1;
      return {"http/place_order", place_order_body(customer, lines, true), idx + ".quantity",
              std::to_string(r.quantity.min)};
    case 7:
      lines[k].sku = g.of(r.sku.alphabet, r.sku.max_length + 1);
      return {"http/place_order", place_order_body(customer, lines, false), idx + ".sku", max_s(r.sku)};
    case 8:
      lines[k].sku = with_char(g, lines[k].sku, outside(g, r.sku.alphabet));
      return {"http/place_order", place_order_body(customer, lines, false), idx + ".sku", "must match"};
    case 9: {
      rapidjson::StringBuffer b;
      Writer w(b);
      w.StartObject();
      put(w, "sku", g.valid(r.sku));
      put(w, "quantity", g.chance(50) ? r.quantity.max + 1 : r.quantity.min - 1);
      w.EndObject();
      return {"http/add_cart_item", b.GetString(), "quantity", ""};
    }
    case 10: {
      rapidjson::StringBuffer b;
      Writer w(b);
      w.StartObject();
      put(w, "sku", g.of(r.sku.alphabet, r.sku.max_length + 1));
      put(w, "quantity", r.quantity.min);
      w.EndObject();
      return {"http/add_cart_item", b.GetString(), "sku", max_s(r.sku)};
    }
    case 11:
      return {"http/checkout_cart",
              object_body("customer_id", g.of(r.customer_id.alphabet, r.customer_id.max_length + 1)),
              "customer_id", max_s(r.customer_id)};
    case 12:
      return {"http/cancel_order", object_body("reason", g.text(r.reason.max_length + 1)), "reason",
              max_s(r.reason)};
    case 13:
      return {"http/cancel_order", object_body("reason", std::string()), "reason", ""};
    case 14:
      return {"http/set_stock", object_body("on_hand", r.on_hand.max + 1), "on_hand",
              std::to_string(r.on_hand.max)};
    default:
      return {"http/set_stock", object_body("on_hand", r.on_hand.min - 1), "on_hand",
              std::to_string(r.on_hand.min)};
  }
}

}  // namespace

TEST_F(MessageProperty, BodiesOnePastALimitFailTheirSchemaNamingTheField) {
  SCOPED_TRACE(rerun_hint());
  const size_t n = std::max<size_t>(100, iterations() / 5);
  for (size_t i = 0; i < n; ++i) {
    const Invalid bad = invalid_body(gen());
    const auto doc = parse_body(bad.body);
    const auto err = SchemaSet::instance().validate(bad.schema, doc);
    ASSERT_TRUE(err.has_value()) << "iteration " << i << ": " << bad.schema << " accepted\n" << bad.body;
    ASSERT_EQ(err->field, bad.field) << "iteration " << i << ": " << err->message << "\n" << bad.body;
  }
}

// The api returns the message to the client: it states the limit (read through $ref from the shared
// definitions).
TEST_F(MessageProperty, BodiesOnePastALimitGetAMessageStatingTheLimit) {
  SCOPED_TRACE(rerun_hint());
  const size_t n = std::max<size_t>(100, iterations() / 5);
  for (size_t i = 0; i < n; ++i) {
    const Invalid bad = invalid_body(gen());
    if (bad.says.empty()) continue;
    const auto doc = parse_body(bad.body);
    const auto err = SchemaSet::instance().validate(bad.schema, doc);
    ASSERT_TRUE(err.has_value()) << "iteration " << i << ": " << bad.schema << " accepted\n" << bad.body;
    ASSERT_NE(err->message.find(bad.says), std::string::npos)
        << "iteration " << i << ": " << bad.schema << " " << err->field << ": '" << err->message
        << "' does not say " << bad.says;
  }
}
