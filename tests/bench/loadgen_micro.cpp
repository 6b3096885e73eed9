// Google Benchmark micro-benchmarks of the load generator's per-request work.
#include <benchmark/benchmark.h>

#include <random>

#include "orderflow/http_response_parser.hpp"
#include "orderflow/loadgen/histogram.hpp"
#include "orderflow/loadgen/json_member.hpp"
#include "orderflow/loadgen/mix.hpp"

using namespace orderflow::loadgen;

static void BM_HistogramRecord(benchmark::State& state) {
  Histogram h;
  std::mt19937_64 rng(1);
  for (auto _ : state) h.record(rng() % 1000000);
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_HistogramRecord);

static void BM_HistogramPercentiles(benchmark::State& state) {
  Histogram h;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000000; ++i) h.record(rng() % 1000000);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99.9));
}
BENCHMARK(BM_HistogramPercentiles);

static void BM_HistogramMerge(benchmark::State& state) {
  Histogram a, b;
  for (int i = 0; i < 1000; ++i) b.record(static_cast<uint64_t>(i) * 997);
  for (auto _ : state) a.merge(b);
}
BENCHMARK(BM_HistogramMerge);

static void BM_MixAndSkuPick(benchmark::State& state) {
  const Mix mix = Mix::parse("cart_add=20,checkout=5,order=60,status=10,cancel=5");
  const SkuPicker picker = SkuPicker::hot_set(100, 20, 0.8);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0, 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mix.pick(u(rng)));
    benchmark::DoNotOptimize(picker.pick(u(rng)));
  }
}
BENCHMARK(BM_MixAndSkuPick);

static void BM_ParseResponse(benchmark::State& state) {
  const std::string response =
      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nLocation: "
      "/v1/orders/1b4e28ba-2fa1-5d2b-a3f0-5c9e8a1d2b3c"
      "\r\nContent-Length: "
      "70\r\n\r\n{\"order_id\":\"1b4e28ba-2fa1-5d2b-a3f0-5c9e8a1d2b3c\",\"status\":\"PENDING\"}";
  orderflow::http::ResponseParser p;
  for (auto _ : state) {
    p.feed(response);
    benchmark::DoNotOptimize(json_string_member(p.body(), "order_id"));
    p.next();
  }
}
BENCHMARK(BM_ParseResponse);

BENCHMARK_MAIN();
