#include "orderflow/loadgen/engine.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "orderflow/http_response_parser.hpp"
#include "orderflow/loadgen/json_member.hpp"
#include "orderflow/loadgen/rate_scheduler.hpp"

namespace orderflow::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

uint64_t micros(Clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us < 0 ? 0 : static_cast<uint64_t>(us);
}

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

double to_seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// What the main thread reads once per second for the progress line.
struct Progress {
  std::atomic<uint64_t> sent{0};      // mix requests sent
  std::atomic<uint64_t> answered{0};  // mix requests answered or failed
  std::atomic<uint64_t> failed{0};    // of those: not 2xx or no answer
  std::atomic<uint64_t> queued{0};    // fixed rate: due, waiting for a connection
  std::atomic<uint64_t> decided{0};
  std::atomic<uint64_t> following{0};  // orders being followed
  std::atomic<bool> done{false};
  std::mutex mutex;  // guards the interval histograms
  Histogram interval_latency;
  Histogram interval_decision;
};

struct FollowJob {
  std::string order_id;
  TimePoint accepted;
  TimePoint intended;
  TimePoint give_up;
  TimePoint not_before;
  bool record = false;
};

struct Conn {
  size_t index = 0;
  int fd = -1;
  bool follow = false;
  bool connecting = false;
  bool busy = false;
  std::string out;
  size_t out_off = 0;
  http::ResponseParser parser;
  // The request in flight.
  Kind kind = Kind::order;
  TimePoint intended;
  TimePoint deadline;
  bool record = false;
  int cart_slot = -1;
  FollowJob job;
};

struct CartSlot {
  std::string id;
  std::string customer;
  int items = 0;
  int adds_in_flight = 0;
  bool checking_out = false;
};

constexpr uint64_t kTimerTag = ~uint64_t{0};
constexpr size_t kRecentOrders = 20000;
constexpr auto kHousekeeping = std::chrono::milliseconds(10);
constexpr auto kRetryDelay = std::chrono::milliseconds(100);

class Worker {
 public:
  Worker(const Options& o, unsigned index, TimePoint start, const std::vector<std::string>& skus,
         const SkuPicker& picker, std::string run_id, Progress& progress)
      : o_(o),
        index_(index),
        start_(start),
        measure_start_(start + seconds(o.warmup_seconds)),
        gen_deadline_(o.count > 0 ? TimePoint::max() : measure_start_ + seconds(o.duration_seconds)),
        skus_(skus),
        picker_(picker),
        run_id_(std::move(run_id)),
        progress_(progress),
        rng_(o.seed == 0 ? std::random_device{}() ^ (uint64_t{index} << 32) : o.seed * 7919 + index) {
    const unsigned n = o.threads;
    max_main_ = o.connections / n + (index < o.connections % n ? 1 : 0);
    max_follow_ = std::max(1u, o.follow_connections / n + (index < o.follow_connections % n ? 1 : 0));
    if (o.count > 0) to_generate_ = o.count / n + (index < o.count % n ? 1 : 0);
    if (o.rate > 0) scheduler_.emplace(o.rate, start, n, index);
    host_header_ = fmt::format("{}:{}", o.host, o.port);
    if (!o.api_key.empty()) auth_header_ = "Authorization: Bearer " + o.api_key + "\r\n";
    carts_.resize(std::max(1u, o.carts));
    for (auto& c : carts_) renew_cart(c);
    recent_.reserve(kRecentOrders);
  }

  ~Worker() {
    for (auto& c : conns_) {
      if (c->fd >= 0) ::close(c->fd);
    }
    if (epoll_ >= 0) ::close(epoll_);
    if (timer_ >= 0) ::close(timer_);
  }

  void run();

  // Results, read after run() returned.
  std::array<KindStats, kKinds> kinds;
  FollowStats follow;
  TimePoint gen_end{};
  TimePoint last_recorded{};
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t max_send_lag_us = 0;

 private:
  double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

