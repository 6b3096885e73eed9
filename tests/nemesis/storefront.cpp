#include "storefront.hpp"

#include <map>
#include <memory>
#include <random>
#include <thread>

#include "orderflow/http_client.hpp"
#include "orderflow/json.hpp"

namespace orderflow::nemesis {
namespace {

constexpr int kAttempts = 3;
constexpr auto kRetryPause = std::chrono::milliseconds(300);

std::string order_id_of(const http::Response& r) {
  const auto doc = json::parse(r.body);
  if (!doc || !doc->IsObject()) return "";
  const auto id = json::get_string(*doc, "order_id");
  return id ? std::string(*id) : "";
}

// "/v1/orders/<id>" -> "<id>"
std::string order_id_from_location(const std::string& location) {
  const auto slash = location.rfind('/');
  return slash == std::string::npos ? "" : location.substr(slash + 1);
}

}  // namespace

Storefront::Storefront(Options options) : options_(std::move(options)) {}

Storefront::~Storefront() {
  stop();
}

void Storefront::start() {
  for (int i = 0; i < options_.clients; ++i) clients_.emplace_back([this, i] { run_client(i); });
}

void Storefront::stop() {
  stopping_ = true;
  for (auto& t : clients_) {
    if (t.joinable()) t.join();
  }
}

std::vector<AcceptedOrder> Storefront::accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

TrafficCounts Storefront::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void Storefront::note_accepted(std::string order_id) {
  accepted_.push_back(AcceptedOrder{std::move(order_id), std::chrono::system_clock::now()});
}

void Storefront::run_client(int index) {
  std::mt19937_64 rng(options_.seed * 1000003 + static_cast<uint64_t>(index));
  std::vector<std::unique_ptr<http::Client>> apis;
  for (auto port : options_.api_ports) {
    apis.push_back(std::make_unique<http::Client>("127.0.0.1", port, options_.request_timeout));
    // The admin key may call every route (the pipeline's api requires a key on each).
    apis.back()->set_default_header("Authorization", "Bearer " + options_.admin_token);
  }
  const auto every = std::chrono::duration<double>(options_.clients / options_.requests_per_second);
  auto next = std::chrono::steady_clock::now();
  const std::string me = options_.customer_prefix + "-" + std::to_string(index);
  std::vector<std::string> mine;  // this client's accepted orders, for cancels
  int n = 0;
  auto pick = [&](size_t size) { return static_cast<size_t>(rng() % size); };
  const auto admin =
      std::vector<std::pair<std::string, std::string>>{{"Authorization", "Bearer " + options_.admin_token}};

  while (!stopping_) {
    std::this_thread::sleep_until(next);
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(every);
    const size_t first_api = static_cast<size_t>(n) % apis.size();
    http::Client& api = *apis[first_api];
    ++n;
    const int dice = static_cast<int>(rng() % 100);
    const std::string key = me + "-" + std::to_string(n);
    const std::string customer = me + "-c" + std::to_string(n % 20);

    auto count = [&](const http::Response& r, int& accepted_counter) {
      std::lock_guard lock(mutex_);
      if (r.status == 202) {
        ++accepted_counter;
      } else if (r.status == 0) {
        ++counts_.no_answer;
      } else if (r.status >= 500) {
        ++counts_.refused;
      }
    };

    // What promises an order, sent as a careful client sends it: after a 503 or no answer, again with the
    // same Idempotency-Key (so the same order id) on the next api. An attempt that was refused may still
    // have reached Kafka: it must not become a second order.
    auto keyed_post = [&](const std::string& path, const std::string& body) {
      http::Response r;
      for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (attempt > 0) {
          if (stopping_) break;
          std::this_thread::sleep_for(kRetryPause);
          std::lock_guard lock(mutex_);
          ++counts_.retried;
        }
        r = apis[(first_api + static_cast<size_t>(attempt)) % apis.size()]->post_json(
            path, body, {{"Idempotency-Key", key}});
        if (r.status != 0 && r.status < 500) break;
      }
      return r;
    };

    if (dice < 60) {  // an order of 1-3 distinct skus
      std::string lines;
      std::map<std::string, int> chosen;
      const size_t count_lines = 1 + pick(3);
      while (chosen.size() < count_lines) chosen[options_.skus[pick(options_.skus.size())]] = 1 + pick(3);
      for (const auto& [sku, q] : chosen)
        lines +=
            (lines.empty() ? "" : ",") + ("{\"sku\":\"" + sku + "\",\"quantity\":" + std::to_string(q) + "}");
      const auto r =
          keyed_post("/v1/orders", "{\"customer_id\":\"" + customer + "\",\"lines\":[" + lines + "]}");
      count(r, counts_.orders_accepted);
      if (r.status == 202) {
        const std::string id = order_id_of(r);
        std::lock_guard lock(mutex_);
        note_accepted(id);
        mine.push_back(id);
      }
    } else if (dice < 70) {  // cancel one of mine (202, or 404/409 when it is not there yet or decided)
      if (mine.empty()) continue;
      const auto r = api.post_json("/v1/orders/" + mine[pick(mine.size())] + "/cancel",
                                   "{\"reason\":\"changed my mind\"}");
      count(r, counts_.cancels_accepted);
    } else if (dice < 90) {  // a cart: two items, then a checkout
      const std::string cart = key;
      bool added = true;
      for (int i = 0; i < 2 && added; ++i) {
        const auto r = api.post_json("/v1/carts/" + cart + "/items",
                                     "{\"sku\":\"" + options_.skus[pick(options_.skus.size())] +
                                         "\",\"quantity\":" + std::to_string(1 + pick(2)) + "}");
        added = r.status == 202;
        if (!added) count(r, counts_.refused);  // counted as refused or unanswered only
      }
      if (!added) continue;
      const auto r = keyed_post("/v1/carts/" + cart + "/checkout", "{\"customer_id\":\"" + customer + "\"}");
      count(r, counts_.checkouts_accepted);
      if (r.status == 202) {
        std::lock_guard lock(mutex_);
        note_accepted(order_id_from_location(r.header("location")));
      }
    } else {  // restock a sku
      const auto r = api.request("PUT", "/v1/admin/stock/" + options_.skus[pick(options_.skus.size())],
                                 "{\"on_hand\":" + std::to_string(40 + pick(60)) + "}",
                                 {{"Content-Type", "application/json"}, admin[0]});
      count(r, counts_.restocks_accepted);
    }
  }
}

}  // namespace orderflow::nemesis
