// The load generator's HTTP response parser, its JSON member extraction, and the report renderings.
#include <gtest/gtest.h>

#include <string>

#include "orderflow/json.hpp"
#include "orderflow/loadgen/http_response.hpp"
#include "orderflow/loadgen/report.hpp"

using namespace orderflow::loadgen;
using Result = ResponseParser::Result;

TEST(LoadgenHttp, ParsesAContentLengthResponseFedByteByByte) {
  const std::string r =
      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: "
      "20\r\n\r\n{\"status\":\"PENDING\"}";
  ResponseParser p;
  Result last = Result::incomplete;
  size_t i = 0;
  for (; i < r.size() && last == Result::incomplete; ++i) last = p.feed(std::string_view(&r[i], 1));
  ASSERT_EQ(last, Result::complete);
  EXPECT_EQ(i, r.size());  // complete exactly with the last byte
  EXPECT_EQ(p.status(), 202);
  EXPECT_EQ(p.body(), "{\"status\":\"PENDING\"}");
  EXPECT_FALSE(p.close_after());
}

TEST(LoadgenHttp, KeepsBytesOfTheNextResponse) {
  const std::string two =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 404 Not Found\r\nContent-Length: "
      "3\r\nConnection: close\r\n\r\nxyz";
  ResponseParser p;
  ASSERT_EQ(p.feed(two), Result::complete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body(), "ab");
  p.next();
  ASSERT_EQ(p.feed(""), Result::complete);
  EXPECT_EQ(p.status(), 404);
  EXPECT_EQ(p.body(), "xyz");
  EXPECT_TRUE(p.close_after());
}

TEST(LoadgenHttp, ParsesChunkedBodies) {
  ResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
            Result::incomplete);
  EXPECT_EQ(p.feed("7;ext=1\r\n, world\r\n0\r\n"), Result::incomplete);
  EXPECT_EQ(p.feed("\r\n"), Result::complete);
  EXPECT_EQ(p.body(), "hello, world");
}

TEST(LoadgenHttp, BodyUntilCloseAndNoBodyStatuses) {
  ResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.0 200 OK\r\n\r\npartial"), Result::incomplete);
  EXPECT_EQ(p.finish(), Result::complete);
  EXPECT_EQ(p.body(), "partial");
  EXPECT_TRUE(p.close_after());

  ResponseParser q;
  EXPECT_EQ(q.feed("HTTP/1.1 204 No Content\r\n\r\n"), Result::complete);
  EXPECT_EQ(q.status(), 204);
  EXPECT_TRUE(q.body().empty());
}

TEST(LoadgenHttp, ReportsGarbageAndEarlyClose) {
  ResponseParser p;
  EXPECT_EQ(p.feed("SSH-2.0-OpenSSH\r\n\r\n"), Result::error);
  ResponseParser q;
  EXPECT_EQ(q.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), Result::incomplete);
  EXPECT_EQ(q.finish(), Result::error);
  ResponseParser r;
  EXPECT_EQ(r.finish(), Result::error);
  EXPECT_EQ(r.error(), "connection closed before a response");
}

TEST(LoadgenHttp, ExtractsJsonStringMembers) {
  EXPECT_EQ(json_string_member(R"({"order_id":"abc","status":"PENDING"})", "status"), "PENDING");
  // PostgreSQL's json_build_object spacing.
  EXPECT_EQ(json_string_member(R"({"order_id" : "abc", "status" : "CONFIRMED"})", "status"), "CONFIRMED");
  // A value that merely contains the name does not count.
  EXPECT_EQ(json_string_member(R"({"note":"status","status":"REJECTED"})", "status"), "REJECTED");
  EXPECT_FALSE(json_string_member(R"({"status":null})", "status").has_value());
  EXPECT_FALSE(json_string_member(R"({"other":"x"})", "status").has_value());
}

TEST(LoadgenReport, JsonHasTheFiguresAndTableNamesEveryKind) {
  Report r;
  r.info.mode = "fixed-rate";
  r.info.target = "127.0.0.1:8080";
  r.info.target_rate = 100;
  r.info.measured_seconds = 10;
  r.info.generation_seconds = 10;
  r.info.follow = true;
  auto& order = r.kinds[index(Kind::order)];
  for (uint64_t v = 1; v <= 1000; ++v) order.latency.record(v * 10);  // 10 us .. 10 ms
  order.statuses[202] = 990;
  order.statuses[503] = 10;
  order.errors["timeout"] = 2;
  r.follow.decision.record(50000);
  r.follow.outcomes["CONFIRMED"] = 1;
  r.follow.decided_in_window = 1;
  std::string error;
  const auto doc = orderflow::json::parse(render_json(r), &error);
  ASSERT_TRUE(doc.has_value()) << error;
  const auto& o = (*doc)["kinds"]["order"];
  EXPECT_DOUBLE_EQ(o["throughput"].GetDouble(), 100.0);
  EXPECT_EQ(o["ok"].GetUint64(), 990u);
  EXPECT_EQ(o["failed"].GetUint64(), 12u);
  EXPECT_EQ(o["status"]["503"].GetUint64(), 10u);
  EXPECT_EQ(o["errors"]["timeout"].GetUint64(), 2u);
  EXPECT_NEAR(o["latency"]["p50"].GetDouble(), 5.0, 0.05);
  EXPECT_NEAR(o["latency"]["p99.9"].GetDouble(), 9.99, 0.05);
  EXPECT_NEAR((*doc)["follow"]["decision_latency"]["p50"].GetDouble(), 50.0, 0.2);
  EXPECT_EQ((*doc)["follow"]["outcomes"]["CONFIRMED"].GetUint64(), 1u);
  EXPECT_FALSE((*doc)["kinds"].HasMember("cancel"));  // nothing sent: not reported

  const std::string table = render_table(r);
  EXPECT_NE(table.find("order"), std::string::npos);
  EXPECT_NE(table.find("503:10"), std::string::npos);
  EXPECT_NE(table.find("[timeout]:2"), std::string::npos);
  EXPECT_NE(table.find("202 -> decision"), std::string::npos);
}

TEST(LoadgenReport, FormatsDurations) {
  EXPECT_EQ(format_us(850), "850 us");
  EXPECT_EQ(format_us(1234), "1.23 ms");
  EXPECT_EQ(format_us(2500000), "2.50 s");
}