  bool generating(TimePoint now) {
    if (!generating_) return false;
    const bool interrupted = o_.interrupted != nullptr && o_.interrupted->load(std::memory_order_relaxed);
    if (interrupted || now >= gen_deadline_ || (o_.count > 0 && generated_ >= to_generate_)) {
      generating_ = false;
      gen_end = now;
      drain_deadline_ = now + seconds(o_.drain_seconds);
    }
    return generating_;
  }

  void renew_cart(CartSlot& c) {
    c.id = fmt::format("lg-{}-{}-cart{}", run_id_, index_, cart_seq_++);
    c.customer = fmt::format("lg-c{}", below(std::max(1u, o_.customers)));
    c.items = 0;
    c.adds_in_flight = 0;
    c.checking_out = false;
  }

  std::string next_key() { return fmt::format("lg-{}-{}-{}", run_id_, index_, key_seq_++); }

  const std::string& pick_sku() { return skus_[picker_.pick(uniform())]; }

  unsigned quantity() { return 1 + static_cast<unsigned>(below(std::max(1u, o_.max_quantity))); }

  void begin_request(std::string& out, std::string_view method, std::string_view target) {
    out.clear();
    fmt::format_to(std::back_inserter(out), "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: keep-alive\r\n{}",
                   method, target, host_header_, auth_header_);
  }
  static void end_request(std::string& out, std::string_view body) {
    if (!body.empty()) out += "Content-Type: application/json\r\n";
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n\r\n", body.size());
    out += body;
  }

  // Builds the request of `kind` into c.out; a kind that has nothing to act on yet (no open cart
  // with items, no order accepted so far) becomes the kind that creates it.
  void build(Conn& c, Kind kind);
  void build_order(Conn& c);
  bool build_cart_add(Conn& c);
  bool build_checkout(Conn& c);

  // Connections.
  Conn* acquire(bool follow_pool);
  void release(Conn& c);
  bool open(Conn& c, std::string& error);
  void close_conn(Conn& c);
  void start(Conn& c, TimePoint now);  // sends c.out (connecting first if needed)
  void flush(Conn& c);
  void on_event(Conn& c, uint32_t events);
  void on_readable(Conn& c);
  void on_response(Conn& c);
  void on_failure(Conn& c, const std::string& reason);

  // Completion of a request of the mix (status 0: no response, with `error`).
  void complete_mix(Conn& c, TimePoint now, int status, std::string_view body, const std::string& error);
  void complete_follow(Conn& c, TimePoint now, int status, std::string_view body, const std::string& error);
  void issue_follow(Conn& c, TimePoint now);

  void dispatch(TimePoint now);
  void housekeeping(TimePoint now);
  bool finished(TimePoint now) const;
  void arm_timer(TimePoint at);

  const Options& o_;
  const unsigned index_;
  const TimePoint start_;
  const TimePoint measure_start_;
  const TimePoint gen_deadline_;
  const std::vector<std::string>& skus_;
  const SkuPicker& picker_;
  const std::string run_id_;
  Progress& progress_;
  std::mt19937_64 rng_;

  std::optional<RateScheduler> scheduler_;
  std::deque<TimePoint> due_;  // fixed rate: intended times waiting for a connection
  bool generating_ = true;
  uint64_t generated_ = 0;
  uint64_t to_generate_ = 0;
  TimePoint drain_deadline_ = TimePoint::max();

  int epoll_ = -1;
  int timer_ = -1;
  sockaddr_in addr_{};
  std::string host_header_;
  std::string auth_header_;  // "Authorization: Bearer <key>\r\n", or empty
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> idle_main_;
  std::vector<Conn*> idle_follow_;
  std::vector<std::pair<TimePoint, Conn*>> cooling_;  // failed to connect: usable again after the time
  size_t main_count_ = 0;
  size_t follow_count_ = 0;
  size_t max_main_ = 0;
  size_t max_follow_ = 0;
  size_t busy_main_ = 0;
  size_t busy_follow_ = 0;

