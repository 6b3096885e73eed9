// The inventory's rules (StockLedger), without I/O: reserve, release, adjust, and the invariant
// on_hand = available + sum(RESERVED reservations), available >= 0, that every operation keeps.
#include "inventory/stock_ledger.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "orderflow/json.hpp"
#include "orderflow/messages/message.hpp"
#include "orderflow/schema.hpp"

namespace {

using orderflow::SchemaSet;
using orderflow::inventory::Reservation;
using orderflow::inventory::Stock;
using orderflow::inventory::StockLedger;

const std::string kOrder1 = "11111111-1111-4111-8111-111111111111";
const std::string kOrder2 = "22222222-2222-4222-8222-222222222222";

std::string order_id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

// What the ledger emitted, as it goes out: type, key and payload JSON (encoded through the message layer,
// so a payload breaking its contract fails the test right there).
struct LedgerEvent {
  std::string type, key, payload;
};
LedgerEvent sent(const orderflow::messages::Payload& p) {
  return LedgerEvent{std::string(orderflow::messages::type_name(p)), orderflow::messages::key_of(p),
                     orderflow::messages::encode_payload(p)};
}
std::optional<LedgerEvent> sent(const std::optional<orderflow::messages::Payload>& p) {
  return p ? std::optional(sent(*p)) : std::nullopt;
}
std::optional<LedgerEvent> reserve(StockLedger& l, const std::string& order, const std::string& sku, int q) {
  return sent(l.reserve(orderflow::messages::ReserveStock{order, sku, q}));
}
std::optional<LedgerEvent> release(StockLedger& l, const std::string& order, const std::string& sku) {
  return sent(l.release(orderflow::messages::ReleaseStock{order, sku}));
}
LedgerEvent adjust(StockLedger& l, const std::string& sku, int64_t on_hand) {
  return sent(l.adjust(orderflow::messages::AdjustStock{sku, on_hand}));
}
std::string state(const Reservation& r) {
  return std::string(orderflow::messages::to_string(r.state));
}

// Parses the event's payload and checks it against messages/<type>.v1; returns the document.
rapidjson::Document checked(const LedgerEvent& e) {
  std::string error;
  auto doc = orderflow::json::parse(e.payload, &error);
  if (!doc) {
    ADD_FAILURE() << e.type << " payload is not JSON: " << error << "\n" << e.payload;
    return rapidjson::Document{};
  }
  const auto err = SchemaSet::instance().validate(SchemaSet::message_schema(e.type, 1), *doc);
  EXPECT_FALSE(err) << e.type << " payload breaks its schema: " << err->field << " " << err->message << "\n"
                    << e.payload;
  return std::move(*doc);
}

int64_t int_of(const rapidjson::Document& d, const char* name) {
  auto v = orderflow::json::get_int(d, name);
  EXPECT_TRUE(v) << name << " missing";
  return v.value_or(-999);
}

std::string str_of(const rapidjson::Document& d, const char* name) {
  auto v = orderflow::json::get_string(d, name);
  EXPECT_TRUE(v) << name << " missing";
  return std::string(v.value_or("<missing>"));
}

// A ledger with SKU-A: 10 on hand, all available, at version 3 (a loaded row, not dirty).
StockLedger loaded_ledger() {
  StockLedger l;
  l.stock["SKU-A"] = Stock{10, 10, 3, false};
  return l;
}

bool same_stock(const Stock& a, const Stock& b) {
  return a.on_hand == b.on_hand && a.available == b.available && a.version == b.version && a.dirty == b.dirty;
}

// Sum of RESERVED quantities of sku.
int64_t reserved_of(const StockLedger& l, const std::string& sku) {
  int64_t sum = 0;
  for (const auto& [key, r] : l.reservations) {
    if (key.second == sku && state(r) == "RESERVED") sum += r.quantity;
  }
  return sum;
}

}  // namespace

TEST(StockLedger, ReserveWithEnoughStockEmitsStockReservedAndHoldsUnits) {
  StockLedger l = loaded_ledger();
  auto e = reserve(l, kOrder1, "SKU-A", 4);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockReserved");
  EXPECT_EQ(e->key, kOrder1);
  auto doc = checked(*e);
  EXPECT_EQ(str_of(doc, "order_id"), kOrder1);
  EXPECT_EQ(str_of(doc, "sku"), "SKU-A");
  EXPECT_EQ(int_of(doc, "quantity"), 4);
  EXPECT_EQ(int_of(doc, "available"), 6);
  EXPECT_EQ(int_of(doc, "sku_version"), 4);

  const Stock& s = l.stock.at("SKU-A");
  EXPECT_EQ(s.on_hand, 10);
  EXPECT_EQ(s.available, 6);
  EXPECT_EQ(s.version, 4);
  EXPECT_TRUE(s.dirty);
  const Reservation& r = l.reservations.at({kOrder1, "SKU-A"});
  EXPECT_EQ(state(r), "RESERVED");
  EXPECT_EQ(r.quantity, 4);
  EXPECT_TRUE(r.dirty);
}

