// orderflow::text: what every edge accepts as text (valid UTF-8 without C0, DEL or C1 controls), and
// the code-point count the schemas' maxLength applies to.
#include "orderflow/text.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using orderflow::text::code_points;
using orderflow::text::problem;
using orderflow::text::replace_invalid_utf8;

constexpr std::string_view kNotUtf8 = "is not valid UTF-8";
constexpr std::string_view kControl = "contains a control character";

// The bytes of `s` as hex, so a failure shows what was fed in.
std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (!out.empty()) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out.empty() ? "(empty)" : out;
}

struct Case {
  const char* what;
  std::string bytes;
};

void expect_accepted(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    const auto why = problem(c.bytes);
    EXPECT_FALSE(why.has_value()) << c.what << " [" << hex(c.bytes) << "] refused: " << why.value_or("");
  }
}

void expect_refused(const std::vector<Case>& cases, std::string_view expected) {
  for (const auto& c : cases) {
    const auto why = problem(c.bytes);
    ASSERT_TRUE(why.has_value()) << c.what << " [" << hex(c.bytes) << "] was accepted";
    EXPECT_EQ(*why, expected) << c.what << " [" << hex(c.bytes) << "]";
  }
}

// A string holding exactly these bytes (embedded NULs included).
std::string bytes(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}

}  // namespace

TEST(TextProblem, AcceptsEmptyAndPrintableAscii) {
  std::string all_printable;
  for (int c = 0x20; c < 0x7f; ++c) all_printable += static_cast<char>(c);
  expect_accepted({
      {"empty", ""},
      {"word", "hello"},
      {"space (0x20, the least printable)", " "},
      {"tilde (0x7E, the last before DEL)", "~"},
      {"every printable ASCII character", all_printable},
  });
}

TEST(TextProblem, AcceptsTwoByteSequences) {
  expect_accepted({
      {"U+00A0 (first after C1)", bytes({0xc2, 0xa0})},
      {"U+00E9 e-acute", "\xc3\xa9"},
      {"U+07FF (last 2-byte)", bytes({0xdf, 0xbf})},
      {"mixed ASCII and 2-byte", "caf\xc3\xa9 cr\xc3\xa8me"},
  });
}

TEST(TextProblem, AcceptsThreeByteSequences) {
  expect_accepted({
      {"U+0800 (first 3-byte)", bytes({0xe0, 0xa0, 0x80})},
      {"U+20AC euro sign", "\xe2\x82\xac"},
      {"U+D7FF (last before surrogates)", bytes({0xed, 0x9f, 0xbf})},
      {"U+E000 (first after surrogates)", bytes({0xee, 0x80, 0x80})},
      {"U+FFFD replacement character", bytes({0xef, 0xbf, 0xbd})},
      {"U+FFFF (last 3-byte)", bytes({0xef, 0xbf, 0xbf})},
  });
}

TEST(TextProblem, AcceptsFourByteSequences) {
  expect_accepted({
      {"U+10000 (first 4-byte)", bytes({0xf0, 0x90, 0x80, 0x80})},
      {"U+1F600 grinning face", "\xf0\x9f\x98\x80"},
      {"U+10FFFF (last code point)", bytes({0xf4, 0x8f, 0xbf, 0xbf})},
      {"4-byte between ASCII", "a\xf0\x9f\x98\x80z"},
  });
}

