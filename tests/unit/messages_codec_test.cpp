// The typed message layer (messages/message.hpp): every type survives encode/decode; the C++ types,
// the schema files and the topic manifest name the same types, fields and keys; encode refuses what
// breaks a contract and names the field; decode refuses what a consumer must not apply; caused_by ids.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/messages/limits.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/resources.hpp"
#include "orderflow/schema.hpp"
#include "orderflow/text.hpp"

using namespace orderflow::messages;
using orderflow::SchemaSet;

namespace {

// --- Values --------------------------------------------------------------------------------------------

const std::string kOrder = "123e4567-e89b-42d3-a456-426614174000";
const std::string kOtherOrder = "00000000-0000-4000-8000-000000000001";
const std::string kCustomer = "cust_1.x:y@z-";
const std::string kCart = "cart-1";
const std::string kSku = "SKU-1";

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<OrderLine> lines(size_t n) {
  std::vector<OrderLine> out;
  for (size_t i = 0; i < n; ++i) out.push_back({"SKU-" + std::to_string(i), static_cast<int>(1 + i % 1000)});
  return out;
}

PlaceOrder place_order() {
  return {.order_id = kOrder,
          .customer_id = kCustomer,
          .idempotency_key = "key-1",
          .cart_id = kCart,
          .lines = {{"SKU-1", 2}, {"sku_2.b", 1000}, {"C", 1}}};
}

template <typename T>
T stock_answer(std::string order_id, std::string sku, int quantity, int64_t available, int64_t sku_version) {
  T t;
  t.order_id = std::move(order_id);
  t.sku = std::move(sku);
  t.quantity = quantity;
  t.available = available;
  t.sku_version = sku_version;
  return t;
}

struct Case {
  std::string name;       // the test's name
  Payload payload;        // a value of the type
  std::string_view type;  // what type() must say
  std::string_view topic;
  std::string key;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// Every type, with its optional fields set and unset, and its edge values.
std::vector<Case> cases() {
  const std::string reason500 = repeat("\xc3\xa9", 500);   // 500 code points, 1000 bytes
  const std::string key128 = repeat("\xe2\x82\xac", 128);  // 128 code points, 384 bytes
  const std::string id64(64, 'a');
  PlaceOrder without_cart = place_order();
  without_cart.cart_id.reset();
  PlaceOrder no_lines = place_order();
  no_lines.lines.clear();
  PlaceOrder fifty = place_order();
  fifty.lines = lines(limits().max_order_lines);
  PlaceOrder edges = place_order();
  edges.customer_id = id64;
  edges.cart_id = std::string(64, 'c');
  edges.idempotency_key = key128;
  edges.lines = {{std::string(64, 'S'), 1}, {"x", 1000}};

  const OrderPlaced placed{.order_id = kOrder,
                           .customer_id = kCustomer,
                           .cart_id = kCart,
                           .lines = {{"SKU-1", 2, 1999}, {"SKU-2", 1, 0}},
                           .total_cents = 3998,
                           .version = 1};
  OrderPlaced placed_without_cart = placed;
  placed_without_cart.cart_id.reset();
  OrderPlaced placed_no_lines = placed;
  placed_no_lines.lines.clear();
  placed_no_lines.total_cents = 0;

  return {
      {"PlaceOrder_WithCart", place_order(), "PlaceOrder", "orders.commands", kOrder},
      {"PlaceOrder_WithoutCart", without_cart, "PlaceOrder", "orders.commands", kOrder},
      {"PlaceOrder_NoLines", no_lines, "PlaceOrder", "orders.commands", kOrder},
      {"PlaceOrder_MaxLines", fifty, "PlaceOrder", "orders.commands", kOrder},
      {"PlaceOrder_EdgeLengthsAndMultiByteKey", edges, "PlaceOrder", "orders.commands", kOrder},
      {"CancelOrder_WithReason", CancelOrder{kOrder, "changed my mind"}, "CancelOrder", "orders.commands",
       kOrder},
      {"CancelOrder_WithoutReason", CancelOrder{kOrder, std::nullopt}, "CancelOrder", "orders.commands",
       kOrder},
      {"CancelOrder_500CodePointReason", CancelOrder{kOrder, reason500}, "CancelOrder", "orders.commands",
       kOrder},
      {"CancelOrder_FourByteReason", CancelOrder{kOrder, "\xf0\x9f\x98\x80 ok \xe2\x82\xac"}, "CancelOrder",
       "orders.commands", kOrder},
      {"OrderPlaced_WithCart", placed, "OrderPlaced", "orders.events", kOrder},
      {"OrderPlaced_WithoutCart", placed_without_cart, "OrderPlaced", "orders.events", kOrder},
      {"OrderPlaced_NoLines", placed_no_lines, "OrderPlaced", "orders.events", kOrder},
      {"OrderConfirmed", OrderConfirmed{kOrder, 3998, 3}, "OrderConfirmed", "orders.events", kOrder},
      {"OrderConfirmed_LargeTotal", OrderConfirmed{kOrder, 9007199254740991, 2147483647}, "OrderConfirmed",
       "orders.events", kOrder},
      {"OrderRejected", OrderRejected{kOrder, "unknown sku X", 2}, "OrderRejected", "orders.events", kOrder},
      {"OrderCancelled_WithReason", OrderCancelled{kOrder, reason500, 4}, "OrderCancelled", "orders.events",
       kOrder},
      {"OrderCancelled_WithoutReason", OrderCancelled{kOrder, std::nullopt, 4}, "OrderCancelled",
       "orders.events", kOrder},
      {"OrderCommandRefused_Unknown",
       OrderCommandRefused{kOrder, OrderCommand::CancelOrder, SeenStatus::Unknown, "no such order"},
       "OrderCommandRefused", "orders.events", kOrder},
      {"OrderCommandRefused_Rejected",
       OrderCommandRefused{kOrder, OrderCommand::CancelOrder, SeenStatus::Rejected, "the order is REJECTED"},
       "OrderCommandRefused", "orders.events", kOrder},
      {"ReserveStock", ReserveStock{kOrder, kSku, 7}, "ReserveStock", "inventory.commands", kSku},
      {"ReleaseStock", ReleaseStock{kOrder, kSku}, "ReleaseStock", "inventory.commands", kSku},
      {"AdjustStock_Zero", AdjustStock{kSku, 0}, "AdjustStock", "inventory.commands", kSku},
      {"AdjustStock_Max", AdjustStock{kSku, 1000000000}, "AdjustStock", "inventory.commands", kSku},
      {"StockReserved", stock_answer<StockReserved>(kOrder, kSku, 2, 98, 5), "StockReserved",
       "inventory.events", kOrder},
      {"StockShort", stock_answer<StockShort>(kOrder, kSku, 200, 3, 5), "StockShort", "inventory.events",
       kOrder},
      {"StockReleased", stock_answer<StockReleased>(kOrder, kSku, 2, 100, 6), "StockReleased",
       "inventory.events", kOrder},
      {"StockAdjusted", StockAdjusted{kSku, 10, 8, 7}, "StockAdjusted", "inventory.events", kSku},
      {"StockAdjustRefused", StockAdjustRefused{kSku, 10, 8, 1, 7}, "StockAdjustRefused", "inventory.events",
       kSku},
      {"AddCartItem", AddCartItem{kCart, kSku, 3}, "AddCartItem", "carts.commands", kCart},
      {"RemoveCartItem", RemoveCartItem{kCart, kSku}, "RemoveCartItem", "carts.commands", kCart},
      {"CheckoutCart", CheckoutCart{kCart, kOrder, kCustomer, "idem-\xc3\xa9"}, "CheckoutCart",
       "carts.commands", kCart},
  };
}

// --- Reflection over fields() ----------------------------------------------------------------------------

template <typename T, typename F>
using MemberOf = std::decay_t<decltype(std::declval<const T&>().*(std::declval<F>().member))>;

// (optional fields set, optional fields) of v.
template <typename T>
std::pair<int, int> optionals(const T& v) {
  int set = 0, total = 0;
  std::apply(
      [&](const auto&... f) {
        (
            [&] {
              if constexpr (IsOptional<std::decay_t<decltype(v.*(f.member))>>::value) {
                ++total;
                set += (v.*(f.member)).has_value() ? 1 : 0;
              }
            }(),
            ...);
      },
      T::fields());
  return {set, total};
}

// Copies of `base`, each with one string field (a line's, in lines[0]) set to `bad`, by the field's name.
template <typename T>
std::vector<std::pair<std::string, T>> with_each_string(const T& base, const std::string& bad) {
  std::vector<std::pair<std::string, T>> out;
  std::apply(
      [&](const auto&... f) {
        (
            [&] {
              using M = std::decay_t<decltype(base.*(f.member))>;
              if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, std::optional<std::string>>) {
                T copy = base;
                copy.*(f.member) = bad;
                out.emplace_back(std::string(f.name), std::move(copy));
              } else if constexpr (IsVector<M>::value) {
                const M& items = base.*(f.member);
                if (items.empty()) {
                  ADD_FAILURE() << T::kType << "." << f.name
                                << " is empty in the base value: nothing to mutate";
                  return;
                }
                for (auto& [sub, item] : with_each_string(items.front(), bad)) {
                  T copy = base;
                  (copy.*(f.member)).front() = item;
                  out.emplace_back(std::string(f.name) + "[0]." + sub, std::move(copy));
                }
              }
            }(),
            ...);
      },
      T::fields());
  return out;
}

// The (JSON name, required) of each field of T, in declaration order.
template <typename T>
std::vector<std::pair<std::string, bool>> field_names() {
  std::vector<std::pair<std::string, bool>> out;
  std::apply(
      [&](const auto&... f) {
        (out.emplace_back(std::string(f.name), !IsOptional<MemberOf<T, decltype(f)>>::value), ...);
      },
      T::fields());
  return out;
}

// The string value of field `name` of v, or nullopt when it has no such string field.
template <typename T>
std::optional<std::string> string_field(const T& v, std::string_view name) {
  std::optional<std::string> out;
  std::apply(
      [&](const auto&... f) {
        (
            [&] {
              if constexpr (std::is_same_v<std::decay_t<decltype(v.*(f.member))>, std::string>) {
                if (f.name == name) out = v.*(f.member);
              }
            }(),
            ...);
      },
      T::fields());
  return out;
}

template <typename F>
void for_each_type(F&& f) {
  [&]<size_t... I>(std::index_sequence<I...>) {
    (f.template operator()<std::variant_alternative_t<I, Payload>>(), ...);
  }
  (std::make_index_sequence<std::variant_size_v<Payload>>());
}

// --- Helpers -----------------------------------------------------------------------------------------

rapidjson::Document parse_json(std::string_view text) {
  std::string error;
  auto doc = orderflow::json::parse(text, &error);
  if (!doc) {
    ADD_FAILURE() << "not JSON: " << error << "\n" << text;
    return rapidjson::Document{};
  }
  return std::move(*doc);
}

std::string encoded(const Payload& p) {
  try {
    return encode(make_message(p));
  } catch (const ContractViolation& e) {
    ADD_FAILURE() << "a valid value was refused: " << e.what();
    return {};
  }
}

// `bytes` (an envelope) with the member at JSON pointer `pointer` set to `value` (a JSON text), or
// removed when `value` is empty.
std::string with(std::string_view bytes, const char* pointer, std::string_view value) {
  rapidjson::Document doc = parse_json(bytes);
  if (value.empty()) {
    EXPECT_TRUE(rapidjson::Pointer(pointer).Erase(doc)) << "no " << pointer << " in " << bytes;
  } else {
    rapidjson::Document v(&doc.GetAllocator());
    v.Parse(value.data(), value.size());
    EXPECT_FALSE(v.HasParseError()) << value;
    rapidjson::Pointer(pointer).Set(doc, v);
  }
  return orderflow::json::to_string(doc);
}

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from << " in " << s;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Encodes fine (and decodes back to the same value).
::testing::AssertionResult Encodes(const Payload& p) {
  std::string bytes;
  try {
    bytes = encode(make_message(p));
  } catch (const ContractViolation& e) {
    return ::testing::AssertionFailure() << "refused: " << e.what();
  }
  auto r = decode(bytes);
  if (const auto* err = std::get_if<DecodeError>(&r)) {
    return ::testing::AssertionFailure() << "encoded, but decode refused it: " << err->reason << "\n"
                                         << bytes;
  }
  if (!(std::get<Message>(r).payload == p)) {
    return ::testing::AssertionFailure() << "decoded to another value\n" << bytes;
  }
  return ::testing::AssertionSuccess();
}

// encode throws a ContractViolation naming `field`, whose reason contains `why` (when given).
::testing::AssertionResult RefusedAt(const Payload& p, std::string_view field, std::string_view why = {}) {
  try {
    const std::string bytes = encode(make_message(p));
    return ::testing::AssertionFailure() << "encoded: " << bytes;
  } catch (const ContractViolation& e) {
    if (e.field != field) {
      return ::testing::AssertionFailure()
             << "refused naming field '" << e.field << "', not '" << field << "': " << e.what();
    }
    if (e.type != type_name(p))
      return ::testing::AssertionFailure() << "type is " << e.type << ": " << e.what();
    if (!why.empty() && e.why.find(why) == std::string::npos) {
      return ::testing::AssertionFailure() << "reason does not say '" << why << "': " << e.what();
    }
    if (std::string_view(e.what()).find(field) == std::string_view::npos) {
      return ::testing::AssertionFailure() << "what() does not name " << field << ": " << e.what();
    }
    return ::testing::AssertionSuccess() << e.what();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw something else than ContractViolation: " << e.what();
  }
}

// decode refuses `bytes` with a reason; if `mentions` is given, the reason contains it.
::testing::AssertionResult Refused(std::string_view bytes, std::string_view mentions = {}) {
  auto r = decode(bytes);
  const auto* err = std::get_if<DecodeError>(&r);
  if (err == nullptr) return ::testing::AssertionFailure() << "decoded: " << bytes;
  if (err->reason.empty()) return ::testing::AssertionFailure() << "refused without a reason: " << bytes;
  if (!mentions.empty() && err->reason.find(mentions) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "reason '" << err->reason << "' does not mention '" << mentions << "'";
  }
  return ::testing::AssertionSuccess() << err->reason;
}

}  // namespace