  std::vector<CartSlot> carts_;
  uint64_t cart_seq_ = 0;
  uint64_t key_seq_ = 0;
  std::vector<std::string> recent_;  // accepted order ids (status reads, cancels)
  std::deque<FollowJob> follow_ready_;
  std::deque<FollowJob> follow_delayed_;  // retried after an error, in not_before order
};

void Worker::build_order(Conn& c) {
  c.kind = Kind::order;
  const unsigned lines = 1 + static_cast<unsigned>(below(std::max(1u, o_.max_lines)));
  std::string body = fmt::format(R"({{"customer_id":"lg-c{}","lines":[)", below(std::max(1u, o_.customers)));
  std::vector<size_t> chosen;
  for (unsigned i = 0; i < lines && chosen.size() < skus_.size(); ++i) {
    size_t sku = picker_.pick(uniform());
    // Distinct SKUs (the api refuses a repeated one): redraw a few times, then take the next free one.
    for (int tries = 0; std::find(chosen.begin(), chosen.end(), sku) != chosen.end(); ++tries) {
      sku = tries < 8 ? picker_.pick(uniform()) : (sku + 1) % skus_.size();
    }
    chosen.push_back(sku);
    fmt::format_to(std::back_inserter(body), R"({}{{"sku":"{}","quantity":{}}})", i == 0 ? "" : ",",
                   skus_[sku], quantity());
  }
  body += "]}";
  begin_request(c.out, "POST", "/v1/orders");
  fmt::format_to(std::back_inserter(c.out), "Idempotency-Key: {}\r\n", next_key());
  end_request(c.out, body);
}

bool Worker::build_cart_add(Conn& c) {
  const size_t n = carts_.size();
  const size_t first = below(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t slot = (first + i) % n;
    auto& cart = carts_[slot];
    if (cart.checking_out) continue;
    ++cart.adds_in_flight;
    c.kind = Kind::cart_add;
    c.cart_slot = static_cast<int>(slot);
    begin_request(c.out, "POST", fmt::format("/v1/carts/{}/items", cart.id));
    end_request(c.out, fmt::format(R"({{"sku":"{}","quantity":{}}})", pick_sku(), quantity()));
    return true;
  }
  return false;
}

bool Worker::build_checkout(Conn& c) {
  const size_t n = carts_.size();
  const size_t first = below(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t slot = (first + i) % n;
    auto& cart = carts_[slot];
    if (cart.checking_out || cart.items == 0 || cart.adds_in_flight > 0) continue;
    cart.checking_out = true;
    c.kind = Kind::checkout;
    c.cart_slot = static_cast<int>(slot);
    begin_request(c.out, "POST", fmt::format("/v1/carts/{}/checkout", cart.id));
    fmt::format_to(std::back_inserter(c.out), "Idempotency-Key: {}\r\n", next_key());
    end_request(c.out, fmt::format(R"({{"customer_id":"{}"}})", cart.customer));
    return true;
  }
  return false;
}

void Worker::build(Conn& c, Kind kind) {
  c.cart_slot = -1;
  switch (kind) {
    case Kind::cart_add:
      if (build_cart_add(c)) return;
      break;
    case Kind::checkout:
      if (build_checkout(c)) return;
      if (build_cart_add(c)) return;
      break;
    case Kind::status:
      if (!recent_.empty()) {
        c.kind = Kind::status;
        begin_request(c.out, "GET", "/v1/orders/" + recent_[below(recent_.size())]);
        end_request(c.out, {});
        return;
      }
      break;
    case Kind::cancel:
      if (!recent_.empty()) {
        // An order is cancelled once at most: take it out of the recent ones.
        const size_t i = below(recent_.size());
        std::string id = std::move(recent_[i]);
        recent_[i] = std::move(recent_.back());
        recent_.pop_back();
        c.kind = Kind::cancel;
        begin_request(c.out, "POST", "/v1/orders/" + id + "/cancel");
        end_request(c.out, R"({"reason":"loadgen"})");
        return;
      }
      break;
    case Kind::order:
    case Kind::follow:
      break;
  }
  build_order(c);
}

