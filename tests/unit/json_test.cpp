#include "orderflow/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace json = orderflow::json;

TEST(JsonParse, ValidTextParses) {
  auto doc = json::parse(R"({"a":1})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::to_string(*doc), R"({"a":1})");
}

TEST(JsonParse, ErrorCarriesOffset) {
  std::string error;
  EXPECT_FALSE(json::parse(R"({"a":})", &error));
  EXPECT_NE(error.find("at offset 5"), std::string::npos) << error;
}

TEST(JsonParse, ErrorOnTrailingGarbage) {
  std::string error;
  EXPECT_FALSE(json::parse(R"({"a":1} x)", &error));
  EXPECT_NE(error.find("at offset 8"), std::string::npos) << error;
}

TEST(JsonParse, ErrorWithoutOutParameterIsFine) {
  EXPECT_FALSE(json::parse("{"));
}

TEST(JsonParse, ParsesOnlyTheGivenLength) {
  const std::string text = R"({"a":1}garbage)";
  EXPECT_TRUE(json::parse(std::string_view(text).substr(0, 7)));
}

TEST(ErrorBody, HasCodeMessageAndField) {
  EXPECT_EQ(json::error_body("invalid_field", "must be >= 1", "lines[0].quantity"),
            R"({"error":{"code":"invalid_field","message":"must be >= 1","field":"lines[0].quantity"}})");
}

TEST(ErrorBody, OmitsFieldWhenEmpty) {
  EXPECT_EQ(json::error_body("not_found", "no such order"),
            R"({"error":{"code":"not_found","message":"no such order"}})");
}

TEST(ErrorBody, EscapesQuotes) {
  auto doc = json::parse(json::error_body("c", R"(say "hi")"));
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::get_string((*doc)["error"], "message"), R"(say "hi")");
}

TEST(GetString, ReturnsStringMembers) {
  auto doc = json::parse(R"({"s":"text","n":1})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::get_string(*doc, "s"), "text");
  EXPECT_FALSE(json::get_string(*doc, "n"));
  EXPECT_FALSE(json::get_string(*doc, "missing"));
}

TEST(GetString, NonObjectGivesNothing) {
  auto doc = json::parse(R"(["s"])");
  ASSERT_TRUE(doc);
  EXPECT_FALSE(json::get_string(*doc, "s"));
}

TEST(GetInt, ReturnsIntegerMembers) {
  auto doc = json::parse(R"({"n":-42,"big":9007199254740993,"f":1.5,"s":"1","b":true})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(json::get_int(*doc, "n"), -42);
  EXPECT_EQ(json::get_int(*doc, "big"), 9007199254740993);
  EXPECT_FALSE(json::get_int(*doc, "f"));
  EXPECT_FALSE(json::get_int(*doc, "s"));
  EXPECT_FALSE(json::get_int(*doc, "b"));
  EXPECT_FALSE(json::get_int(*doc, "missing"));
}

TEST(GetInt, NonObjectGivesNothing) {
  auto doc = json::parse("7");
  ASSERT_TRUE(doc);
  EXPECT_FALSE(json::get_int(*doc, "n"));
}