// --- Round trip ------------------------------------------------------------------------------------------

class MessageRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(MessageRoundTrip, DecodeGivesBackTheEncodedMessage) {
  const Case& c = GetParam();
  const Message m = make_message(c.payload);
  EXPECT_EQ(m.type(), c.type);
  EXPECT_EQ(m.topic(), c.topic);
  EXPECT_EQ(m.version(), 1);
  EXPECT_EQ(m.key, c.key);
  EXPECT_TRUE(orderflow::is_uuid(m.id)) << m.id;

  std::string bytes;
  try {
    bytes = encode(m);
  } catch (const ContractViolation& e) {
    FAIL() << "encode refused a valid value: " << e.what();
  }
  auto r = decode(bytes);
  if (const auto* err = std::get_if<DecodeError>(&r))
    FAIL() << "decode refused: " << err->reason << "\n" << bytes;
  const Message& d = std::get<Message>(r);
  EXPECT_TRUE(d.payload == c.payload) << "decoded to another value\n" << bytes;
  EXPECT_EQ(d.payload.index(), c.payload.index());
  EXPECT_EQ(d.id, m.id);
  EXPECT_EQ(d.key, m.key);
  EXPECT_EQ(d.occurred_at, m.occurred_at);
  EXPECT_EQ(d.type(), c.type);
  EXPECT_EQ(d.version(), m.version());
  EXPECT_EQ(d.topic(), c.topic);
  // Encoding is deterministic: the decoded message encodes to the same bytes.
  EXPECT_EQ(encode(d), bytes);
}

