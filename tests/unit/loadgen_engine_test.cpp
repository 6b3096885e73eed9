// The load generator's engine against a small in-process HTTP server on loopback (nothing else
// running): the fixed rate is kept, a server stall shows up in the latency (no coordinated omission),
// status codes are counted, the storefront state works (status reads and cancels of accepted orders,
// cart adds before checkouts), and --follow measures 202 -> decision.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orderflow/loadgen/engine.hpp"

using namespace orderflow::loadgen;
using namespace std::chrono_literals;

namespace {

// A single-threaded keep-alive HTTP/1.1 server that knows the api's shapes well enough:
//  POST /v1/orders, POST .../checkout -> 202 {"order_id": <new uuid>, "status":"PENDING"}
//  GET /v1/orders/{id}?wait=N -> 200 {"order_id": id, "status": "PENDING" the first time, then
//                                     "CONFIRMED"} after `decide_after`
//  anything else -> 202 {} (or 200 for other GETs)
// stall(): stops answering for a while (as a GC pause or a full queue would).
class FakeApi {
 public:
  FakeApi() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 128);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeApi() {
    stop_ = true;
    thread_.join();
    for (auto& c : clients_) ::close(c.fd);
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }
  void stall_at(std::chrono::steady_clock::time_point at, std::chrono::milliseconds for_how_long) {
    stall_at_ = at;
    stall_for_ms_ = static_cast<int>(for_how_long.count());
  }
  void decide_after(std::chrono::milliseconds d) { decide_after_ms_ = static_cast<int>(d.count()); }
  std::map<std::string, int> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() const { return accepted_.load(); }

 private:
  struct Client {
    int fd;
    std::string in;
  };

  std::string answer(const std::string& method, const std::string& target) {
    std::string kind;
    std::string body = "{}";
    int status = 202;
    if (method == "POST" && target == "/v1/orders") {
      kind = "order";
      body = order_body();
    } else if (method == "POST" && target.find("/checkout") != std::string::npos) {
      kind = "checkout";
      body = order_body();
    } else if (method == "POST" && target.find("/items") != std::string::npos) {
      kind = "cart_add";
    } else if (method == "POST" && target.find("/cancel") != std::string::npos) {
      kind = "cancel";
    } else if (method == "GET" && target.find("?wait=") != std::string::npos) {
      kind = "follow";
      status = 200;
      const std::string id = target.substr(11, target.find('?') - 11);
      auto& first = first_read_[id];
      const auto now = std::chrono::steady_clock::now();
      if (first == std::chrono::steady_clock::time_point{}) first = now;
      const bool decided =
          now - first >= std::chrono::milliseconds(decide_after_ms_.load()) && seen_[id]++ > 0;
      body = R"({"order_id" : ")" + id + R"(", "status" : ")" + (decided ? "CONFIRMED" : "PENDING") + "\"}";
    } else if (method == "GET") {
      kind = "status";
      status = 200;
    }
    {
      std::lock_guard lock(mutex_);
      ++requests_[kind];
    }
    return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Accepted") +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  }

  std::string order_body() {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-5000-8000-%012x", ++orders_);
    return std::string(R"({"order_id":")") + id + R"(","status":"PENDING"})";
  }

  void serve() {
    while (!stop_) {
      if (stall_for_ms_.load() > 0 && std::chrono::steady_clock::now() >= stall_at_.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(stall_for_ms_.exchange(0)));
      }
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : clients_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 5) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          clients_.push_back({fd, {}});
          ++accepted_;
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto& c = clients_[i - 1];
        char buf[65536];
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
        c.in.append(buf, static_cast<size_t>(n));
        for (;;) {
          const size_t head_end = c.in.find("\r\n\r\n");
          if (head_end == std::string::npos) break;
          size_t length = 0;
          const size_t cl = c.in.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) length = std::stoul(c.in.substr(cl + 16));
          if (c.in.size() < head_end + 4 + length) break;
          const size_t sp1 = c.in.find(' ');
          const size_t sp2 = c.in.find(' ', sp1 + 1);
          const std::string out = answer(c.in.substr(0, sp1), c.in.substr(sp1 + 1, sp2 - sp1 - 1));
          c.in.erase(0, head_end + 4 + length);
          ::send(c.fd, out.data(), out.size(), MSG_NOSIGNAL);
        }
      }
      std::erase_if(clients_, [](const Client& c) { return c.fd < 0; });
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<std::chrono::steady_clock::time_point> stall_at_{};
  std::atomic<int> stall_for_ms_{0};
  std::atomic<int> decide_after_ms_{0};
  std::vector<Client> clients_;
  unsigned orders_ = 0;
  std::map<std::string, std::chrono::steady_clock::time_point> first_read_;
  std::map<std::string, int> seen_;
  std::mutex mutex_;
  std::map<std::string, int> requests_;
  std::thread thread_;
};

Options base(const FakeApi& api) {
  Options o;
  o.port = api.port();
  o.progress = false;
  o.seed = 1;
  o.run_id = "test";
  return o;
}

const std::vector<std::string> kSkus{"A", "B", "C", "D", "E"};

}  // namespace