TEST(StockLedger, ReserveOfExactlyWhatIsAvailableSucceeds) {
  StockLedger l = loaded_ledger();
  auto e = reserve(l, kOrder1, "SKU-A", 10);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockReserved");
  checked(*e);
  EXPECT_EQ(l.stock.at("SKU-A").available, 0);
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "RESERVED");
}

TEST(StockLedger, ReserveOfMoreThanAvailableIsShortAndLeavesStockAlone) {
  StockLedger l = loaded_ledger();
  const Stock before = l.stock.at("SKU-A");
  auto e = reserve(l, kOrder1, "SKU-A", 11);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockShort");
  EXPECT_EQ(e->key, kOrder1);
  auto doc = checked(*e);
  EXPECT_EQ(str_of(doc, "order_id"), kOrder1);
  EXPECT_EQ(str_of(doc, "sku"), "SKU-A");
  EXPECT_EQ(int_of(doc, "quantity"), 11);
  EXPECT_EQ(int_of(doc, "available"), 10);
  EXPECT_EQ(int_of(doc, "sku_version"), 3);

  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  const Reservation& r = l.reservations.at({kOrder1, "SKU-A"});
  EXPECT_EQ(state(r), "SHORT");
  EXPECT_EQ(r.quantity, 11);
  EXPECT_TRUE(r.dirty);  // the SHORT answer is recorded so a repeat gets no second answer
}

TEST(StockLedger, ReserveOfSkuWithNoStockRowIsShortWithNothingAvailable) {
  StockLedger l;
  auto e = reserve(l, kOrder1, "SKU-NEW", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockShort");
  auto doc = checked(*e);
  EXPECT_EQ(int_of(doc, "available"), 0);
  EXPECT_EQ(int_of(doc, "sku_version"), 1);  // schema: >= 1 even though no row exists
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-NEW"})), "SHORT");
  // No stock row is to be written for it.
  auto it = l.stock.find("SKU-NEW");
  if (it != l.stock.end()) {
    EXPECT_FALSE(it->second.dirty);
    EXPECT_EQ(it->second.version, 0);
    EXPECT_EQ(it->second.on_hand, 0);
    EXPECT_EQ(it->second.available, 0);
  }
}

TEST(StockLedger, ReserveOfSkuAtVersionZeroIsShortWithNothingAvailable) {
  StockLedger l;
  l.stock["SKU-Z"] = Stock{};  // version 0: no row yet
  auto e = reserve(l, kOrder1, "SKU-Z", 1);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockShort");
  auto doc = checked(*e);
  EXPECT_EQ(int_of(doc, "available"), 0);
  EXPECT_EQ(l.stock.at("SKU-Z").version, 0);
  EXPECT_FALSE(l.stock.at("SKU-Z").dirty);
}

TEST(StockLedger, RepeatedReserveOfSameOrderLineIsIgnored) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  const Stock before = l.stock.at("SKU-A");
  EXPECT_FALSE(reserve(l, kOrder1, "SKU-A", 4));
  EXPECT_FALSE(reserve(l, kOrder1, "SKU-A", 2));  // even with another quantity
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_EQ(l.reservations.at({kOrder1, "SKU-A"}).quantity, 4);
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "RESERVED");
  EXPECT_EQ(l.reservations.size(), 1u);
}

TEST(StockLedger, RepeatedReserveAfterShortIsIgnoredEvenOnceStockArrived) {
  StockLedger l = loaded_ledger();
  auto first = reserve(l, kOrder1, "SKU-A", 20);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->type, "StockShort");
  checked(adjust(l, "SKU-A", 100));
  const Stock before = l.stock.at("SKU-A");
  EXPECT_FALSE(reserve(l, kOrder1, "SKU-A", 20));
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "SHORT");
}