TEST(TextProblem, RefusesOverlongEncodings) {
  expect_refused(
      {
          {"C0 80 (overlong NUL)", bytes({0xc0, 0x80})},
          {"C0 AF (overlong '/')", bytes({0xc0, 0xaf})},
          {"C1 BF (overlong U+007F)", bytes({0xc1, 0xbf})},
          {"E0 80 80 (overlong NUL, 3 bytes)", bytes({0xe0, 0x80, 0x80})},
          {"E0 9F BF (overlong U+07FF)", bytes({0xe0, 0x9f, 0xbf})},
          {"F0 80 80 80 (overlong NUL, 4 bytes)", bytes({0xf0, 0x80, 0x80, 0x80})},
          {"F0 8F BF BF (overlong U+FFFF)", bytes({0xf0, 0x8f, 0xbf, 0xbf})},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesSurrogates) {
  expect_refused(
      {
          {"ED A0 80 (U+D800)", bytes({0xed, 0xa0, 0x80})},
          {"ED AF BF (U+DBFF)", bytes({0xed, 0xaf, 0xbf})},
          {"ED B0 80 (U+DC00)", bytes({0xed, 0xb0, 0x80})},
          {"ED BF BF (U+DFFF)", bytes({0xed, 0xbf, 0xbf})},
          {"CESU-8 surrogate pair for U+1F600", bytes({0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80})},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesCodePointsBeyondU10FFFF) {
  expect_refused(
      {
          {"F4 90 80 80 (U+110000)", bytes({0xf4, 0x90, 0x80, 0x80})},
          {"F5 80 80 80", bytes({0xf5, 0x80, 0x80, 0x80})},
          {"F7 BF BF BF", bytes({0xf7, 0xbf, 0xbf, 0xbf})},
          {"F8 88 80 80 80 (5-byte form)", bytes({0xf8, 0x88, 0x80, 0x80, 0x80})},
          {"FC 84 80 80 80 80 (6-byte form)", bytes({0xfc, 0x84, 0x80, 0x80, 0x80, 0x80})},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesTruncatedSequences) {
  expect_refused(
      {
          {"lone 2-byte lead C3", "\xc3"},
          {"3-byte lead with one continuation", "\xe2\x82"},
          {"4-byte lead with two continuations", "\xf0\x9f\x98"},
          {"truncated at the end after ASCII", "abc\xc3"},
          {"truncated, then ASCII",
           "\xe2\x82"
           "a"},
          {"4-byte lead, then ASCII",
           "\xf0"
           "abc"},
          {"truncated, then another sequence", "\xc3\xe2\x82\xac"},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesStrayContinuationBytes) {
  expect_refused(
      {
          {"lone 80", "\x80"},
          {"lone BF", "\xbf"},
          {"continuation after a complete sequence", "\xc3\xa9\xa9"},
          {"continuation after ASCII", "a\x80"},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesBytesFfAndFe) {
  expect_refused(
      {
          {"FF FE (a UTF-16 LE BOM)", "\xff\xfe"},
          {"FE FF (a UTF-16 BE BOM)", "\xfe\xff"},
          {"FF alone", "\xff"},
          {"FE after valid text", "ok \xfe"},
      },
      kNotUtf8);
}

TEST(TextProblem, RefusesC0ControlsIncludingTabAndNewline) {
  std::vector<Case> cases;
  for (int c = 0; c < 0x20; ++c) {
    cases.push_back({"C0 control inside text", std::string("a") + static_cast<char>(c) + "b"});
  }
  cases.push_back({"NUL alone", std::string(1, '\0')});
  cases.push_back({"tab", "\t"});
  cases.push_back({"newline", "line\n"});
  cases.push_back({"carriage return", "\r"});
  expect_refused(cases, kControl);
}

TEST(TextProblem, RefusesDel) {
  expect_refused({{"DEL alone", "\x7f"},
                  {"DEL inside text",
                   "a\x7f"
                   "b"}},
                 kControl);
}

TEST(TextProblem, RefusesC1ControlsU0080ToU009F) {
  std::vector<Case> cases;
  for (int b = 0x80; b <= 0x9f; ++b) {
    cases.push_back({"C1 control", bytes({0xc2, static_cast<unsigned char>(b)})});
  }
  cases.push_back({"U+0085 NEL inside text", "a\xc2\x85z"});
  expect_refused(cases, kControl);
}

TEST(TextProblem, FindsTheProblemAfterAValidPrefix) {
  EXPECT_EQ(problem("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff"), kNotUtf8);
  EXPECT_EQ(problem("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x01"), kControl);
}

TEST(TextCodePoints, CountsCodePointsNotBytes) {
  EXPECT_EQ(code_points(""), 0u);
  EXPECT_EQ(code_points("abc"), 3u);
  EXPECT_EQ(code_points("\xc3\xa9"), 1u);
  EXPECT_EQ(code_points("\xe2\x82\xac"), 1u);
  EXPECT_EQ(code_points("\xf0\x9f\x98\x80"), 1u);
  EXPECT_EQ(code_points("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4u);
}

TEST(TextCodePoints, FiveHundredTwoByteCharactersAreFiveHundredCodePoints) {
  std::string s;
  for (int i = 0; i < 500; ++i) s += "\xc3\xa9";
  ASSERT_EQ(s.size(), 1000u);
  EXPECT_EQ(code_points(s), 500u);
  EXPECT_FALSE(problem(s).has_value());
}

TEST(TextReplaceInvalidUtf8, KeepsValidTextAndReplacesEachBadByteWithUFFFD) {
  EXPECT_EQ(replace_invalid_utf8("a\xc3\xa9\xe2\x82\xac"), "a\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(replace_invalid_utf8("\xff"), "\xef\xbf\xbd");
  EXPECT_EQ(replace_invalid_utf8("a\xc3"), "a\xef\xbf\xbd");                // cut in a sequence
  EXPECT_EQ(replace_invalid_utf8("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong
  EXPECT_EQ(replace_invalid_utf8("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
  EXPECT_FALSE(problem(replace_invalid_utf8("x\x80y\xfe")).has_value());
}
