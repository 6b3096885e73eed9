// A 202 rests on 3 replicas, 2 in sync (issue 8): on a private 3-broker cluster (infra/kafka.sh
// cluster: a controller and brokers 1-3), with an orders and an inventory worker and an api, a stream
// of POST /v1/orders goes on while one broker is killed (kill -9), then a second one stopped, then both
// restarted. Every 202 must end decided; after a short blip the POSTs get 202 again with one broker
// gone; with two gone they get 503 with a JSON body, never a 202; after the restart 202s again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kafka_cluster.hpp"
#include "orderflow/json.hpp"
#include "pipeline.hpp"
#include "test_env.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// Short enough for several answers while two brokers are down; 2 s saw acks time out on a healthy
// cluster when the 2-core box was loaded.
constexpr int kProduceTimeoutMs = 4000;

struct Post {
  Clock::time_point sent;
  double seconds = 0;
  int status = 0;
  std::string body;
  std::string order_id;  // of a 202
  Clock::time_point answered() const {
    return sent + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
};

// POSTs at a bounded rate from a few clients until stopped; every answer is kept.
class OrderStream {
 public:
  OrderStream(const orderflow::test::Pipeline& pipeline, int clients, std::chrono::milliseconds every) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, &pipeline, c, every] {
        auto client = pipeline.client(0, 10s);
        auto next = Clock::now();
        for (int i = 0; !stop_; ++i) {
          Post p;
          p.sent = Clock::now();
          const auto r = client.post_json(
              "/v1/orders",
              R"({"customer_id":"repl-)" + std::to_string(c) + R"(","lines":[{"sku":"R1","quantity":1}]})",
              {{"Idempotency-Key", orderflow::test::unique("k") + "-" + std::to_string(i)}});
          p.seconds = std::chrono::duration<double>(Clock::now() - p.sent).count();
          p.status = r.status;
          p.body = r.body;
          if (r.status == 202) {
            if (auto doc = orderflow::json::parse(r.body); doc && doc->HasMember("order_id"))
              p.order_id = (*doc)["order_id"].GetString();
          }
          {
            std::lock_guard lock(mutex_);
            posts_.push_back(std::move(p));
          }
          next += every;
          std::this_thread::sleep_until(next);
          if (Clock::now() > next + every) next = Clock::now();  // no burst to catch up after a slow answer
        }
      });
    }
  }
  ~OrderStream() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::vector<Post> sent_between(Clock::time_point from, Clock::time_point to) {
    std::lock_guard lock(mutex_);
    std::vector<Post> out;
    for (const auto& p : posts_)
      if (p.sent >= from && p.sent < to) out.push_back(p);
    return out;
  }
  std::vector<Post> all() {
    std::lock_guard lock(mutex_);
    return posts_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Post> posts_;
  std::vector<std::thread> threads_;
};

std::map<int, int> statuses(const std::vector<Post>& posts) {
  std::map<int, int> out;
  for (const auto& p : posts) ++out[p.status];
  return out;
}

std::string describe(const std::map<int, int>& s) {
  std::string out;
  for (const auto& [status, n] : s) out += std::to_string(status) + ":" + std::to_string(n) + " ";
  return out;
}

double since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

