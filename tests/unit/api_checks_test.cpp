#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "order_routes.hpp"

using orderflow::api::check_idempotency_key;

TEST(IdempotencyKey, MissingIsRejected) {
  EXPECT_NE(check_idempotency_key(std::nullopt).find("required"), std::string::npos);
}

TEST(IdempotencyKey, EmptyIsRejected) {
  EXPECT_NE(check_idempotency_key(std::string()), "");
}

TEST(IdempotencyKey, LongerThan128IsRejected) {
  EXPECT_NE(check_idempotency_key(std::string(129, 'k')).find("128"), std::string::npos);
}

TEST(IdempotencyKey, Exactly128VisibleCharsIsAccepted) {
  EXPECT_EQ(check_idempotency_key(std::string(128, 'k')), "");
}

TEST(IdempotencyKey, VisibleAsciiBoundsAreAccepted) {
  EXPECT_EQ(check_idempotency_key(std::string("!~")), "");
  EXPECT_EQ(check_idempotency_key(std::string("order-2026/11:25_#1")), "");
}

TEST(IdempotencyKey, SpaceIsRejected) {
  EXPECT_NE(check_idempotency_key(std::string("a b")).find("visible ASCII"), std::string::npos);
}

TEST(IdempotencyKey, ControlCharactersAreRejected) {
  EXPECT_NE(check_idempotency_key(std::string("a\tb")), "");
  EXPECT_NE(check_idempotency_key(std::string("a\x7f")), "");
  EXPECT_NE(check_idempotency_key(std::string("a\0b", 3)), "");
}

TEST(IdempotencyKey, NonAsciiIsRejected) {
  EXPECT_NE(check_idempotency_key(std::string("caf\xc3\xa9")).find("visible ASCII"), std::string::npos);
}