Conn* Worker::acquire(bool follow_pool) {
  auto& idle = follow_pool ? idle_follow_ : idle_main_;
  if (!idle.empty()) {
    Conn* c = idle.back();
    idle.pop_back();
    return c;
  }
  size_t& count = follow_pool ? follow_count_ : main_count_;
  if (count >= (follow_pool ? max_follow_ : max_main_)) return nullptr;
  ++count;
  auto conn = std::make_unique<Conn>();
  conn->index = conns_.size();
  conn->follow = follow_pool;
  conns_.push_back(std::move(conn));
  return conns_.back().get();
}

void Worker::release(Conn& c) {
  c.busy = false;
  (c.follow ? busy_follow_ : busy_main_)--;
  (c.follow ? idle_follow_ : idle_main_).push_back(&c);
}

bool Worker::open(Conn& c, std::string& error) {
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    error = fmt::format("socket: {}", std::strerror(errno));
    return false;
  }
  int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.parser.clear();
  c.connecting = false;
  if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr_), sizeof addr_) != 0) {
    if (errno != EINPROGRESS) {
      error = fmt::format("connect: {}", std::strerror(errno));
      ::close(c.fd);
      c.fd = -1;
      return false;
    }
    c.connecting = true;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = (static_cast<uint64_t>(c.index) << 32) | static_cast<uint32_t>(c.fd);
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev) != 0) {
    error = fmt::format("epoll_ctl: {}", std::strerror(errno));
    ::close(c.fd);
    c.fd = -1;
    return false;
  }
  return true;
}

void Worker::close_conn(Conn& c) {
  if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  c.connecting = false;
  c.parser.clear();
}

void Worker::start(Conn& c, TimePoint now) {
  c.busy = true;
  (c.follow ? busy_follow_ : busy_main_)++;
  c.out_off = 0;
  c.deadline =
      now + (c.follow ? std::chrono::seconds(o_.follow_wait_seconds + 10) : seconds(o_.timeout_seconds));
  if (c.fd < 0) {
    std::string error;
    if (!open(c, error)) {
      on_failure(c, error);
      return;
    }
  }
  if (!c.connecting) flush(c);
}

void Worker::flush(Conn& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // EPOLLOUT resumes
    if (n < 0 && errno == EINTR) continue;
    on_failure(c, fmt::format("send: {}", n < 0 ? std::strerror(errno) : "closed"));
    return;
  }
}

void Worker::on_event(Conn& c, uint32_t events) {
  if (c.connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      on_failure(c, fmt::format("connect: {}", std::strerror(err)));
      return;
    }
    c.connecting = false;
    if (c.busy) flush(c);
    if (c.fd < 0) return;
  } else if ((events & EPOLLOUT) && c.busy && c.out_off < c.out.size()) {
    flush(c);
    if (c.fd < 0) return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) on_readable(c);
}

void Worker::on_readable(Conn& c) {
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      if (!c.busy) continue;  // nothing asked: ignore (cannot happen with our servers)
      const auto r = c.parser.feed(std::string_view(chunk, static_cast<size_t>(n)));
      if (r == http::ResponseParser::Result::complete) {
        on_response(c);
        if (c.fd < 0) return;
      } else if (r == http::ResponseParser::Result::error) {
        on_failure(c, c.parser.error());
        return;
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    // The peer closed (or reset) the connection.
    if (!c.busy) {
      close_conn(c);
      return;
    }
    if (n == 0 && c.parser.finish() == http::ResponseParser::Result::complete) {
      on_response(c);
      close_conn(c);
      return;
    }
    on_failure(c, n < 0 ? fmt::format("recv: {}", std::strerror(errno)) : "connection closed by the server");
    return;
  }
}