TEST_P(MessageRoundTrip, EnvelopeAndPayloadMatchTheirSchemas) {
  const Case& c = GetParam();
  const std::string bytes = encoded(c.payload);
  ASSERT_FALSE(bytes.empty());
  const rapidjson::Document doc = parse_json(bytes);
  ASSERT_TRUE(doc.IsObject()) << bytes;
  if (auto err = SchemaSet::instance().validate("envelope", doc)) FAIL() << err->field << " " << err->message;
  EXPECT_EQ(std::string_view(doc["type"].GetString()), c.type);
  EXPECT_EQ(doc["version"].GetInt64(), 1);
  EXPECT_EQ(std::string(doc["key"].GetString()), c.key);
  const auto schema = SchemaSet::message_schema(c.type, 1);
  if (auto err = SchemaSet::instance().validate(schema, doc["payload"])) {
    FAIL() << schema << ": " << err->field << " " << err->message << "\n" << bytes;
  }
  // encode_payload writes the same payload as encode.
  EXPECT_EQ(encode_payload(c.payload), orderflow::json::to_string(doc["payload"]));
}

INSTANTIATE_TEST_SUITE_P(EveryType, MessageRoundTrip, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(MessageRoundTripTable, CoversEveryTypeWithOptionalFieldsSetAndUnset) {
  std::map<size_t, std::set<std::pair<int, int>>> seen;  // index -> (set, total) of optionals
  for (const auto& c : cases()) {
    seen[c.payload.index()].insert(std::visit([](const auto& p) { return optionals(p); }, c.payload));
  }
  const auto types = known_types();
  for (size_t i = 0; i < std::variant_size_v<Payload>; ++i) {
    ASSERT_TRUE(seen.count(i)) << types[i] << " has no round-trip case";
    const int total = seen[i].begin()->second;
    if (total == 0) continue;
    EXPECT_TRUE(seen[i].count({total, total})) << types[i] << ": no case with every optional field set";
    EXPECT_TRUE(seen[i].count({0, total})) << types[i] << ": no case with every optional field unset";
  }
}

TEST(MessageWireFormat, PlaceOrderPayloadIsWrittenInFieldOrderAndOmitsUnsetOptionals) {
  PlaceOrder p = place_order();
  p.cart_id.reset();
  p.lines = {{"A-1", 2}};
  EXPECT_EQ(encode_payload(p), R"({"order_id":")" + kOrder + R"(","customer_id":")" + kCustomer +
                                   R"(","idempotency_key":"key-1","lines":[{"sku":"A-1","quantity":2}]})");
}

TEST(MessageWireFormat, DecodesAHandWrittenEnvelopeWithMembersInAnyOrder) {
  const std::string bytes = R"({
    "payload": {"lines": [{"quantity": 2, "sku": "A-1"}], "cart_id": "c-9", "idempotency_key": "k",
                "customer_id": "c-1", "order_id": ")" +
                            kOrder + R"("},
    "key": ")" + kOrder + R"(",
    "occurred_at": "2026-01-02T03:04:05.678Z",
    "version": 1,
    "type": "PlaceOrder",
    "id": "0b5c8f5e-3c8e-4a57-9b0e-7c1f2f0e9a11"
  })";
  auto r = decode(bytes);
  if (const auto* err = std::get_if<DecodeError>(&r)) FAIL() << err->reason;
  const Message& m = std::get<Message>(r);
  EXPECT_EQ(m.id, "0b5c8f5e-3c8e-4a57-9b0e-7c1f2f0e9a11");
  EXPECT_EQ(m.occurred_at, "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(m.key, kOrder);
  ASSERT_NE(m.as<PlaceOrder>(), nullptr);
  EXPECT_EQ(*m.as<PlaceOrder>(), (PlaceOrder{.order_id = kOrder,
                                             .customer_id = "c-1",
                                             .idempotency_key = "k",
                                             .cart_id = "c-9",
                                             .lines = {{"A-1", 2}}}));
}

