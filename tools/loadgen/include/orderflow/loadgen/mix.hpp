#pragma once
// What the simulated storefront does: the kinds of request, their weighted mix, and which SKU a
// request touches (a catalog where a few "hot" SKUs get most of the traffic, as in a real shop).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orderflow::loadgen {

// The kinds the mix draws from, then `follow` (the ?wait reads of --follow, not part of the mix).
enum class Kind : uint8_t { cart_add, checkout, order, status, cancel, follow };
inline constexpr size_t kMixKinds = 5;
inline constexpr size_t kKinds = 6;
const char* kind_name(Kind kind);
inline size_t index(Kind kind) {
  return static_cast<size_t>(kind);
}

class Mix {
 public:
  // Weights of cart_add, checkout, order, status, cancel (any scale, >= 0, not all 0).
  explicit Mix(const std::array<double, kMixKinds>& weights);
  // "order=60,cart_add=20,checkout=10,status=8,cancel=2": kinds not named get 0. Throws
  // std::invalid_argument naming the bad part.
  static Mix parse(std::string_view spec);
  // The kind for a uniform draw u in [0, 1).
  Kind pick(double u) const;
  // The fraction of draws that give `kind`.
  double share(Kind kind) const;
  std::string to_string() const;

 private:
  std::array<double, kMixKinds> weights_{};
  std::array<double, kMixKinds> cumulative_{};  // normalized, the last one 1
};

// A discrete distribution over catalog positions 0..n-1, drawn by inverse CDF (binary search).
class SkuPicker {
 public:
  // Every SKU equally likely.
  static SkuPicker uniform(size_t n);
  // The first `hot` SKUs share `hot_share` of the draws evenly, the others the rest evenly
  // (hot = 20 % of the catalog with hot_share 0.8 is the 80/20 rule). hot is clamped to [1, n].
  static SkuPicker hot_set(size_t n, size_t hot, double hot_share);
  // P(rank i) proportional to 1 / (i + 1)^s (s = 0 is uniform; s ~ 1 is the classic long tail).
  static SkuPicker zipf(size_t n, double s);

  size_t pick(double u) const;
  double probability(size_t i) const;
  size_t size() const { return cdf_.size(); }
  const std::string& description() const { return description_; }

 private:
  explicit SkuPicker(std::vector<double> weights, std::string description);
  std::vector<double> cdf_;
  std::string description_;
};

}  // namespace orderflow::loadgen