TEST(StockLedger, ReserveForAnotherOrderOfSameSkuIsIndependent) {
  StockLedger l = loaded_ledger();
  ASSERT_EQ(reserve(l, kOrder1, "SKU-A", 6).value().type, "StockReserved");
  auto e = reserve(l, kOrder2, "SKU-A", 6);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockShort");
  EXPECT_EQ(int_of(checked(*e), "available"), 4);
  auto e2 = reserve(l, kOrder2, "SKU-B", 1);  // another line of order 2, on an unknown sku
  ASSERT_TRUE(e2);
  EXPECT_EQ(e2->type, "StockShort");
}

TEST(StockLedger, ReleaseOfReservedGivesUnitsBack) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  l.stock.at("SKU-A").dirty = false;
  l.reservations.at({kOrder1, "SKU-A"}).dirty = false;
  auto e = release(l, kOrder1, "SKU-A");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockReleased");
  EXPECT_EQ(e->key, kOrder1);
  auto doc = checked(*e);
  EXPECT_EQ(str_of(doc, "order_id"), kOrder1);
  EXPECT_EQ(str_of(doc, "sku"), "SKU-A");
  EXPECT_EQ(int_of(doc, "quantity"), 4);
  EXPECT_EQ(int_of(doc, "available"), 10);
  EXPECT_EQ(int_of(doc, "sku_version"), 5);

  const Stock& s = l.stock.at("SKU-A");
  EXPECT_EQ(s.on_hand, 10);
  EXPECT_EQ(s.available, 10);
  EXPECT_EQ(s.version, 5);
  EXPECT_TRUE(s.dirty);
  const Reservation& r = l.reservations.at({kOrder1, "SKU-A"});
  EXPECT_EQ(state(r), "RELEASED");
  EXPECT_TRUE(r.dirty);
}

TEST(StockLedger, SecondReleaseIsIgnored) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  ASSERT_TRUE(release(l, kOrder1, "SKU-A"));
  const Stock before = l.stock.at("SKU-A");
  EXPECT_FALSE(release(l, kOrder1, "SKU-A"));
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "RELEASED");
}

TEST(StockLedger, ReleaseOfShortReservationIsIgnored) {
  StockLedger l = loaded_ledger();
  ASSERT_EQ(reserve(l, kOrder1, "SKU-A", 50).value().type, "StockShort");
  const Stock before = l.stock.at("SKU-A");
  EXPECT_FALSE(release(l, kOrder1, "SKU-A"));
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "SHORT");
}

TEST(StockLedger, ReleaseWithoutAnyReservationIsIgnored) {
  StockLedger l = loaded_ledger();
  const Stock before = l.stock.at("SKU-A");
  EXPECT_FALSE(release(l, kOrder1, "SKU-A"));
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_TRUE(l.reservations.empty());
}

TEST(StockLedger, ReserveAfterReleaseOfSameLineIsIgnored) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  ASSERT_TRUE(release(l, kOrder1, "SKU-A"));
  EXPECT_FALSE(reserve(l, kOrder1, "SKU-A", 4));  // a late duplicate ReserveStock does not hold units again
  EXPECT_EQ(l.stock.at("SKU-A").available, 10);
}

TEST(StockLedger, AdjustUpKeepsReservedUnitsHeld) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  const LedgerEvent e = adjust(l, "SKU-A", 25);
  EXPECT_EQ(e.type, "StockAdjusted");
  EXPECT_EQ(e.key, "SKU-A");
  auto doc = checked(e);
  EXPECT_EQ(str_of(doc, "sku"), "SKU-A");
  EXPECT_EQ(int_of(doc, "on_hand"), 25);
  EXPECT_EQ(int_of(doc, "available"), 21);
  EXPECT_EQ(int_of(doc, "sku_version"), 5);
  const Stock& s = l.stock.at("SKU-A");
  EXPECT_EQ(s.on_hand, 25);
  EXPECT_EQ(s.available, 21);
  EXPECT_EQ(s.on_hand, s.available + reserved_of(l, "SKU-A"));
  EXPECT_EQ(s.version, 5);
  EXPECT_TRUE(s.dirty);
}

TEST(StockLedger, AdjustDownKeepsReservedUnitsHeld) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  const LedgerEvent e = adjust(l, "SKU-A", 5);
  EXPECT_EQ(e.type, "StockAdjusted");
  auto doc = checked(e);
  EXPECT_EQ(int_of(doc, "on_hand"), 5);
  EXPECT_EQ(int_of(doc, "available"), 1);
  const Stock& s = l.stock.at("SKU-A");
  EXPECT_EQ(s.on_hand, 5);
  EXPECT_EQ(s.available, 1);
  EXPECT_EQ(s.on_hand, s.available + reserved_of(l, "SKU-A"));
}

