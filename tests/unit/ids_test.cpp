#include "orderflow/ids.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

using orderflow::is_uuid;
using orderflow::order_id_for;

TEST(OrderId, IsDeterministic) {
  EXPECT_EQ(order_id_for("c1", "k1"), order_id_for("c1", "k1"));
}

TEST(OrderId, MatchesPinnedValue) {
  // uuid5(5b0d7c47-1f0c-5a3e-9d3a-6f1c0e2d4b7a, "order:2:c1:k1"), computed independently (Python's uuid).
  // Order ids are stored and retried against: they must never change across releases.
  EXPECT_EQ(order_id_for("c1", "k1"), "d64a6225-d341-515e-b024-bb7535a0b844");
}

TEST(OrderId, DiffersWhenCustomerDiffers) {
  EXPECT_NE(order_id_for("c1", "k1"), order_id_for("c2", "k1"));
}

TEST(OrderId, DiffersWhenKeyDiffers) {
  EXPECT_NE(order_id_for("c1", "k1"), order_id_for("c1", "k2"));
}

TEST(OrderId, SeparatorInInputsDoesNotCollide) {
  EXPECT_NE(order_id_for("a:b", "c"), order_id_for("a", "b:c"));
}

TEST(OrderId, IsCanonicalVersion5Uuid) {
  const std::string id = order_id_for("customer-7", "key-42");
  ASSERT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(id[14], '5') << id;                                          // version nibble
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant bits 10xx
}

TEST(SecretOrderId, IsDeterministicForOneSecret) {
  EXPECT_EQ(order_id_for("c1", "k1", "s3cret"), order_id_for("c1", "k1", "s3cret"));
}

TEST(SecretOrderId, MatchesPinnedHmacValue) {
  // HMAC-SHA256("s3cret", "order:2:c1:k1") = d168a5689810... (Python's hmac), with the version nibble
  // set to 8 and the variant to 10xx: ids are retried against, they must not change across releases.
  EXPECT_EQ(order_id_for("c1", "k1", "s3cret"), "d168a568-9810-88e0-b042-ea52efc4f37c");
}

TEST(SecretOrderId, DependsOnTheSecret) {
  EXPECT_NE(order_id_for("c1", "k1", "s3cret"), order_id_for("c1", "k1", "other"));
  EXPECT_NE(order_id_for("c1", "k1", "s3cret"), order_id_for("c1", "k1"));
}

TEST(SecretOrderId, DiffersPerCustomerAndKeyWithoutCollisions) {
  EXPECT_NE(order_id_for("c1", "k1", "s"), order_id_for("c2", "k1", "s"));
  EXPECT_NE(order_id_for("c1", "k1", "s"), order_id_for("c1", "k2", "s"));
  EXPECT_NE(order_id_for("a:b", "c", "s"), order_id_for("a", "b:c", "s"));
}

TEST(SecretOrderId, IsCanonicalVersion8Uuid) {
  const std::string id = order_id_for("customer-7", "key-42", "s3cret");
  ASSERT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(id[14], '8') << id;
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
}

TEST(IsUuid, AcceptsLowercaseCanonical) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
}

TEST(IsUuid, RejectsUppercase) {
  EXPECT_FALSE(is_uuid("123E4567-E89B-42D3-A456-426614174000"));
}

TEST(IsUuid, RejectsWrongLength) {
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));
}

TEST(IsUuid, RejectsMissingDashes) {
  EXPECT_FALSE(is_uuid("123e4567e89b42d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567xe89b-42d3-a456-426614174000"));
}

TEST(IsUuid, RejectsNonHexDigit) {
  EXPECT_FALSE(is_uuid("123e4567-e89b-42d3-a456-42661417400g"));
}

TEST(RandomUuid, IsVersion4AndCanonical) {
  const std::string id = orderflow::random_uuid();
  ASSERT_TRUE(is_uuid(id)) << id;
  EXPECT_EQ(id[14], '4') << id;
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
}

TEST(RandomUuid, IsUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(orderflow::random_uuid());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UtcNow, IsRfc3339UtcWithMilliseconds) {
  static const std::regex kFormat(
      R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$)");
  const std::string now = orderflow::utc_now_iso8601();
  EXPECT_TRUE(std::regex_match(now, kFormat)) << now;
}

TEST(UtcNow, DoesNotGoBackwards) {
  const std::string first = orderflow::utc_now_iso8601();
  const std::string second = orderflow::utc_now_iso8601();
  EXPECT_LE(first, second);
}