void Worker::on_response(Conn& c) {
  const auto now = Clock::now();
  const int status = c.parser.status();
  const std::string body = c.parser.body();
  const bool close = c.parser.close_after();
  c.parser.next();
  if (close) close_conn(c);
  if (c.follow) {
    complete_follow(c, now, status, body, {});
  } else {
    complete_mix(c, now, status, body, {});
  }
}

void Worker::on_failure(Conn& c, const std::string& reason) {
  const auto now = Clock::now();
  const bool connect_failed = reason.rfind("connect: ", 0) == 0;
  close_conn(c);
  if (c.follow) {
    complete_follow(c, now, 0, {}, reason);
  } else {
    complete_mix(c, now, 0, {}, reason);
  }
  if (connect_failed) {
    // Not usable for a moment: no busy loop of failing connects against a server that is down.
    auto& idle = c.follow ? idle_follow_ : idle_main_;
    if (auto it = std::find(idle.begin(), idle.end(), &c); it != idle.end()) {
      idle.erase(it);
      cooling_.emplace_back(now + kRetryDelay, &c);
    }
  }
}

void Worker::complete_mix(Conn& c, TimePoint now, int status, std::string_view body,
                          const std::string& error) {
  auto& stats = kinds[index(c.kind)];
  const bool ok = status >= 200 && status < 300;
  if (c.record) {
    if (status > 0) {
      const uint64_t us = micros(now - c.intended);
      stats.latency.record(us);
      ++stats.statuses[status];
      std::lock_guard lock(progress_.mutex);
      progress_.interval_latency.record(us);
    } else {
      ++stats.errors[error];
    }
    last_recorded = std::max(last_recorded, now);
  }
  progress_.answered.fetch_add(1, std::memory_order_relaxed);
  if (!ok) progress_.failed.fetch_add(1, std::memory_order_relaxed);

  switch (c.kind) {
    case Kind::cart_add: {
      auto& cart = carts_[static_cast<size_t>(c.cart_slot)];
      --cart.adds_in_flight;
      if (ok) ++cart.items;
      break;
    }
    case Kind::checkout:
    case Kind::order: {
      if (c.kind == Kind::checkout) {
        auto& cart = carts_[static_cast<size_t>(c.cart_slot)];
        if (status == 202) {
          renew_cart(cart);
        } else {
          cart.checking_out = false;
        }
      }
      if (status != 202) break;
      const auto id = json_string_member(body, "order_id");
      if (!id) break;
      if (recent_.size() < kRecentOrders) {
        recent_.emplace_back(*id);
      } else {
        recent_[below(recent_.size())] = std::string(*id);
      }
      if (o_.follow) {
        FollowJob job{std::string(*id), now, c.intended, now + seconds(o_.follow_timeout_seconds), now,
                      c.record};
        if (c.record) ++follow.followed;
        follow_ready_.push_back(std::move(job));
        progress_.following.fetch_add(1, std::memory_order_relaxed);
      }
      break;
    }
    default:
      break;
  }
  release(c);
}

void Worker::issue_follow(Conn& c, TimePoint now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(c.job.give_up - now).count();
  const long wait = std::clamp<long>(left, 1, o_.follow_wait_seconds);
  c.kind = Kind::follow;
  c.intended = now;
  c.record = c.job.record;
  begin_request(c.out, "GET", fmt::format("/v1/orders/{}?wait={}", c.job.order_id, wait));
  end_request(c.out, {});
  start(c, now);
}