TEST(StockLedger, AdjustToExactlyReservedLeavesNothingAvailable) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  const LedgerEvent e = adjust(l, "SKU-A", 4);
  EXPECT_EQ(e.type, "StockAdjusted");
  checked(e);
  EXPECT_EQ(l.stock.at("SKU-A").available, 0);
  EXPECT_EQ(l.stock.at("SKU-A").on_hand, 4);
}

TEST(StockLedger, AdjustBelowReservedIsRefusedAndChangesNothing) {
  StockLedger l = loaded_ledger();
  ASSERT_TRUE(reserve(l, kOrder1, "SKU-A", 4));
  l.stock.at("SKU-A").dirty = false;
  const Stock before = l.stock.at("SKU-A");
  const LedgerEvent e = adjust(l, "SKU-A", 3);
  EXPECT_EQ(e.type, "StockAdjustRefused");
  EXPECT_EQ(e.key, "SKU-A");
  auto doc = checked(e);
  EXPECT_EQ(str_of(doc, "sku"), "SKU-A");
  EXPECT_EQ(int_of(doc, "on_hand"), 10);
  EXPECT_EQ(int_of(doc, "reserved"), 4);
  EXPECT_EQ(int_of(doc, "requested_on_hand"), 3);
  EXPECT_EQ(int_of(doc, "sku_version"), 4);
  EXPECT_TRUE(same_stock(l.stock.at("SKU-A"), before));
  EXPECT_EQ(state(l.reservations.at({kOrder1, "SKU-A"})), "RESERVED");
}

TEST(StockLedger, AdjustOfUnknownSkuCreatesIt) {
  StockLedger l;
  const LedgerEvent e = adjust(l, "SKU-NEW", 7);
  EXPECT_EQ(e.type, "StockAdjusted");
  auto doc = checked(e);
  EXPECT_EQ(int_of(doc, "on_hand"), 7);
  EXPECT_EQ(int_of(doc, "available"), 7);
  EXPECT_EQ(int_of(doc, "sku_version"), 1);
  const Stock& s = l.stock.at("SKU-NEW");
  EXPECT_EQ(s.on_hand, 7);
  EXPECT_EQ(s.available, 7);
  EXPECT_EQ(s.version, 1);
  EXPECT_TRUE(s.dirty);
  // Now it can be reserved.
  auto r = reserve(l, kOrder1, "SKU-NEW", 7);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, "StockReserved");
}

TEST(StockLedger, AdjustOfUnknownSkuToZeroCreatesItEmpty) {
  StockLedger l;
  const LedgerEvent e = adjust(l, "SKU-NEW", 0);
  EXPECT_EQ(e.type, "StockAdjusted");
  checked(e);
  EXPECT_EQ(l.stock.at("SKU-NEW").version, 1);
  EXPECT_EQ(reserve(l, kOrder1, "SKU-NEW", 1).value().type, "StockShort");
}

