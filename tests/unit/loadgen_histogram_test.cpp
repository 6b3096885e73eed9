// The load generator's latency histogram: bucket arithmetic, percentiles on known distributions
// (within the documented precision), and the merge of per-thread histograms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "orderflow/loadgen/histogram.hpp"

using orderflow::loadgen::Histogram;

namespace {

// The exact percentile of samples by the histogram's own definition: the smallest v with at least
// p % of the values <= v.
uint64_t exact_percentile(std::vector<uint64_t> v, double p) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

// Half a bucket: the most a reported percentile may differ from the exact sample value.
void expect_close(uint64_t got, uint64_t want, const char* what) {
  const double tolerance = std::max(1.0, static_cast<double>(want) / (2.0 * Histogram::kSubBuckets));
  EXPECT_LE(std::abs(static_cast<double>(got) - static_cast<double>(want)), tolerance)
      << what << ": got " << got << ", want " << want;
}

}  // namespace

TEST(LoadgenHistogram, BucketsCoverEveryValueContiguously) {
  // Every bucket starts where the previous one ends, and index_of inverts bucket_low.
  for (size_t i = 1; i < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::bucket_low(i), Histogram::bucket_low(i - 1) + Histogram::bucket_width(i - 1)) << i;
    ASSERT_EQ(Histogram::index_of(Histogram::bucket_low(i)), i);
    ASSERT_EQ(Histogram::index_of(Histogram::bucket_low(i) + Histogram::bucket_width(i) - 1), i);
  }
  EXPECT_EQ(Histogram::index_of(UINT64_MAX), Histogram::kBucketCount - 1);
}

TEST(LoadgenHistogram, RelativeBucketWidthIsBounded) {
  for (uint64_t v : {300ull, 1000ull, 12345ull, 999999ull, 123456789ull, 1ull << 40}) {
    const size_t i = Histogram::index_of(v);
    EXPECT_LE(static_cast<double>(Histogram::bucket_width(i)) / static_cast<double>(Histogram::bucket_low(i)),
              1.0 / Histogram::kSubBuckets)
        << v;
  }
}

TEST(LoadgenHistogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(90), 90u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(99.9), 100u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LoadgenHistogram, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.percentile(99.9), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LoadgenHistogram, ConstantDistribution) {
  Histogram h;
  h.record(123456, 1000);
  for (double p : {1.0, 50.0, 99.0, 99.9}) EXPECT_EQ(h.percentile(p), 123456u) << p;  // clamped to min/max
}

TEST(LoadgenHistogram, UniformDistributionPercentiles) {
  // 1..1,000,000 us once each: p50 = 500,000, p99 = 990,000, p99.9 = 999,000.
  Histogram h;
  for (uint64_t v = 1; v <= 1000000; ++v) h.record(v);
  expect_close(h.percentile(50), 500000, "p50");
  expect_close(h.percentile(90), 900000, "p90");
  expect_close(h.percentile(99), 990000, "p99");
  expect_close(h.percentile(99.9), 999000, "p99.9");
  EXPECT_EQ(h.max(), 1000000u);
  EXPECT_DOUBLE_EQ(h.mean(), 500000.5);
}

TEST(LoadgenHistogram, ExponentialDistributionMatchesSortedSamples) {
  // Latency-like: exponential with mean 2 ms, plus a 1 % tail around 200 ms.
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> body(1.0 / 2000.0);
  std::normal_distribution<double> tail(200000.0, 20000.0);
  std::uniform_real_distribution<double> coin(0, 1);
  std::vector<uint64_t> samples;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    const double x = coin(rng) < 0.01 ? tail(rng) : body(rng);
    const auto v = static_cast<uint64_t>(std::max(0.0, x));
    samples.push_back(v);
    h.record(v);
  }
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    expect_close(h.percentile(p), exact_percentile(samples, p), "exponential+tail");
  }
  // The analytic median of the body (the tail moves it a little): ln 2 * 2000 ~ 1386 us.
  EXPECT_NEAR(static_cast<double>(h.percentile(50)), 1386.0, 40.0);
}

TEST(LoadgenHistogram, MergeOfPerThreadHistogramsEqualsOneHistogram) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(8.0, 1.5);
  Histogram all;
  std::vector<Histogram> per_thread(4);
  std::vector<uint64_t> samples;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<uint64_t>(dist(rng));
    all.record(v);
    per_thread[static_cast<size_t>(i) % 3 == 0 ? 0 : static_cast<size_t>(i) % 4].record(v);
    samples.push_back(v);
  }
  Histogram merged;
  for (const auto& h : per_thread) merged.merge(h);
  merged.merge(Histogram{});  // an empty one changes nothing
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double p : {0.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    EXPECT_EQ(merged.percentile(p), all.percentile(p)) << p;
    expect_close(merged.percentile(p), exact_percentile(samples, p), "merged");
  }
}

TEST(LoadgenHistogram, MergeOfDisjointRanges) {
  // Thread A saw only fast requests, thread B only slow ones: the merged p50 sits between them.
  Histogram a, b;
  for (int i = 0; i < 900; ++i) a.record(1000);
  for (int i = 0; i < 100; ++i) b.record(500000);
  a.merge(b);
  expect_close(a.percentile(50), 1000, "p50");
  expect_close(a.percentile(90), 1000, "p90");
  EXPECT_EQ(a.percentile(91), 500000u);  // the top bucket: clamped to the max
  EXPECT_EQ(a.percentile(99), 500000u);
  EXPECT_EQ(a.min(), 1000u);
  EXPECT_EQ(a.max(), 500000u);
}

TEST(LoadgenHistogram, ResetEmpties) {
  Histogram h;
  h.record(5, 10);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  h.record(7);
  EXPECT_EQ(h.min(), 7u);
}