void Worker::complete_follow(Conn& c, TimePoint now, int status, std::string_view body,
                             const std::string& error) {
  auto& stats = kinds[index(Kind::follow)];
  if (c.record) {
    if (status > 0) {
      stats.latency.record(micros(now - c.intended));
      ++stats.statuses[status];
    } else {
      ++stats.errors[error];
    }
  }
  FollowJob job = std::move(c.job);
  release(c);
  if (status == 200) {
    const auto decided = json_string_member(body, "status");
    if (decided && *decided != "PENDING") {
      if (job.record) {
        const uint64_t us = micros(now - job.accepted);
        follow.decision.record(us);
        follow.placed_to_decision.record(micros(now - job.intended));
        ++follow.outcomes[std::string(*decided)];
        std::lock_guard lock(progress_.mutex);
        progress_.interval_decision.record(us);
      }
      if (now >= measure_start_ && (generating_ || now <= gen_end)) ++follow.decided_in_window;
      progress_.decided.fetch_add(1, std::memory_order_relaxed);
      progress_.following.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
  }
  if (now >= job.give_up) {
    if (job.record) ++follow.gave_up;
    progress_.following.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  if (status == 200 || status == 404) {
    // Still PENDING, or not stored yet: ask again at once (the wait is on the server).
    follow_ready_.push_front(std::move(job));
  } else {
    job.not_before = now + kRetryDelay;
    follow_delayed_.push_back(std::move(job));
  }
}

void Worker::dispatch(TimePoint now) {
  const bool gen = generating(now);
  if (scheduler_) {
    if (gen) {
      while (o_.count == 0 || generated_ < to_generate_) {
        const auto t = scheduler_->take_due(now);  // before gen_deadline_, as now is
        if (!t) break;
        due_.push_back(*t);
        ++generated_;
      }
    }
    while (!due_.empty()) {
      Conn* c = acquire(false);
      if (c == nullptr) break;
      const TimePoint t = due_.front();
      due_.pop_front();
      c->intended = t;
      c->record = t >= measure_start_;
      max_send_lag_us = std::max(max_send_lag_us, micros(now - t));
      build(*c, o_.mix.pick(uniform()));
      ++sent;
      progress_.sent.fetch_add(1, std::memory_order_relaxed);
      start(*c, now);
    }
    progress_.queued.store(due_.size(), std::memory_order_relaxed);
  } else if (gen) {
    while (o_.count == 0 || generated_ < to_generate_) {
      Conn* c = acquire(false);
      if (c == nullptr) break;
      ++generated_;
      c->intended = now;
      c->record = now >= measure_start_;
      build(*c, o_.mix.pick(uniform()));
      ++sent;
      progress_.sent.fetch_add(1, std::memory_order_relaxed);
      start(*c, now);
    }
  }
  while (!follow_ready_.empty()) {
    Conn* c = acquire(true);
    if (c == nullptr) break;
    c->job = std::move(follow_ready_.front());
    follow_ready_.pop_front();
    issue_follow(*c, now);
  }
}

void Worker::housekeeping(TimePoint now) {
  for (auto& conn : conns_) {
    Conn& c = *conn;
    if (c.busy && now >= c.deadline) on_failure(c, "timeout");
  }
  for (size_t i = 0; i < cooling_.size();) {
    if (cooling_[i].first <= now) {
      Conn* c = cooling_[i].second;
      (c->follow ? idle_follow_ : idle_main_).push_back(c);
      cooling_[i] = cooling_.back();
      cooling_.pop_back();
    } else {
      ++i;
    }
  }
  while (!follow_delayed_.empty() && follow_delayed_.front().not_before <= now) {
    follow_ready_.push_back(std::move(follow_delayed_.front()));
    follow_delayed_.pop_front();
  }
}

bool Worker::finished(TimePoint now) const {
  if (generating_) return false;
  if (now >= drain_deadline_) return true;
  return due_.empty() && busy_main_ == 0 && busy_follow_ == 0 && follow_ready_.empty() &&
         follow_delayed_.empty();
}

void Worker::arm_timer(TimePoint at) {
  itimerspec spec{};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Worker::run() {
  addr_.sin_family = AF_INET;
  addr_.sin_port = htons(o_.port);
  if (::inet_pton(AF_INET, o_.host == "localhost" ? "127.0.0.1" : o_.host.c_str(), &addr_.sin_addr) != 1) {
    throw std::invalid_argument("--host must be an IPv4 address: " + o_.host);
  }
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  // steady_clock is CLOCK_MONOTONIC on Linux: the timer fires at the scheduler's time points.
  timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_ < 0 || timer_ < 0)
    throw std::runtime_error(std::string("epoll/timerfd: ") + std::strerror(errno));
  epoll_event tev{};
  tev.events = EPOLLIN;
  tev.data.u64 = kTimerTag;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &tev);

  std::this_thread::sleep_until(start_);
  std::vector<epoll_event> events(1024);
  TimePoint next_housekeeping = Clock::now() + kHousekeeping;
  for (;;) {
    auto now = Clock::now();
    dispatch(now);
    if (now >= next_housekeeping) {
      housekeeping(now);
      next_housekeeping = now + kHousekeeping;
      dispatch(now);
    }
    if (finished(now)) break;

    // Sleep until the next send is due, the next housekeeping, or an event.
    TimePoint wake = next_housekeeping;
    if (generating_) {
      if (scheduler_ && due_.empty()) wake = std::min(wake, scheduler_->next());
      wake = std::min(wake, gen_deadline_);
    }
    int timeout = -1;
    if (wake <= now) {
      timeout = 0;
    } else {
      arm_timer(wake);
    }
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t tag = events[static_cast<size_t>(i)].data.u64;
      if (tag == kTimerTag) {
        uint64_t expirations;
        [[maybe_unused]] auto r = ::read(timer_, &expirations, sizeof expirations);
        continue;
      }
      const size_t conn_index = tag >> 32;
      const int fd = static_cast<int>(tag & 0xffffffffu);
      if (conn_index >= conns_.size()) continue;
      Conn& c = *conns_[conn_index];
      if (c.fd != fd) continue;  // an event of a socket closed meanwhile
      on_event(c, events[static_cast<size_t>(i)].events);
    }
  }
  // What is left when the drain time is over.
  if (gen_end == TimePoint{}) gen_end = Clock::now();
  dropped = due_.size();
  for (auto& conn : conns_) {
    if (!conn->busy) continue;
    if (conn->follow) {
      if (conn->job.record) ++follow.unfinished;
    } else if (conn->record) {
      ++kinds[index(conn->kind)].errors["no answer before the end of the run"];
    }
  }
  for (const auto* q : {&follow_ready_, &follow_delayed_}) {
    for (const auto& job : *q) {
      if (job.record) ++follow.unfinished;
    }
  }
}