// Property: any sequence of reserve/release/adjust keeps, for every SKU,
// on_hand == available + sum(RESERVED quantities) and available >= 0; each answer is consistent with
// the state change it made, and each payload validates.
TEST(StockLedger, RandomOperationsKeepOnHandEqualAvailablePlusReserved) {
  const std::vector<std::string> skus = {"SKU-A", "SKU-B", "SKU-C", "SKU-D"};
  std::vector<std::string> orders;
  for (int i = 0; i < 40; ++i) orders.push_back(order_id(i));

  StockLedger l;
  l.stock["SKU-A"] = Stock{20, 20, 1, false};
  l.stock["SKU-B"] = Stock{3, 3, 7, false};
  // SKU-C and SKU-D start unknown.

  std::mt19937 rng(20240607);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::map<std::string, int> counts;

  for (int step = 0; step < 4000; ++step) {
    const std::string& sku = skus[static_cast<size_t>(pick(0, static_cast<int>(skus.size()) - 1))];
    const std::string& order = orders[static_cast<size_t>(pick(0, static_cast<int>(orders.size()) - 1))];
    const Stock before = l.stock.count(sku) ? l.stock.at(sku) : Stock{};
    const auto res_before = l.reservations;
    const int op = pick(0, 9);
    SCOPED_TRACE("step " + std::to_string(step) + " op " + std::to_string(op) + " " + order + " " + sku);

    if (op < 5) {  // reserve
      const int quantity = pick(1, 8);
      const bool existed = res_before.count({order, sku}) != 0;
      auto e = reserve(l, order, sku, quantity);
      if (existed) {
        EXPECT_FALSE(e);
        ++counts["reserve-repeat"];
      } else {
        ASSERT_TRUE(e);
        auto doc = checked(*e);
        EXPECT_EQ(int_of(doc, "quantity"), quantity);
        const Stock& after = l.stock.at(sku);
        if (e->type == "StockReserved") {
          EXPECT_GE(before.available, quantity);
          EXPECT_EQ(after.available, before.available - quantity);
          EXPECT_EQ(after.version, before.version + 1);
          EXPECT_EQ(state(l.reservations.at({order, sku})), "RESERVED");
        } else {
          EXPECT_EQ(e->type, "StockShort");
          EXPECT_TRUE(before.version == 0 || before.available < quantity);
          EXPECT_EQ(after.available, before.available);
          EXPECT_EQ(after.version, before.version);
          EXPECT_EQ(state(l.reservations.at({order, sku})), "SHORT");
        }
        EXPECT_EQ(int_of(doc, "available"), after.available);
        ++counts[e->type];
      }
    } else if (op < 8) {  // release
      auto found = res_before.find({order, sku});
      const bool was_reserved = found != res_before.end() && state(found->second) == "RESERVED";
      auto e = release(l, order, sku);
      if (!was_reserved) {
        EXPECT_FALSE(e);
        ++counts["release-ignored"];
      } else {
        ASSERT_TRUE(e);
        EXPECT_EQ(e->type, "StockReleased");
        auto doc = checked(*e);
        EXPECT_EQ(l.stock.at(sku).available, before.available + found->second.quantity);
        EXPECT_EQ(int_of(doc, "available"), l.stock.at(sku).available);
        EXPECT_EQ(state(l.reservations.at({order, sku})), "RELEASED");
        ++counts[e->type];
      }
    } else {  // adjust
      const int64_t on_hand = pick(0, 30);
      const LedgerEvent e = adjust(l, sku, on_hand);
      checked(e);
      const Stock& after = l.stock.at(sku);
      if (e.type == "StockAdjusted") {
        EXPECT_EQ(after.on_hand, on_hand);
        EXPECT_EQ(after.version, before.version + 1);
      } else {
        EXPECT_EQ(e.type, "StockAdjustRefused");
        EXPECT_LT(on_hand, reserved_of(l, sku));
        EXPECT_TRUE(same_stock(after, before));
      }
      ++counts[e.type];
    }

    for (const auto& [s, st] : l.stock) {
      ASSERT_GE(st.available, 0) << s;
      ASSERT_EQ(st.on_hand, st.available + reserved_of(l, s)) << s;
    }
  }
  // The sequence exercised every path, so the property is not vacuous.
  for (const char* path : {"StockReserved", "StockShort", "StockReleased", "StockAdjusted",
                           "StockAdjustRefused", "reserve-repeat", "release-ignored"}) {
    EXPECT_GT(counts[path], 10) << path;
  }
}

// The invariant is asserted after every operation: a ledger fed a corrupt row (more available than on
// hand) stops the process at the first operation on that sku, before anything is written.
TEST(StockLedgerInvariantsDeathTest, MoreAvailableThanOnHandStopsTheProcess) {
  StockLedger l;
  l.stock["SKU-A"] = Stock{5, 7, 3, false};
  EXPECT_DEATH(reserve(l, kOrder1, "SKU-A", 1), "invariant violated: sku SKU-A: available 6 > on hand 5");
}

TEST(StockLedgerInvariantsDeathTest, NegativeAvailableStopsTheProcess) {
  StockLedger l;
  l.stock["SKU-A"] = Stock{5, -2, 3, false};
  EXPECT_DEATH(reserve(l, kOrder1, "SKU-A", 1), "invariant violated: sku SKU-A: available -2 < 0");
}

// A SKU's version counts every change of its stock: past 2^31 changes its events still keep their
// contract (it was an int: the SKU's events then broke their schema and went nowhere).
TEST(StockLedger, AVersionPastTwoToTheThirtyOneStillMakesValidEvents) {
  StockLedger l;
  l.stock["SKU-A"] = Stock{10, 10, 2147483647, false};
  auto e = reserve(l, kOrder1, "SKU-A", 1);  // sent() encodes it through the contract
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "StockReserved");
  EXPECT_EQ(int_of(checked(*e), "sku_version"), 2147483648);
  EXPECT_EQ(l.stock.at("SKU-A").version, 2147483648);
}