TEST(MakeMessage, GivesEachMessageANewIdAndAnIsoUtcTime) {
  const Message a = make_message(place_order());
  const Message b = make_message(place_order());
  EXPECT_NE(a.id, b.id);
  EXPECT_TRUE(orderflow::is_uuid(a.id)) << a.id;
  EXPECT_TRUE(std::regex_match(a.occurred_at, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)")))
      << a.occurred_at;
}

// --- Types, schema files, topics ---------------------------------------------------------------------

TEST(MessageTypes, EverySchemaFileHasACppType) {
  const auto known = known_types();
  const std::set<std::string> types(known.begin(), known.end());
  const auto files = orderflow::resources_under("schemas/messages/");
  ASSERT_FALSE(files.empty());
  static const std::regex kName(R"(schemas/messages/([A-Z][A-Za-z]+)\.v([1-9][0-9]*)\.schema\.json)");
  for (const auto& [path, text] : files) {
    std::smatch m;
    const std::string p(path);
    ASSERT_TRUE(std::regex_match(p, m, kName)) << path << " is not named <Type>.v<N>.schema.json";
    EXPECT_TRUE(types.count(m[1].str() + ".v" + m[2].str())) << path << " has no C++ type in Payload";
  }
}

TEST(MessageTypes, EveryCppTypeHasASchemaFile) {
  std::set<std::string> files;
  for (const auto& [path, text] : orderflow::resources_under("schemas/messages/")) files.emplace(path);
  const auto known = known_types();
  EXPECT_EQ(known.size(), std::variant_size_v<Payload>);
  EXPECT_EQ(std::set<std::string>(known.begin(), known.end()).size(), known.size())
      << "a type is listed twice";
  for (const auto& t : known) {
    EXPECT_TRUE(files.count("schemas/messages/" + t + ".schema.json")) << t << " has no schema file";
  }
  for_each_type([]<typename T>() {
    EXPECT_TRUE(SchemaSet::instance().has(SchemaSet::message_schema(T::kType, T::kVersion))) << T::kType;
  });
}

// A schema's properties are the type's fields; its required ones the type's non-optional ones.
TEST(MessageTypes, FieldsAreTheSchemaPropertiesAndRequiredness) {
  for_each_type([]<typename T>() {
    const auto& schema = SchemaSet::instance().raw(SchemaSet::message_schema(T::kType, T::kVersion));
    ASSERT_TRUE(schema.HasMember("properties")) << T::kType;
    std::set<std::string> properties, required, cpp, cpp_required;
    for (const auto& m : schema["properties"].GetObject()) properties.emplace(m.name.GetString());
    if (schema.HasMember("required")) {
      for (const auto& r : schema["required"].GetArray()) required.emplace(r.GetString());
    }
    for (const auto& [name, is_required] : field_names<T>()) {
      cpp.insert(name);
      if (is_required) cpp_required.insert(name);
    }
    EXPECT_EQ(cpp, properties) << T::kType << ": C++ fields vs schema properties";
    EXPECT_EQ(cpp_required, required) << T::kType << ": C++ non-optional fields vs schema required";
  });
}

// Each schema's title says "<Type> v<N> (<topic>, key <field>)": the same as the C++ binding.
TEST(MessageTypes, SchemaTitleNamesTheTopicAndKeyOfTheBinding) {
  std::map<size_t, Payload> sample;
  for (const auto& c : cases()) sample.emplace(c.payload.index(), c.payload);
  static const std::regex kTitle(R"(^([A-Za-z]+) v([0-9]+) \(([a-z.]+), key ([a-z_]+)\))");
  for (const auto& [index, payload] : sample) {
    std::visit(
        [&]<typename T>(const T& p) {
          const auto& schema = SchemaSet::instance().raw(SchemaSet::message_schema(T::kType, T::kVersion));
          const std::string title = schema.HasMember("title") ? schema["title"].GetString() : "";
          std::smatch m;
          ASSERT_TRUE(std::regex_search(title, m, kTitle)) << T::kType << " title: " << title;
          EXPECT_EQ(m[1].str(), T::kType);
          EXPECT_EQ(m[2].str(), std::to_string(T::kVersion)) << T::kType;
          EXPECT_EQ(m[3].str(), topic_of<T>().name) << T::kType;
          const auto key_field = string_field(p, m[4].str());
          ASSERT_TRUE(key_field.has_value()) << T::kType << " has no string field " << m[4].str();
          const Payload whole{p};
          EXPECT_EQ(key_of(whole), *key_field) << T::kType << ": the key is not its " << m[4].str();
        },
        payload);
  }
}

namespace {

struct CppTopic {
  std::string name, key_name;
  std::vector<std::string> types;
};

template <typename Topic>
CppTopic describe(const Topic& t) {
  const auto names = t.type_names();
  return {std::string(t.name), std::string(t.key_name), std::vector<std::string>(names.begin(), names.end())};
}

std::vector<CppTopic> cpp_topics() {
  return std::apply([](const auto&... t) { return std::vector<CppTopic>{describe(t)...}; }, kTopics);
}

struct ManifestTopic {
  std::string name, key;
  std::vector<std::string> types;
};

std::vector<ManifestTopic> manifest_topics() {
  std::vector<ManifestTopic> out;
  const auto doc = parse_json(orderflow::resource("schemas/topics.json"));
  if (!doc.IsObject() || !doc.HasMember("topics")) {
    ADD_FAILURE() << "schemas/topics.json has no \"topics\"";
    return out;
  }
  for (const auto& t : doc["topics"].GetArray()) {
    ManifestTopic m{t["name"].GetString(), t.HasMember("key") ? t["key"].GetString() : "", {}};
    if (t.HasMember("types")) {
      for (const auto& type : t["types"].GetArray()) m.types.emplace_back(type.GetString());
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(TopicBindings, EveryManifestTopicWithTypesIsBoundWithTheSameTypesAndKey) {
  const auto bound = cpp_topics();
  const auto manifest = manifest_topics();
  ASSERT_FALSE(manifest.empty());
  for (const auto& m : manifest) {
    auto it = std::find_if(bound.begin(), bound.end(), [&](const CppTopic& t) { return t.name == m.name; });
    if (m.types.empty()) {
      EXPECT_TRUE(it == bound.end()) << m.name << " carries no types in topics.json but has a C++ binding";
      continue;
    }
    ASSERT_TRUE(it != bound.end()) << m.name << " (topics.json) has no C++ binding in messages/topics.hpp";
    EXPECT_EQ(sorted(it->types), sorted(m.types)) << m.name << ": C++ binding vs topics.json types";
    EXPECT_EQ(it->key_name, m.key) << m.name << ": C++ key name vs topics.json key";
  }
  for (const auto& t : bound) {
    auto it = std::find_if(manifest.begin(), manifest.end(), [&](const auto& m) { return m.name == t.name; });
    EXPECT_TRUE(it != manifest.end()) << t.name << " is bound in C++ but not declared in topics.json";
  }
}

TEST(TopicBindings, EveryTypeIsCarriedByExactlyOneTopic) {
  std::map<std::string, std::vector<std::string>> manifest_carriers, cpp_carriers;
  for (const auto& m : manifest_topics()) {
    for (const auto& type : m.types) manifest_carriers[type].push_back(m.name);
  }
  for (const auto& t : cpp_topics()) {
    for (const auto& type : t.types) cpp_carriers[type].push_back(t.name);
  }
  for (const auto& [type, topics] : manifest_carriers) {
    EXPECT_EQ(topics.size(), 1u) << type << " is listed on several topics in topics.json";
  }
  for (const auto& [type, topics] : cpp_carriers) {
    EXPECT_EQ(topics.size(), 1u) << type << " is bound to several C++ topics";
  }
  for_each_type([&]<typename T>() {
    const std::string type(T::kType);
    ASSERT_EQ(manifest_carriers[type].size(), 1u) << type << " is on no topic of topics.json";
    EXPECT_EQ(topic_of<T>().name, manifest_carriers[type].front())
        << type << ": topic_of<T>() vs topics.json";
    EXPECT_TRUE(topic_of<T>().template carries<T>()) << type;
  });
  for (const auto& c : cases()) {
    const auto& carriers = manifest_carriers[std::string(type_name(c.payload))];
    EXPECT_EQ(topic_name(c.payload), carriers.empty() ? "" : carriers.front()) << c.name;
  }
}

// --- encode refuses what breaks a contract ---------------------------------------------------------------

TEST(EncodeLimits, OrderLinesUpToTheMaximumPassOneMoreFails) {
  const size_t max = limits().max_order_lines;
  EXPECT_EQ(max, 50u);
  PlaceOrder p = place_order();
  p.lines = lines(max);
  EXPECT_TRUE(Encodes(p));
  p.lines = lines(max + 1);
  EXPECT_TRUE(RefusedAt(p, "lines"));
  // The event of an order holds as many lines.
  OrderPlaced placed{.order_id = kOrder,
                     .customer_id = kCustomer,
                     .cart_id = {},
                     .lines = {},
                     .total_cents = 0,
                     .version = 1};
  for (size_t i = 0; i < max; ++i) placed.lines.push_back({"S" + std::to_string(i), 1, 0});
  EXPECT_TRUE(Encodes(placed));
  placed.lines.push_back({"one-more", 1, 0});
  EXPECT_TRUE(RefusedAt(placed, "lines"));
}

TEST(EncodeLimits, QuantityFrom1To1000) {
  for (const int ok : {1, 1000}) {
    PlaceOrder p = place_order();
    p.lines[0].quantity = ok;
    EXPECT_TRUE(Encodes(p)) << ok;
    EXPECT_TRUE(Encodes(ReserveStock{kOrder, kSku, ok})) << ok;
    EXPECT_TRUE(Encodes(AddCartItem{kCart, kSku, ok})) << ok;
  }
  for (const int bad : {0, 1001, -1}) {
    PlaceOrder p = place_order();
    p.lines[0].quantity = bad;
    EXPECT_TRUE(RefusedAt(p, "lines[0].quantity")) << bad;
    p = place_order();
    p.lines[2].quantity = bad;
    EXPECT_TRUE(RefusedAt(p, "lines[2].quantity")) << bad;
    EXPECT_TRUE(RefusedAt(ReserveStock{kOrder, kSku, bad}, "quantity")) << bad;
    EXPECT_TRUE(RefusedAt(AddCartItem{kCart, kSku, bad}, "quantity")) << bad;
    EXPECT_TRUE(RefusedAt(stock_answer<StockReserved>(kOrder, kSku, bad, 0, 1), "quantity")) << bad;
  }
}

TEST(EncodeLimits, SkuUpTo64CharactersOfItsAlphabet) {
  const std::string sku64 = repeat("aZ9_.-", 10) + "abcd";
  ASSERT_EQ(sku64.size(), 64u);
  PlaceOrder p = place_order();
  p.lines[0].sku = sku64;
  EXPECT_TRUE(Encodes(p));
  EXPECT_TRUE(Encodes(AddCartItem{kCart, sku64, 1}));
  EXPECT_TRUE(Encodes(AdjustStock{sku64, 1}));
  EXPECT_TRUE(Encodes(PlaceOrder{.order_id = kOrder,
                                 .customer_id = "c",
                                 .idempotency_key = "k",
                                 .cart_id = {},
                                 .lines = {{"x", 1}}}));  // one character
  for (const std::string& bad : {sku64 + "e", std::string(), std::string("has space"), std::string("a:b"),
                                 std::string("a@b"), std::string("a/b")}) {
    p = place_order();
    p.lines[0].sku = bad;
    EXPECT_TRUE(RefusedAt(p, "lines[0].sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(AddCartItem{kCart, bad, 1}, "sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(RemoveCartItem{kCart, bad}, "sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(ReserveStock{kOrder, bad, 1}, "sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(ReleaseStock{kOrder, bad}, "sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(AdjustStock{bad, 1}, "sku")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(StockAdjusted{bad, 1, 1, 1}, "sku")) << "'" << bad << "'";
  }
}

TEST(EncodeLimits, CustomerIdUpTo64CharactersWithoutSpaces) {
  const std::string id64 = repeat("aZ9_.:@-", 8);
  ASSERT_EQ(id64.size(), 64u);
  PlaceOrder p = place_order();
  p.customer_id = id64;
  EXPECT_TRUE(Encodes(p));
  EXPECT_TRUE(Encodes(CheckoutCart{kCart, kOrder, id64, "k"}));
  for (const std::string& bad : {id64 + "x", std::string(), std::string("has space"), std::string(" lead"),
                                 std::string("a/b"), std::string("a#b")}) {
    p = place_order();
    p.customer_id = bad;
    EXPECT_TRUE(RefusedAt(p, "customer_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(CheckoutCart{kCart, kOrder, bad, "k"}, "customer_id")) << "'" << bad << "'";
  }
}

TEST(EncodeLimits, CartIdUpTo64Characters) {
  const std::string id64(64, 'c');
  PlaceOrder p = place_order();
  p.cart_id = id64;
  EXPECT_TRUE(Encodes(p));
  EXPECT_TRUE(Encodes(AddCartItem{id64, kSku, 1}));
  for (const std::string& bad : {id64 + "c", std::string(), std::string("a b")}) {
    p = place_order();
    p.cart_id = bad;
    EXPECT_TRUE(RefusedAt(p, "cart_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(AddCartItem{bad, kSku, 1}, "cart_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(RemoveCartItem{bad, kSku}, "cart_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(CheckoutCart{bad, kOrder, kCustomer, "k"}, "cart_id")) << "'" << bad << "'";
  }
}

// Lengths count code points: 128 three-byte characters are 128, not 384.
TEST(EncodeLimits, IdempotencyKeyFrom1To128CodePoints) {
  for (const std::string& ok : {std::string("k"), std::string(128, 'k'), repeat("\xe2\x82\xac", 128),
                                repeat("\xf0\x9f\x98\x80", 128)}) {
    PlaceOrder p = place_order();
    p.idempotency_key = ok;
    EXPECT_TRUE(Encodes(p)) << ok.size() << " bytes";
    EXPECT_TRUE(Encodes(CheckoutCart{kCart, kOrder, kCustomer, ok})) << ok.size() << " bytes";
  }
  for (const std::string& bad : {std::string(), std::string(129, 'k'), repeat("\xe2\x82\xac", 129)}) {
    PlaceOrder p = place_order();
    p.idempotency_key = bad;
    EXPECT_TRUE(RefusedAt(p, "idempotency_key")) << bad.size() << " bytes";
    EXPECT_TRUE(RefusedAt(CheckoutCart{kCart, kOrder, kCustomer, bad}, "idempotency_key")) << bad.size();
  }
}

TEST(EncodeLimits, ReasonFrom1To500CodePoints) {
  const std::string e500 = repeat("\xc3\xa9", 500);
  ASSERT_EQ(e500.size(), 1000u);
  for (const std::string& ok :
       {std::string("r"), std::string(500, 'r'), e500, repeat("\xf0\x9f\x98\x80", 500)}) {
    EXPECT_TRUE(Encodes(CancelOrder{kOrder, ok})) << ok.size() << " bytes";
    EXPECT_TRUE(Encodes(OrderCancelled{kOrder, ok, 2})) << ok.size() << " bytes";
    EXPECT_TRUE(Encodes(OrderRejected{kOrder, ok, 2})) << ok.size() << " bytes";
    EXPECT_TRUE(Encodes(OrderCommandRefused{kOrder, OrderCommand::CancelOrder, SeenStatus::Unknown, ok}));
  }
  for (const std::string& bad : {std::string(), std::string(501, 'r'), e500 + "\xc3\xa9"}) {
    EXPECT_TRUE(RefusedAt(CancelOrder{kOrder, bad}, "reason")) << bad.size() << " bytes";
    EXPECT_TRUE(RefusedAt(OrderCancelled{kOrder, bad, 2}, "reason")) << bad.size() << " bytes";
    EXPECT_TRUE(RefusedAt(OrderRejected{kOrder, bad, 2}, "reason")) << bad.size() << " bytes";
    EXPECT_TRUE(RefusedAt(OrderCommandRefused{kOrder, OrderCommand::CancelOrder, SeenStatus::Unknown, bad},
                          "reason"));
  }
}

TEST(EncodeLimits, OnHandFrom0To1000000000) {
  EXPECT_TRUE(Encodes(AdjustStock{kSku, 0}));
  EXPECT_TRUE(Encodes(AdjustStock{kSku, 1000000000}));
  EXPECT_TRUE(RefusedAt(AdjustStock{kSku, -1}, "on_hand"));
  EXPECT_TRUE(RefusedAt(AdjustStock{kSku, 1000000001}, "on_hand"));
}

TEST(EncodeLimits, OrderIdsAreUuids) {
  for (const std::string& bad :
       {std::string(), std::string("not-a-uuid"), std::string("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
        kOrder + "0", std::string("123E4567-E89B-42D3-A456-426614174000")}) {
    PlaceOrder p = place_order();
    p.order_id = bad;
    EXPECT_TRUE(RefusedAt(p, "order_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(CancelOrder{bad, std::nullopt}, "order_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(ReserveStock{bad, kSku, 1}, "order_id")) << "'" << bad << "'";
    EXPECT_TRUE(RefusedAt(CheckoutCart{kCart, bad, kCustomer, "k"}, "order_id")) << "'" << bad << "'";
  }
}

TEST(EncodeLimits, CountsAndVersionsOfEvents) {
  EXPECT_TRUE(Encodes(StockAdjusted{kSku, 0, 0, 1}));
  EXPECT_TRUE(RefusedAt(StockAdjusted{kSku, -1, 0, 1}, "on_hand"));
  EXPECT_TRUE(RefusedAt(StockAdjusted{kSku, 0, -1, 1}, "available"));
  EXPECT_TRUE(RefusedAt(StockAdjusted{kSku, 0, 0, 0}, "sku_version"));
  EXPECT_TRUE(RefusedAt(StockAdjustRefused{kSku, 0, -1, 0, 1}, "reserved"));
  EXPECT_TRUE(RefusedAt(StockAdjustRefused{kSku, 0, 0, -1, 1}, "requested_on_hand"));
  EXPECT_TRUE(RefusedAt(stock_answer<StockShort>(kOrder, kSku, 1, -1, 1), "available"));
  EXPECT_TRUE(RefusedAt(stock_answer<StockReleased>(kOrder, kSku, 1, 0, 0), "sku_version"));
  EXPECT_TRUE(RefusedAt(OrderConfirmed{kOrder, -1, 1}, "total_cents"));
  EXPECT_TRUE(RefusedAt(OrderConfirmed{kOrder, 0, 0}, "version"));
  EXPECT_TRUE(RefusedAt(OrderRejected{kOrder, "r", 0}, "version"));
  OrderPlaced placed{.order_id = kOrder,
                     .customer_id = kCustomer,
                     .cart_id = {},
                     .lines = {{kSku, 1, -1}},
                     .total_cents = 0,
                     .version = 1};
  EXPECT_TRUE(RefusedAt(placed, "lines[0].unit_price_cents"));
}

// The reason of a violation states the limit, as the shared definitions declare it (the api returns it
// to the client, the DLQ header carries it). The limits live in definitions.schema.json, reached by $ref.
TEST(ContractViolationMessage, StatesTheLimitThatWasBroken) {
  PlaceOrder p = place_order();
  p.lines = lines(limits().max_order_lines + 1);
  EXPECT_TRUE(RefusedAt(p, "lines", "at most 50 items"));
  p = place_order();
  p.lines[0].quantity = 0;
  EXPECT_TRUE(RefusedAt(p, "lines[0].quantity", "must be >= 1"));
  p.lines[0].quantity = 1001;
  EXPECT_TRUE(RefusedAt(p, "lines[0].quantity", "must be <= 1000"));
  p = place_order();
  p.lines[0].sku = std::string(65, 's');
  EXPECT_TRUE(RefusedAt(p, "lines[0].sku", "at most 64 characters"));
  p = place_order();
  p.customer_id = "has space";
  EXPECT_TRUE(RefusedAt(p, "customer_id", "must match"));
  EXPECT_TRUE(RefusedAt(CancelOrder{kOrder, repeat("\xc3\xa9", 501)}, "reason", "at most 500 characters"));
  EXPECT_TRUE(RefusedAt(AdjustStock{kSku, -1}, "on_hand", "must be >= 0"));
  EXPECT_TRUE(RefusedAt(AdjustStock{kSku, 1000000001}, "on_hand", "must be <= 1000000000"));
  EXPECT_TRUE(RefusedAt(OrderConfirmed{kOrder, 0, 0}, "version", "must be >= 1"));
}

namespace {

// One value of each type, with every optional field set, for the text checks below.
std::vector<Payload> one_of_each_type_with_optionals_set() {
  std::map<size_t, Payload> out;
  for (const auto& c : cases()) {
    const auto [set, total] = std::visit([](const auto& p) { return optionals(p); }, c.payload);
    if (set == total && !out.count(c.payload.index())) out.emplace(c.payload.index(), c.payload);
  }
  std::vector<Payload> v;
  for (auto& [index, p] : out) v.push_back(std::move(p));
  EXPECT_EQ(v.size(), std::variant_size_v<Payload>);
  return v;
}

// Sets `bad` into every string field of every type and expects encode to refuse it there, for `why`;
// returns "Type.field" of every field it tried.
std::set<std::string> expect_text_refused_everywhere(const std::string& bad, std::string_view why) {
  std::set<std::string> tried;
  for (const auto& base : one_of_each_type_with_optionals_set()) {
    std::visit(
        [&]<typename T>(const T& value) {
          for (const auto& [field, mutant] : with_each_string(value, bad)) {
            tried.insert(std::string(T::kType) + "." + field);
            EXPECT_TRUE(RefusedAt(mutant, field, why)) << T::kType << "." << field;
          }
        },
        base);
  }
  return tried;
}

// The string fields of the commands, at least, must have been tried.
void expect_command_fields_tried(const std::set<std::string>& tried) {
  for (const char* f : {"PlaceOrder.order_id",        "PlaceOrder.customer_id",
                        "PlaceOrder.idempotency_key", "PlaceOrder.cart_id",
                        "PlaceOrder.lines[0].sku",    "CancelOrder.order_id",
                        "CancelOrder.reason",         "ReserveStock.order_id",
                        "ReserveStock.sku",           "ReleaseStock.order_id",
                        "ReleaseStock.sku",           "AdjustStock.sku",
                        "AddCartItem.cart_id",        "AddCartItem.sku",
                        "RemoveCartItem.cart_id",     "RemoveCartItem.sku",
                        "CheckoutCart.cart_id",       "CheckoutCart.order_id",
                        "CheckoutCart.customer_id",   "CheckoutCart.idempotency_key"}) {
    EXPECT_TRUE(tried.count(f)) << f << " was not tried";
  }
}

}  // namespace

TEST(EncodeRefusesBadText, InvalidUtf8InEveryStringFieldIsNamed) {
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("ok\xc3"), std::string("\xed\xa0\x80"),
                                 std::string("\xc0\xaf")}) {
    SCOPED_TRACE("bytes of length " + std::to_string(bad.size()));
    expect_command_fields_tried(expect_text_refused_everywhere(bad, "is not valid UTF-8"));
  }
}

TEST(EncodeRefusesBadText, ControlCharacterInEveryStringFieldIsNamed) {
  for (const std::string& bad : {std::string("a\x01"
                                             "b"),
                                 std::string("\x7f"), std::string("tab\there"), std::string("nl\n"),
                                 std::string("c1\xc2\x85"), std::string(1, '\0')}) {
    SCOPED_TRACE("bytes of length " + std::to_string(bad.size()));
    expect_command_fields_tried(expect_text_refused_everywhere(bad, "contains a control character"));
  }
}

// encode() promises that nothing leaves a process that a consumer would refuse: the envelope is
// checked as well as the payload.
TEST(EncodeChecksTheEnvelope, RefusesAKeyThatIsNotThePayloads) {
  Message m = make_message(place_order());
  m.key = "x";
  EXPECT_THROW(encode(m), ContractViolation) << "encode wrote an envelope decode refuses";
}

TEST(EncodeChecksTheEnvelope, RefusesAnIdThatIsNotAUuid) {
  Message m = make_message(place_order());
  m.id = "not-a-uuid";
  EXPECT_THROW(encode(m), ContractViolation) << "encode wrote an envelope decode refuses";
}

// --- decode refuses what a consumer must not apply -------------------------------------------------

TEST(DecodeRefuses, NotJson) {
  for (const char* bad : {"", "not json", "{", "{\"id\":", "{\"id\":\"a\",}", "\xff\xfe"}) {
    EXPECT_TRUE(Refused(bad)) << "'" << bad << "'";
  }
}

TEST(DecodeRefuses, JsonThatIsNoEnvelope) {
  const std::string good = encoded(place_order());
  EXPECT_TRUE(Refused("null"));
  EXPECT_TRUE(Refused("[]"));
  EXPECT_TRUE(Refused("{}"));
  EXPECT_TRUE(Refused(with(good, "/id", "\"not-a-uuid\""), "id"));
  EXPECT_TRUE(Refused(with(good, "/payload", ""), "payload"));
  EXPECT_TRUE(Refused(with(good, "/extra", "1"), "extra"));
  EXPECT_TRUE(Refused(with(good, "/version", "\"1\""), "version"));
}

TEST(DecodeRefuses, InvalidUtf8InAPayloadString) {
  PlaceOrder p = place_order();
  p.idempotency_key = "MARKER";
  const std::string good = encoded(p);
  ASSERT_FALSE(good.empty());
  for (const char* bad : {"\xff\xfe", "ok\xc3", "\xed\xa0\x80", "\xc0\xaf"}) {
    EXPECT_TRUE(Refused(replace_once(good, "MARKER", bad)))
        << "idempotency_key of " << std::strlen(bad) << " bytes";
  }
  // In an envelope string too.
  EXPECT_TRUE(Refused(replace_once(good, R"("occurred_at":")", "\"occurred_at\":\"\xff")));
}

TEST(DecodeRefuses, EscapedControlCharacterInAPayloadString) {
  PlaceOrder p = place_order();
  p.idempotency_key = "MARKER";
  const std::string order = encoded(p);
  const std::string cancel = encoded(CancelOrder{kOrder, "MARKER"});
  const std::string rejected = encoded(OrderRejected{kOrder, "MARKER", 2});
  for (const char* escaped : {R"(a\u0001b)", R"(\u007f)", R"(\u0085)", R"(\t)", R"(\n)", R"(\u0000)"}) {
    EXPECT_TRUE(Refused(replace_once(order, "MARKER", escaped), "idempotency_key")) << escaped;
    EXPECT_TRUE(Refused(replace_once(cancel, "MARKER", escaped), "reason")) << escaped;
    EXPECT_TRUE(Refused(replace_once(rejected, "MARKER", escaped), "reason")) << escaped;
  }
  // An escaped printable character is fine.
  auto r = decode(replace_once(cancel, "MARKER", R"(caf\u00e9 \ud83d\ude00)"));
  ASSERT_TRUE(std::holds_alternative<Message>(r)) << std::get<DecodeError>(r).reason;
  EXPECT_EQ(std::get<Message>(r).as<CancelOrder>()->reason, "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(DecodeRefuses, UnknownTypeOrVersion) {
  const std::string good = encoded(place_order());
  EXPECT_TRUE(Refused(with(good, "/type", R"("NoSuchType")"), "NoSuchType"));
  EXPECT_TRUE(Refused(with(good, "/version", "2"), "PlaceOrder"));
  EXPECT_TRUE(Refused(with(good, "/version", "0")));
  EXPECT_TRUE(Refused(with(good, "/type", R"("placeOrder")")));
}

TEST(DecodeRefuses, PayloadBreakingItsSchema) {
  const std::string good = encoded(place_order());
  EXPECT_TRUE(Refused(with(good, "/payload/lines/0/quantity", "0"), "lines[0].quantity"));
  EXPECT_TRUE(Refused(with(good, "/payload/lines/1/quantity", "1001"), "lines[1].quantity"));
  EXPECT_TRUE(Refused(with(good, "/payload/lines/0/quantity", "\"2\""), "lines[0].quantity"));
  EXPECT_TRUE(Refused(with(good, "/payload/lines/0/quantity", "2.5"), "lines[0].quantity"));
  EXPECT_TRUE(Refused(with(good, "/payload/lines/0/sku", "\"has space\""), "lines[0].sku"));
  EXPECT_TRUE(Refused(with(good, "/payload/customer_id", ""), "customer_id"));
  EXPECT_TRUE(Refused(with(good, "/payload/order_id", "\"not-a-uuid\""), "order_id"));
  EXPECT_TRUE(Refused(with(good, "/payload/extra", "true"), "extra"));
  EXPECT_TRUE(Refused(with(good, "/payload/cart_id", "null"), "cart_id"));
  EXPECT_TRUE(Refused(with(good, "/payload/lines", "{}"), "lines"));
  // A payload valid for another type is not valid for this one.
  EXPECT_TRUE(Refused(with(good, "/payload", R"({"order_id":")" + kOrder + R"("})")));
  const std::string refused =
      encoded(OrderCommandRefused{kOrder, OrderCommand::CancelOrder, SeenStatus::Unknown, "no such order"});
  EXPECT_TRUE(Refused(with(refused, "/payload/status", R"("LOST")"), "status"));
  EXPECT_TRUE(Refused(with(refused, "/payload/command", R"("PlaceOrder")"), "command"));
}

TEST(DecodeRefuses, KeyThatIsNotThePayloads) {
  EXPECT_TRUE(Refused(with(encoded(place_order()), "/key", R"("x")"), "key"));
  EXPECT_TRUE(Refused(with(encoded(place_order()), "/key", "\"" + kOtherOrder + "\""), "key"));
  // inventory.events: an order's answer is keyed by the order, an adjustment by the sku.
  EXPECT_TRUE(Refused(
      with(encoded(stock_answer<StockReserved>(kOrder, kSku, 1, 1, 1)), "/key", "\"" + kSku + "\""), "key"));
  EXPECT_TRUE(Refused(with(encoded(StockAdjusted{kSku, 1, 1, 1}), "/key", "\"" + kOrder + "\""), "key"));
  EXPECT_TRUE(Refused(with(encoded(ReserveStock{kOrder, kSku, 1}), "/key", "\"" + kOrder + "\""), "key"));
  EXPECT_TRUE(Refused(with(encoded(AddCartItem{kCart, kSku, 1}), "/key", "\"" + kSku + "\""), "key"));
}

// occurred_at is stored (orders.orders.placed_at is cast ::timestamptz from it): a value the database
// cannot read must not get past decode, or it fails the consumer's batch instead of going to the DLQ.
TEST(DecodeRefuses, OccurredAtThatIsNotAnIsoUtcTime) {
  const std::string good = encoded(place_order());
  EXPECT_TRUE(Refused(with(good, "/occurred_at", R"("this is not a time at all")"), "occurred_at"));
  EXPECT_TRUE(Refused(with(good, "/occurred_at", R"("2026-01-02T03:04:05.678Z\u0001")"), "occurred_at"));
}

// Integers the schemas accept (no maximum) but the C++ fields cannot hold must be refused, not
// truncated (or, with assertions on, abort the consumer). Run in a child process for that reason.
TEST(DecodeIntegerRangeDeathTest, VersionBeyondIntIsRefused) {
  const std::string bytes = with(encoded(place_order()), "/version", "4294967297");  // 2^32 + 1
  EXPECT_EXIT(
      {
        auto r = decode(bytes);
        std::exit(std::holds_alternative<DecodeError>(r) ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "")
      << "decode accepted (or crashed on) version 4294967297:\n"
      << bytes;
}

TEST(DecodeIntegerRangeDeathTest, IntegerBeyondInt64IsRefused) {
  const std::string good = encoded(OrderConfirmed{kOrder, 1, 1});
  for (const char* big : {"9223372036854775808", "18446744073709551615"}) {
    const std::string bytes = with(good, "/payload/total_cents", big);
    EXPECT_EXIT(
        {
          auto r = decode(bytes);
          std::exit(std::holds_alternative<DecodeError>(r) ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "")
        << "decode accepted (or crashed on) total_cents " << big;
  }
}

// --- caused_by ---------------------------------------------------------------------------------------

TEST(CausedBy, SameCauseAndPayloadGiveTheSameId) {
  const std::string cause = orderflow::random_uuid();
  const Message a = caused_by(cause, ReserveStock{kOrder, kSku, 2});
  const Message b = caused_by(cause, ReserveStock{kOrder, kSku, 2});
  EXPECT_EQ(a.id, b.id);
  EXPECT_TRUE(orderflow::is_uuid(a.id)) << a.id;
  EXPECT_NE(a.id, cause);
  EXPECT_EQ(a.key, kSku);
  const Message c1 = caused_by(cause, OrderConfirmed{kOrder, 10, 2});
  const Message c2 = caused_by(cause, OrderConfirmed{kOrder, 10, 2});
  EXPECT_EQ(c1.id, c2.id);
}

TEST(CausedBy, AnOrdersReserveStocksOfDifferentSkusGetDifferentIds) {
  const std::string cause = orderflow::random_uuid();
  const Message a = caused_by(cause, ReserveStock{kOrder, "SKU-A", 1});
  const Message b = caused_by(cause, ReserveStock{kOrder, "SKU-B", 1});
  EXPECT_NE(a.id, b.id);
  const Message ra = caused_by(cause, ReleaseStock{kOrder, "SKU-A"});
  const Message rb = caused_by(cause, ReleaseStock{kOrder, "SKU-B"});
  EXPECT_NE(ra.id, rb.id);
  // A reserve and a release of one sku are two messages.
  EXPECT_NE(a.id, ra.id);
}

TEST(CausedBy, DifferentCausesGiveDifferentIds) {
  const Message a = caused_by(orderflow::random_uuid(), ReserveStock{kOrder, kSku, 1});
  const Message b = caused_by(orderflow::random_uuid(), ReserveStock{kOrder, kSku, 1});
  EXPECT_NE(a.id, b.id);
  const Message c = caused_by(orderflow::random_uuid(), OrderRejected{kOrder, "r", 2});
  const Message d = caused_by(orderflow::random_uuid(), OrderRejected{kOrder, "r", 2});
  EXPECT_NE(c.id, d.id);
}

TEST(CausedBy, DifferentTypesOfOneCauseGetDifferentIds) {
  const std::string cause = orderflow::random_uuid();
  std::set<std::string> ids;
  for (const Payload& p :
       {Payload{OrderPlaced{kOrder, kCustomer, {}, {}, 0, 1}}, Payload{OrderRejected{kOrder, "r", 2}},
        Payload{ReserveStock{kOrder, kSku, 1}}, Payload{OrderConfirmed{kOrder, 0, 2}}}) {
    ids.insert(caused_by(cause, p).id);
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST(CausedBy, TheMessageRoundTripsWithItsId) {
  const Message m = caused_by(orderflow::random_uuid(), ReserveStock{kOrder, kSku, 3});
  auto r = decode(encode(m));
  ASSERT_TRUE(std::holds_alternative<Message>(r)) << std::get<DecodeError>(r).reason;
  EXPECT_EQ(std::get<Message>(r).id, m.id);
  EXPECT_EQ(std::get<Message>(r).key, kSku);
  EXPECT_TRUE(std::get<Message>(r).payload == m.payload);
}