TEST(Replication, A202SurvivesABrokerAndTooFewReplicasGive503) {
  const auto started = Clock::now();
  orderflow::test::KafkaCluster cluster;
  std::cout << "cluster up in " << since(started, Clock::now()) << " s: " << cluster.brokers() << std::endl;
  orderflow::test::Pipeline p(orderflow::test::Pipeline::Options{
      .api = true,
      .roles = {"inventory", "orders"},
      .env = {{"ORDERFLOW_KAFKA_BROKERS", cluster.brokers()},
              {"ORDERFLOW_PRODUCE_TIMEOUT_MS", std::to_string(kProduceTimeoutMs)}}});
  orderflow::test::seed_product(p.dsn(), "R1", 100, 1000000);
  // The topics got the manifest's replication: 3 copies, 2 in sync.
  const auto described = p.run_ctl({"create-topics"});
  ASSERT_EQ(described.exit_code, 0) << described.output;
  ASSERT_NE(described.output.find("3 replicas, min.insync.replicas 2"), std::string::npos)
      << described.output;

  // Right after create-topics the producer may not know every new partition's leader yet, and a new
  // partition's followers may not be in sync yet (min.insync.replicas 2 refuses its writes): that is not
  // what this test measures. One 202 proved only one partition ready (a CI run saw 3 of the stream's
  // first POSTs time out after it), so the stream starts once 24 POSTs in a row, on order ids spread
  // over the partitions, got their 202.
  auto warm = p.client();
  int in_a_row = 0;
  ASSERT_TRUE(orderflow::test::wait_until(
      [&] {
        const auto status =
            warm.post_json("/v1/orders", R"({"customer_id":"repl-warm","lines":[{"sku":"R1","quantity":1}]})",
                           {{"Idempotency-Key", orderflow::test::unique("warm")}})
                .status;
        in_a_row = status == 202 ? in_a_row + 1 : 0;
        return in_a_row >= 24;
      },
      60s, 50ms))
      << in_a_row << " in a row";
  OrderStream stream(p, 4, 200ms);  // ~20 POSTs/s
  const auto streaming = Clock::now();
  std::this_thread::sleep_for(5s);
  const auto t_kill = Clock::now();
  cluster.run("kill", {"broker-2"}, 30s);
  std::this_thread::sleep_for(20s);
  const auto t_stop = Clock::now();
  cluster.run("stop", {"broker-3"}, 60s);
  const auto t_stopped = Clock::now();
  std::this_thread::sleep_for(16s);
  const auto t_restart = Clock::now();
  cluster.run("start", {"broker-2", "broker-3"}, 120s);
  const auto t_restarted = Clock::now();
  // 202s again: wait for the first, then keep streaming a while.
  ASSERT_TRUE(orderflow::test::wait_until(
      [&] {
        const auto s = statuses(stream.sent_between(t_restarted, Clock::now()));
        return s.count(202) > 0;
      },
      60s, 200ms))
      << describe(statuses(stream.sent_between(t_restarted, Clock::now())));
  const auto t_back = Clock::now();
  std::this_thread::sleep_for(6s);
  const auto t_end = Clock::now();
  stream.stop();

  // Before the kill: the POSTs answered before it. One still waiting for its ack when the broker died
  // belongs to the blip (its partition's ISR must drop the dead follower first), and may be a 503.
  std::vector<Post> before;
  auto one_down = stream.sent_between(t_kill, t_stop);
  for (const auto& post : stream.sent_between(streaming, t_kill))
    (post.answered() < t_kill ? before : one_down).push_back(post);
  // Two down: the POSTs answered before the restart began. One sent in the last produce timeout
  // before it may still be retrying when the brokers return, and its 202 is then right.
  std::vector<Post> two_down;
  for (const auto& post : stream.sent_between(t_stopped, t_restart))
    if (post.answered() < t_restart) two_down.push_back(post);
  const auto after = stream.sent_between(t_back + 3s, t_end);

  // The blip: from the kill to the answer of the last POST (in flight at the kill or sent with one
  // broker down) that got no 202.
  double blip = 0;
  for (const auto& post : one_down)
    if (post.status != 202) blip = std::max(blip, since(t_kill, post.answered()));
  std::cout << "before the kill: " << describe(statuses(before))
            << "\none broker down: " << describe(statuses(one_down)) << "(503 blip " << blip
            << " s)\ntwo brokers down: " << describe(statuses(two_down)) << "\nrestart took "
            << since(t_restart, t_restarted) << " s, first 202 " << since(t_restarted, t_back)
            << " s later; after: " << describe(statuses(after)) << std::endl;

  for (const auto& post : before)
    EXPECT_EQ(post.status, 202) << "before the kill, sent " << since(post.sent, t_kill)
                                << " s before it, answered in " << post.seconds << " s: " << post.body;
  ASSERT_FALSE(before.empty());
  // With one broker gone, 202s again within 10 s of the kill, for every POST after that.
  EXPECT_LT(blip, 10.0) << describe(statuses(one_down));
  const auto late_one_down = stream.sent_between(t_kill + 10s, t_stop);
  ASSERT_GT(late_one_down.size(), 20u);
  EXPECT_EQ(statuses(late_one_down), (std::map<int, int>{{202, static_cast<int>(late_one_down.size())}}));
  // With two gone: never a 202, and every answer a 503 with the JSON error body.
  ASSERT_GT(two_down.size(), 6u);
  for (const auto& post : two_down) {
    EXPECT_EQ(post.status, 503) << post.body;
    const auto doc = orderflow::json::parse(post.body);
    ASSERT_TRUE(doc && doc->IsObject() && doc->HasMember("error") && (*doc)["error"].HasMember("code"))
        << post.body;
    EXPECT_EQ(std::string((*doc)["error"]["code"].GetString()), "kafka_unavailable");
  }
  EXPECT_GT(statuses(after)[202], 10);
  EXPECT_EQ(statuses(after), (std::map<int, int>{{202, static_cast<int>(after.size())}}));

  // No answer, 202 or 503, comes later than the produce timeout allows (no retry into a late 202).
  const auto posts = stream.all();
  for (const auto& post : posts) {
    if (post.status == 202 || post.status == 503) {
      EXPECT_LT(post.seconds, kProduceTimeoutMs / 1000.0 + 1.0) << post.status;
    }
  }
  // Every 202 is decided: none was lost with the broker.
  std::vector<std::string> accepted;
  for (const auto& post : posts)
    if (post.status == 202) accepted.push_back(post.order_id);
  const bool decided = orderflow::test::wait_until(
      [&] {
        return std::all_of(accepted.begin(), accepted.end(), [&](const std::string& id) {
          const auto s = p.order_status(id);
          return s == "CONFIRMED" || s == "REJECTED";
        });
      },
      90s, 500ms);
  int undecided = 0;
  for (const auto& id : accepted) {
    const auto s = p.order_status(id);
    if (s != "CONFIRMED" && s != "REJECTED") ++undecided;
  }
  EXPECT_TRUE(decided) << undecided << " of " << accepted.size() << " accepted orders undecided\n"
                       << p.progress();
  std::cout << accepted.size() << " accepted orders, all decided; test took " << since(started, Clock::now())
            << " s" << std::endl;
}