std::string random_run_id() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<uint32_t>(rd()));
}

}  // namespace

Report run(const Options& o, const std::vector<std::string>& skus, const SkuPicker& picker) {
  if (skus.empty()) throw std::invalid_argument("no SKUs to order");
  if (picker.size() != skus.size()) throw std::invalid_argument("the SKU picker does not match the catalog");
  if (o.threads == 0) throw std::invalid_argument("--threads must be >= 1");
  if (o.connections < o.threads) throw std::invalid_argument("--connections must be >= --threads");
  if (o.rate < 0) throw std::invalid_argument("--rate must be >= 0");
  if (o.count == 0 && !(o.duration_seconds > 0))
    throw std::invalid_argument("need a --duration > 0 or a --count");

  const std::string run_id = o.run_id.empty() ? random_run_id() : o.run_id;
  Report report;
  report.info.started_at = utc_now_iso();
  const auto start = Clock::now() + std::chrono::milliseconds(50);
  std::vector<std::unique_ptr<Progress>> progress;
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < o.threads; ++i) {
    progress.push_back(std::make_unique<Progress>());
    workers.push_back(std::make_unique<Worker>(o, i, start, skus, picker, run_id, *progress.back()));
  }
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> failures(o.threads);
  for (unsigned i = 0; i < o.threads; ++i) {
    threads.emplace_back([&, i] {
      try {
        workers[i]->run();
      } catch (...) {
        failures[i] = std::current_exception();
      }
      progress[i]->done = true;
    });
  }

  // The progress line, once per second, until every worker is done.
  uint64_t last_answered = 0;
  uint64_t last_decided = 0;
  auto last = start;
  auto next = start + std::chrono::seconds(1);
  Histogram latency;
  Histogram decision;
  for (;;) {
    bool all_done = true;
    for (const auto& p : progress) all_done = all_done && p->done.load();
    if (all_done) break;
    const auto now = Clock::now();
    if (now < next) {
      std::this_thread::sleep_for(std::min<Clock::duration>(next - now, std::chrono::milliseconds(50)));
      continue;
    }
    next += std::chrono::seconds(1);
    uint64_t sent = 0, answered = 0, failed = 0, queued = 0, decided = 0, following = 0;
    latency.reset();
    decision.reset();
    for (auto& p : progress) {
      sent += p->sent.load(std::memory_order_relaxed);
      answered += p->answered.load(std::memory_order_relaxed);
      failed += p->failed.load(std::memory_order_relaxed);
      queued += p->queued.load(std::memory_order_relaxed);
      decided += p->decided.load(std::memory_order_relaxed);
      following += p->following.load(std::memory_order_relaxed);
      std::lock_guard lock(p->mutex);
      latency.merge(p->interval_latency);
      decision.merge(p->interval_decision);
      p->interval_latency.reset();
      p->interval_decision.reset();
    }
    const double dt = to_seconds(now - last);
    last = now;
    if (!o.progress) continue;
    const double elapsed = to_seconds(now - start);
    std::string line =
        fmt::format("[{:6.1f}s{}] {:8.1f} req/s", elapsed, elapsed < o.warmup_seconds ? " warm-up" : "",
                    static_cast<double>(answered - last_answered) / dt);
    if (o.rate > 0) line += fmt::format(" (target {:.0f})", o.rate);
    line +=
        fmt::format("  p50 {} p99 {}  in flight {}  queued {}  failed {}", format_us(latency.percentile(50)),
                    format_us(latency.percentile(99)), sent > answered ? sent - answered : 0, queued, failed);
    if (o.follow) {
      line += fmt::format("  | decided {:.0f}/s p50 {} p99 {}, following {}",
                          static_cast<double>(decided - last_decided) / dt,
                          format_us(decision.percentile(50)), format_us(decision.percentile(99)), following);
    }
    fmt::print(stderr, "{}\n", line);
    last_answered = answered;
    last_decided = decided;
  }
  for (auto& t : threads) t.join();
  for (auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }

  auto& info = report.info;
  info.target = fmt::format("{}:{}", o.host, o.port);
  info.mode = o.rate > 0 ? "fixed-rate" : "max-throughput";
  info.target_rate = o.rate;
  info.connections = o.connections;
  info.threads = o.threads;
  info.warmup_seconds = o.warmup_seconds;
  info.requested_seconds = o.count > 0 ? 0 : o.duration_seconds;
  info.requested_count = o.count;
  info.mix = o.mix.to_string();
  info.skew = picker.description();
  info.skus = skus.size();
  info.follow = o.follow;
  const auto measure_start = start + seconds(o.warmup_seconds);
  TimePoint gen_end{};
  TimePoint last_recorded{};
  for (auto& w : workers) {
    for (size_t k = 0; k < kKinds; ++k) report.kinds[k].merge(w->kinds[k]);
    report.follow.merge(w->follow);
    gen_end = std::max(gen_end, w->gen_end);
    last_recorded = std::max(last_recorded, w->last_recorded);
    info.sent += w->sent;
    info.dropped += w->dropped;
    info.max_send_lag_us = std::max(info.max_send_lag_us, w->max_send_lag_us);
  }
  info.generation_seconds = std::max(0.0, to_seconds(gen_end - measure_start));
  info.measured_seconds = std::max(0.0, to_seconds(std::max(gen_end, last_recorded) - measure_start));
  return report;
}

}  // namespace orderflow::loadgen