TEST(LoadgenEngine, FixedRateSendsTheScheduleAndCountsStatuses) {
  FakeApi api;
  Options o = base(api);
  o.rate = 400;
  o.duration_seconds = 1.0;
  o.connections = 4;
  o.mix = Mix::parse("order=1");
  const Report r = run(o, kSkus, SkuPicker::uniform(kSkus.size()));
  // 400 sends due in [0, 1 s): all of them, each answered 202.
  EXPECT_EQ(r.info.sent, 400u);
  const auto& order = r.kinds[index(Kind::order)];
  EXPECT_EQ(order.statuses.at(202), 400u);
  EXPECT_EQ(order.failed(), 0u);
  EXPECT_NEAR(r.throughput(), 400.0, 20.0);
  EXPECT_LE(api.connections(), 4);
  EXPECT_LT(order.latency.percentile(50), 20000u);  // loopback: well under 20 ms
  EXPECT_EQ(r.info.mode, "fixed-rate");
}

TEST(LoadgenEngine, AServerStallShowsInTheLatencyOfEveryRequestDueDuringIt) {
  // 200/s over one connection for 1.5 s; the server stops answering for 400 ms at 0.5 s. The ~80
  // requests due during the stall queue up; measured from their intended send times their latencies
  // run from 400 ms down to ~0, so p90 is over 100 ms. A client that measured from the actual send
  // (coordinated omission) would see one slow request and a p90 of ~1 ms.
  FakeApi api;
  Options o = base(api);
  o.rate = 200;
  o.duration_seconds = 1.5;
  o.connections = 1;
  o.mix = Mix::parse("order=1");
  api.stall_at(std::chrono::steady_clock::now() + 550ms, 400ms);
  const Report r = run(o, kSkus, SkuPicker::uniform(kSkus.size()));
  const auto& h = r.kinds[index(Kind::order)].latency;
  EXPECT_EQ(r.info.sent, 300u);  // nothing skipped
  EXPECT_EQ(h.count(), 300u);
  EXPECT_GE(h.max(), 300000u);
  EXPECT_GE(h.percentile(90), 100000u);
  EXPECT_LT(h.percentile(50), 50000u);
  EXPECT_GE(r.info.max_send_lag_us, 300000u);
}

TEST(LoadgenEngine, MaxThroughputKeepsEveryConnectionBusy) {
  FakeApi api;
  Options o = base(api);
  o.rate = 0;
  o.count = 2000;
  o.connections = 8;
  o.threads = 2;
  o.mix = Mix::parse("order=1");
  const Report r = run(o, kSkus, SkuPicker::uniform(kSkus.size()));
  EXPECT_EQ(r.info.sent, 2000u);
  EXPECT_EQ(r.kinds[index(Kind::order)].ok(), 2000u);
  EXPECT_EQ(r.info.mode, "max-throughput");
  EXPECT_GT(r.throughput(), 0.0);
  EXPECT_LE(api.connections(), 8);
}

TEST(LoadgenEngine, StorefrontMixUsesAcceptedOrdersAndCarts) {
  FakeApi api;
  Options o = base(api);
  o.rate = 0;
  o.count = 3000;
  o.connections = 4;
  o.mix = Mix::parse("cart_add=20,checkout=5,order=60,status=10,cancel=5");
  const Report r = run(o, kSkus, SkuPicker::hot_set(kSkus.size(), 1, 0.8));
  const auto seen = api.requests();
  EXPECT_EQ(r.info.sent, 3000u);
  EXPECT_EQ(r.mix_failed(), 0u);
  // Every kind was exercised, in roughly the mix's proportions (the first status reads and cancels
  // become orders until an order was accepted; a checkout needs a cart with an item).
  EXPECT_NEAR(seen.at("order"), 1800, 150);
  EXPECT_NEAR(seen.at("cart_add"), 600, 120);
  EXPECT_NEAR(seen.at("checkout"), 150, 60);
  EXPECT_NEAR(seen.at("status"), 300, 60);
  EXPECT_NEAR(seen.at("cancel"), 150, 50);
  EXPECT_EQ(seen.count("follow"), 0u);
}

TEST(LoadgenEngine, FollowMeasuresTheTimeFrom202ToTheDecision) {
  FakeApi api;
  api.decide_after(50ms);
  Options o = base(api);
  o.rate = 100;
  o.duration_seconds = 0.5;
  o.connections = 2;
  o.mix = Mix::parse("order=1");
  o.follow = true;
  o.follow_wait_seconds = 1;
  const Report r = run(o, kSkus, SkuPicker::uniform(kSkus.size()));
  const auto& f = r.follow;
  EXPECT_EQ(f.followed, 50u);
  EXPECT_EQ(f.decision.count(), 50u);
  EXPECT_EQ(f.outcomes.at("CONFIRMED"), 50u);
  EXPECT_EQ(f.gave_up + f.unfinished, 0u);
  EXPECT_GE(f.decision.percentile(50), 50000u);  // decided 50 ms after the first read
  EXPECT_LT(f.decision.percentile(99), 1000000u);
  EXPECT_GE(f.placed_to_decision.percentile(50), f.decision.percentile(50));
  EXPECT_GE(r.kinds[index(Kind::follow)].statuses.at(200), 100u);  // PENDING once, then decided
}

TEST(LoadgenEngine, RefusedConnectionsAreCountedNotFatal) {
  // A port nobody listens on: every request fails with a connect error, the run still ends and reports.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound once, now free: connections are refused
  Options o;
  o.port = ntohs(addr.sin_port);
  o.progress = false;
  o.rate = 50;
  o.duration_seconds = 0.4;
  o.connections = 2;
  o.mix = Mix::parse("order=1");
  const Report r = run(o, kSkus, SkuPicker::uniform(kSkus.size()));
  const auto& order = r.kinds[index(Kind::order)];
  EXPECT_EQ(order.ok(), 0u);
  uint64_t refused = 0;
  for (const auto& [reason, n] : order.errors) {
    if (reason.find("connect") != std::string::npos) refused += n;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(r.info.sent, 20u);
}
