// The shared HTTP/1.1 response parser (orderflow::http::ResponseParser), http::Client reading through
// it from a scripted server on loopback (nothing else running), and the load generator's JSON member
// extraction and report renderings.
#include "orderflow/http_response_parser.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orderflow/http_client.hpp"
#include "orderflow/json.hpp"
#include "orderflow/loadgen/json_member.hpp"
#include "orderflow/loadgen/report.hpp"

using namespace orderflow::loadgen;
using orderflow::http::ResponseParser;
using Result = ResponseParser::Result;
using namespace std::chrono_literals;

TEST(HttpResponseParser, ParsesAContentLengthResponseFedByteByByte) {
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

TEST(HttpResponseParser, KeepsBytesOfTheNextResponse) {
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

TEST(HttpResponseParser, ParsesChunkedBodies) {
  ResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
            Result::incomplete);
  EXPECT_EQ(p.feed("7;ext=1\r\n, world\r\n0\r\n"), Result::incomplete);
  EXPECT_EQ(p.feed("\r\n"), Result::complete);
  EXPECT_EQ(p.body(), "hello, world");
}

TEST(HttpResponseParser, BodyUntilCloseAndNoBodyStatuses) {
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

TEST(HttpResponseParser, ReportsGarbageAndEarlyClose) {
  ResponseParser p;
  EXPECT_EQ(p.feed("SSH-2.0-OpenSSH\r\n\r\n"), Result::error);
  ResponseParser q;
  EXPECT_EQ(q.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), Result::incomplete);
  EXPECT_EQ(q.finish(), Result::error);
  ResponseParser r;
  EXPECT_EQ(r.finish(), Result::error);
  EXPECT_EQ(r.error(), "connection closed before a response");
}

TEST(HttpResponseParser, GivesTheHeadersLowercasedAndTrimmed) {
  ResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Type:application/json\r\nX-Request-ID: \t abc \r\n"
                   "Set-Cookie: a=1\r\nSET-COOKIE: b=2\r\nContent-Length: 4\r\n\r\nab"),
            Result::incomplete);
  ASSERT_EQ(p.header_count(), 5u);  // known once the head is in, before the body
  EXPECT_EQ(p.header_at(0).name, "content-type");
  EXPECT_EQ(p.header_at(0).value, "application/json");
  EXPECT_EQ(p.header("x-request-id"), "abc");
  EXPECT_EQ(p.header("set-cookie"), "b=2");            // a repeated field: the last one
  EXPECT_FALSE(p.header("X-Request-ID").has_value());  // asked by the lowercase name
  // More bytes may move the buffer: the fields still read right.
  ASSERT_EQ(p.feed("cd" + std::string(100000, 'x')), Result::complete);
  EXPECT_EQ(p.body(), "abcd");
  EXPECT_EQ(p.header("content-type"), "application/json");
  EXPECT_EQ(p.header_at(3).name, "set-cookie");
  p.next();
  EXPECT_EQ(p.header_count(), 0u);
}

TEST(HttpResponseParser, TheNextResponseHasItsOwnHeaders) {
  ResponseParser p;
  ASSERT_EQ(p.feed("HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 201 Created\r\n"
                   "Location: /v1/x\r\nContent-Length: 0\r\n\r\n"),
            Result::complete);
  EXPECT_EQ(p.header("a"), "1");
  p.next();
  ASSERT_EQ(p.feed(""), Result::complete);
  EXPECT_EQ(p.status(), 201);
  EXPECT_FALSE(p.header("a").has_value());
  EXPECT_EQ(p.header("location"), "/v1/x");
}

TEST(HttpResponseParser, AHugeChunkSizeWaitsForTheBytes) {
  ResponseParser p;
  EXPECT_EQ(p.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab"),
            Result::incomplete);
  EXPECT_TRUE(p.body().empty());
}

