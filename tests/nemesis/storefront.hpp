#pragma once
// The nemesis suite's traffic: storefront clients spread over every api instance, at a bounded rate,
// placing orders, cancelling some, checking out carts and restocking, from a seeded generator. It keeps
// what each 202 promised (the order ids and when they were accepted): the checks hold the pipeline to
// exactly that.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace orderflow::nemesis {

using SystemTime = std::chrono::system_clock::time_point;

struct AcceptedOrder {
  std::string order_id;
  SystemTime accepted_at;  // when its 202 arrived
};

struct TrafficCounts {
  int orders_accepted = 0;     // POST /v1/orders answered 202
  int checkouts_accepted = 0;  // POST /v1/carts/{id}/checkout answered 202
  int cancels_accepted = 0;
  int restocks_accepted = 0;
  int refused = 0;    // 503 and other non-2xx, non-4xx-by-design answers: nothing promised
  int no_answer = 0;  // timed out or connection refused: outcome unknown, nothing promised
  int retried = 0;    // order and checkout POSTs sent again, same Idempotency-Key, after a 503 or no answer
};

class Storefront {
 public:
  struct Options {
    std::vector<uint16_t> api_ports;
    std::vector<std::string> skus;
    std::string admin_token;
    std::string customer_prefix;  // unique per scenario
    double requests_per_second = 100;
    int clients = 4;  // threads, each with a keep-alive connection per api
    uint64_t seed = 1;
    std::chrono::milliseconds request_timeout{6000};
  };
  explicit Storefront(Options options);
  ~Storefront();  // stop()
  Storefront(const Storefront&) = delete;
  Storefront& operator=(const Storefront&) = delete;

  void start();
  void stop();  // joins the clients
  std::vector<AcceptedOrder> accepted() const;
  TrafficCounts counts() const;

 private:
  void run_client(int index);
  void note_accepted(std::string order_id);

  Options options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> clients_;
  mutable std::mutex mutex_;
  std::vector<AcceptedOrder> accepted_;
  TrafficCounts counts_;
};

}  // namespace orderflow::nemesis
