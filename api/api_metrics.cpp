#include "api_metrics.hpp"

#include <map>
#include <mutex>
#include <utility>

#include "orderflow/metrics.hpp"

namespace orderflow::api::metrics {
namespace {

struct Families {
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("orderflow_http_requests_total")
                                                          .Help("HTTP requests answered, by route and status")
                                                          .Register(orderflow::metrics::registry());
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("orderflow_http_request_seconds")
                                                           .Help("Time from request to reply, by route")
                                                           .Register(orderflow::metrics::registry());
  prometheus::Family<prometheus::Histogram>& produce = prometheus::BuildHistogram()
                                                           .Name("orderflow_kafka_produce_seconds")
                                                           .Help("Time from produce to delivery report")
                                                           .Register(orderflow::metrics::registry());
  prometheus::Histogram& produce_ok = produce.Add({{"result", "ok"}}, orderflow::metrics::latency_buckets());
  prometheus::Histogram& produce_failed =
      produce.Add({{"result", "failed"}}, orderflow::metrics::latency_buckets());

  prometheus::Gauge& order_waiters =
      prometheus::BuildGauge()
          .Name("orderflow_api_order_waiters")
          .Help("GET /v1/orders/{id}?wait requests waiting for their order's decision")
          .Register(orderflow::metrics::registry())
          .Add({});

  prometheus::Family<prometheus::Counter>& rate_limited =
      prometheus::BuildCounter()
          .Name("orderflow_api_rate_limited_total")
          .Help("Requests refused 429 by a rate limit, by policy (address, storefront-key, ...)")
          .Register(orderflow::metrics::registry());

  // Family::Add is costly and takes the family's lock: each labelled series is looked up once.
  std::mutex mutex;
  std::map<std::pair<std::string, int>, prometheus::Counter*> counters;
  std::map<std::string, prometheus::Histogram*> histograms;
  std::map<std::string, prometheus::Counter*, std::less<>> rate_limited_by_policy;
};

Families& families() {
  static Families f;
  return f;
}

}  // namespace

void observe_request(const std::string& route, int status, double seconds) {
  auto& f = families();
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard lock(f.mutex);
    auto& c = f.counters[{route, status}];
    if (c == nullptr) c = &f.requests.Add({{"route", route}, {"status", std::to_string(status)}});
    auto& h = f.histograms[route];
    if (h == nullptr) h = &f.latency.Add({{"route", route}}, orderflow::metrics::latency_buckets());
    counter = c;
    histogram = h;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void observe_produce(bool ok, double seconds) {
  auto& f = families();
  (ok ? f.produce_ok : f.produce_failed).Observe(seconds);
}

void set_order_waiters(size_t count) {
  families().order_waiters.Set(static_cast<double>(count));
}

}  // namespace orderflow::api::metrics

namespace orderflow::api::metrics {

void count_rate_limited(std::string_view policy) {
  auto& f = families();
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(f.mutex);
    auto it = f.rate_limited_by_policy.find(policy);
    if (it == f.rate_limited_by_policy.end())
      it = f.rate_limited_by_policy
               .emplace(std::string(policy), &f.rate_limited.Add({{"policy", std::string(policy)}}))
               .first;
    counter = it->second;
  }
  counter->Increment();
}

}  // namespace orderflow::api::metrics