TEST(HttpResponseParser, TakeBodyMovesItOut) {
  ResponseParser p;
  ASSERT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"), Result::complete);
  EXPECT_EQ(p.take_body(), "abc");
  p.next();
  ASSERT_EQ(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nde"), Result::complete);
  EXPECT_EQ(p.body(), "de");
}

namespace {

// A loopback HTTP server that plays a script: each request it reads (head and Content-Length body)
// gets the next step's bytes, verbatim; a step may then close the connection, or answer nothing at
// all. Past the script it answers nothing.
class ScriptedServer {
 public:
  struct Step {
    std::string reply;
    bool close = false;
    bool silent = false;
  };

  explicit ScriptedServer(std::vector<Step> steps) : steps_(std::move(steps)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  bool readable(int fd) {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  // One whole request off `fd` (false: the peer closed, or we stop).
  bool read_request(int fd, std::string& buf) {
    for (;;) {
      const size_t head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        const size_t cl = buf.find("Content-Length: ");
        if (cl != std::string::npos && cl < head_end) length = std::stoul(buf.substr(cl + 16));
        if (buf.size() >= head_end + 4 + length) {
          std::lock_guard lock(mutex_);
          requests_.push_back(buf.substr(0, head_end + 4 + length));
          buf.erase(0, head_end + 4 + length);
          return true;
        }
      }
      if (!readable(fd)) return false;
      char chunk[4096];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf.append(chunk, static_cast<size_t>(n));
    }
  }

  void run() {
    while (readable(listen_fd_)) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      ++connections_;
      std::string buf;
      while (read_request(fd, buf)) {
        if (next_ >= steps_.size() || steps_[next_].silent) {
          ++next_;
          while (readable(fd)) {  // hold the connection, answering nothing
            char chunk[4096];
            if (::recv(fd, chunk, sizeof chunk, 0) <= 0) break;
          }
          break;
        }
        const Step& step = steps_[next_++];
        size_t off = 0;
        while (off < step.reply.size()) {
          const ssize_t n = ::send(fd, step.reply.data() + off, step.reply.size() - off, MSG_NOSIGNAL);
          if (n <= 0) break;
          off += static_cast<size_t>(n);
        }
        if (step.close) break;
      }
      ::close(fd);
    }
  }

  std::vector<Step> steps_;
  size_t next_ = 0;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace

TEST(HttpClient, ReadsAChunkedAnswerAndKeepsTheConnection) {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                          "7\r\n, world\r\n0\r\n\r\n"},
                         {"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"}});
  orderflow::http::Client c("127.0.0.1", server.port(), 5s);
  const auto r = c.get("/chunked");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "hello, world");
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  const auto s = c.post_json("/next", "{}");
  EXPECT_EQ(s.status, 201) << s.error;
  EXPECT_EQ(s.body, "ok");
  EXPECT_EQ(server.connections(), 1);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].find("GET /chunked HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(requests[0].find("\r\nConnection: keep-alive\r\n"), std::string::npos);
  EXPECT_NE(requests[1].find("\r\nContent-Type: application/json\r\n"), std::string::npos);
}

TEST(HttpClient, GivesTheHeadersLowercased) {
  ScriptedServer server(
      {{"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-Request-ID:  r-1 \r\n"
        "Location: /v1/orders/1\r\nContent-Length: 2\r\n\r\n{}"}});
  orderflow::http::Client c("127.0.0.1", server.port(), 5s);
  const auto r = c.get("/");
  EXPECT_EQ(r.status, 202) << r.error;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-request-id"), "r-1");
  EXPECT_EQ(r.header("location"), "/v1/orders/1");
  EXPECT_EQ(r.headers.count("Content-Type"), 0u);
  EXPECT_EQ(r.headers.size(), 4u);
}

TEST(HttpClient, ConnectionCloseMakesTheNextRequestReconnect) {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 3\r\n\r\none", true},
                         {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"}});
  orderflow::http::Client c("127.0.0.1", server.port(), 5s);
  EXPECT_EQ(c.get("/1").body, "one");
  const auto r = c.get("/2");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "two");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, RetriesOnceOnAStaleKeptAliveConnection) {
  // The server drops the kept-alive connection after the first answer, without saying so.
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none", true},
                         {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo"}});
  orderflow::http::Client c("127.0.0.1", server.port(), 5s);
  EXPECT_EQ(c.get("/1").body, "one");
  std::this_thread::sleep_for(50ms);  // the close has arrived
  const auto r = c.get("/2");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "two");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, ReadsABodyThatRunsToTheEndOfTheConnection) {
  ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", true}});
  orderflow::http::Client c("127.0.0.1", server.port(), 5s);
  const auto r = c.get("/");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "all of it");
}

TEST(HttpClient, ReportsATimeoutAndAClosedConnection) {
  {
    ScriptedServer server({{"", false, true}});
    orderflow::http::Client c("127.0.0.1", server.port(), 200ms);
    const auto r = c.get("/");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, "timed out");
  }
  {
    ScriptedServer server({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true}});
    orderflow::http::Client c("127.0.0.1", server.port(), 5s);
    const auto r = c.get("/");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, "connection closed before the response was complete");
  }
  {
    ScriptedServer server({{"SSH-2.0-OpenSSH\r\n\r\n"}});
    orderflow::http::Client c("127.0.0.1", server.port(), 5s);
    const auto r = c.get("/");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, "not an HTTP response");
  }
}

TEST(LoadgenJson, ExtractsJsonStringMembers) {
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
