// The storefront mix and the SKU skew: proportions of kinds, parsing of --mix, and the hot-SKU /
// Zipf distributions over the catalog.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "orderflow/loadgen/catalog.hpp"
#include "orderflow/loadgen/mix.hpp"

using namespace orderflow::loadgen;

namespace {

// n uniform draws in [0, 1): a fixed sequence, so a test is deterministic.
template <typename F>
void draw(int n, F&& f) {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < n; ++i) f(u(rng));
}

// Binomial: k of n within 5 standard deviations of n*p (a false alarm ~1 in 3 million).
void expect_proportion(uint64_t k, uint64_t n, double p, const std::string& what) {
  const double mean = static_cast<double>(n) * p;
  const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
  EXPECT_NEAR(static_cast<double>(k), mean, std::max(5 * sd, 1.0)) << what;
}

}  // namespace

TEST(LoadgenMix, ProportionsFollowTheWeights) {
  const Mix mix({20, 5, 60, 10, 5});
  std::map<Kind, uint64_t> counts;
  const int n = 1000000;
  draw(n, [&](double u) { ++counts[mix.pick(u)]; });
  expect_proportion(counts[Kind::cart_add], n, 0.20, "cart_add");
  expect_proportion(counts[Kind::checkout], n, 0.05, "checkout");
  expect_proportion(counts[Kind::order], n, 0.60, "order");
  expect_proportion(counts[Kind::status], n, 0.10, "status");
  expect_proportion(counts[Kind::cancel], n, 0.05, "cancel");
  EXPECT_EQ(counts[Kind::follow], 0u);
  EXPECT_DOUBLE_EQ(mix.share(Kind::order), 0.6);
}

TEST(LoadgenMix, ZeroWeightKindsAreNeverPicked) {
  const Mix mix = Mix::parse("order=1");
  for (double u : {0.0, 0.3, 0.999999, 1.0}) EXPECT_EQ(mix.pick(u), Kind::order) << u;
  const Mix two = Mix::parse("status=1,cancel=3");
  std::map<Kind, uint64_t> counts;
  draw(100000, [&](double u) { ++counts[two.pick(u)]; });
  EXPECT_EQ(counts.size(), 2u);
  expect_proportion(counts[Kind::cancel], 100000, 0.75, "cancel");
  EXPECT_EQ(two.pick(0.0), Kind::status);
}

TEST(LoadgenMix, ParsesAndPrintsTheSpec) {
  const Mix mix = Mix::parse("order=60, cart_add=20,checkout=10,status=8,cancel=2");
  EXPECT_NEAR(mix.share(Kind::status), 0.08, 1e-12);
  EXPECT_EQ(mix.to_string(), "cart_add=20,checkout=10,order=60,status=8,cancel=2");
  EXPECT_EQ(Mix::parse("order=0.5,status=0.5").to_string(), "order=0.5,status=0.5");
}

TEST(LoadgenMix, RejectsBadSpecs) {
  EXPECT_THROW(Mix::parse("orders=1"), std::invalid_argument);
  EXPECT_THROW(Mix::parse("order"), std::invalid_argument);
  EXPECT_THROW(Mix::parse("order=-1"), std::invalid_argument);
  EXPECT_THROW(Mix::parse("order=x"), std::invalid_argument);
  EXPECT_THROW(Mix::parse("order=0"), std::invalid_argument);
  EXPECT_THROW(Mix::parse(""), std::invalid_argument);
}

TEST(LoadgenSkew, HotSetGetsItsShare) {
  // 100 SKUs, the first 20 hot with 80 % of picks: each hot SKU 4 %, each other 0.25 %.
  const auto picker = SkuPicker::hot_set(100, 20, 0.8);
  EXPECT_NEAR(picker.probability(0), 0.04, 1e-12);
  EXPECT_NEAR(picker.probability(19), 0.04, 1e-12);
  EXPECT_NEAR(picker.probability(20), 0.0025, 1e-12);
  std::vector<uint64_t> counts(100);
  const int n = 1000000;
  draw(n, [&](double u) { ++counts[picker.pick(u)]; });
  uint64_t hot = 0;
  for (size_t i = 0; i < 20; ++i) hot += counts[i];
  expect_proportion(hot, n, 0.8, "hot share");
  for (size_t i = 0; i < 100; ++i) {
    expect_proportion(counts[i], n, i < 20 ? 0.04 : 0.0025, "sku " + std::to_string(i));
  }
}

TEST(LoadgenSkew, UniformAndDegenerateCases) {
  const auto u = SkuPicker::uniform(10);
  std::vector<uint64_t> counts(10);
  draw(100000, [&](double x) { ++counts[u.pick(x)]; });
  for (auto c : counts) expect_proportion(c, 100000, 0.1, "uniform");
  EXPECT_EQ(u.pick(0.0), 0u);
  EXPECT_EQ(u.pick(1.0), 9u);  // never past the end
  EXPECT_EQ(SkuPicker::hot_set(1, 5, 0.8).size(), 1u);
  EXPECT_EQ(SkuPicker::hot_set(1, 5, 0.8).pick(0.5), 0u);
  EXPECT_EQ(SkuPicker::hot_set(5, 5, 0.9).description(), "uniform");  // all hot = uniform
  EXPECT_THROW(SkuPicker::hot_set(0, 1, 0.5), std::invalid_argument);
  EXPECT_THROW(SkuPicker::hot_set(10, 1, 1.5), std::invalid_argument);
}

TEST(LoadgenSkew, ZipfRanksFollowThePowerLaw) {
  // s = 1: P(rank 1) / P(rank 2) = 2, P(rank 1) / P(rank 10) = 10.
  const auto z = SkuPicker::zipf(100, 1.0);
  EXPECT_NEAR(z.probability(0) / z.probability(1), 2.0, 1e-9);
  EXPECT_NEAR(z.probability(0) / z.probability(9), 10.0, 1e-9);
  double harmonic = 0;
  for (int i = 1; i <= 100; ++i) harmonic += 1.0 / i;
  std::vector<uint64_t> counts(100);
  const int n = 1000000;
  draw(n, [&](double u) { ++counts[z.pick(u)]; });
  expect_proportion(counts[0], n, 1.0 / harmonic, "rank 1");
  expect_proportion(counts[1], n, 0.5 / harmonic, "rank 2");
  expect_proportion(counts[99], n, 0.01 / harmonic, "rank 100");
  // s = 0 is uniform.
  EXPECT_NEAR(SkuPicker::zipf(4, 0).probability(3), 0.25, 1e-12);
}

TEST(LoadgenCatalog, SplitsSkuLists) {
  EXPECT_EQ(split_skus("A, B,,C "), (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_TRUE(split_skus("").empty());
  EXPECT_EQ(split_skus("ONE"), (std::vector<std::string>{"ONE"}));
}
