#include "orderflow/loadgen/mix.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace orderflow::loadgen {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::cart_add:
      return "cart_add";
    case Kind::checkout:
      return "checkout";
    case Kind::order:
      return "order";
    case Kind::status:
      return "status";
    case Kind::cancel:
      return "cancel";
    case Kind::follow:
      return "follow";
  }
  return "?";
}

Mix::Mix(const std::array<double, kMixKinds>& weights) : weights_(weights) {
  double total = 0;
  for (double w : weights) {
    if (!(w >= 0) || !std::isfinite(w)) throw std::invalid_argument("mix weights must be finite and >= 0");
    total += w;
  }
  if (total <= 0) throw std::invalid_argument("the mix needs at least one kind with a weight > 0");
  double run = 0;
  for (size_t i = 0; i < kMixKinds; ++i) {
    run += weights[i];
    cumulative_[i] = run / total;
  }
  cumulative_[kMixKinds - 1] = 1.0;
}

Mix Mix::parse(std::string_view spec) {
  std::array<double, kMixKinds> weights{};
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string_view::npos) end = spec.size();
    std::string_view part = spec.substr(pos, end - pos);
    pos = end + 1;
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      throw std::invalid_argument(fmt::format("mix: '{}' is not kind=weight", part));
    const std::string_view name = part.substr(0, eq);
    const std::string value(part.substr(eq + 1));
    size_t k = kMixKinds;
    for (size_t i = 0; i < kMixKinds; ++i) {
      if (name == kind_name(static_cast<Kind>(i))) k = i;
    }
    if (k == kMixKinds) {
      throw std::invalid_argument(
          fmt::format("mix: unknown kind '{}' (kinds: cart_add, checkout, order, status, cancel)", name));
    }
    char* parsed_end = nullptr;
    const double w = std::strtod(value.c_str(), &parsed_end);
    if (value.empty() || parsed_end != value.c_str() + value.size() || !(w >= 0) || !std::isfinite(w)) {
      throw std::invalid_argument(
          fmt::format("mix: weight of {} must be a number >= 0, not '{}'", name, value));
    }
    weights[k] = w;
  }
  return Mix(weights);
}

Kind Mix::pick(double u) const {
  for (size_t i = 0; i < kMixKinds; ++i) {
    if (u < cumulative_[i]) return static_cast<Kind>(i);
  }
  // u == 1 (or rounding): the last kind with a weight.
  for (size_t i = kMixKinds; i-- > 0;) {
    if (weights_[i] > 0) return static_cast<Kind>(i);
  }
  return Kind::order;
}

double Mix::share(Kind kind) const {
  const size_t i = index(kind);
  if (i >= kMixKinds) return 0;
  return cumulative_[i] - (i == 0 ? 0.0 : cumulative_[i - 1]);
}

std::string Mix::to_string() const {
  std::string out;
  for (size_t i = 0; i < kMixKinds; ++i) {
    if (weights_[i] <= 0) continue;
    if (!out.empty()) out += ',';
    out += fmt::format("{}={:g}", kind_name(static_cast<Kind>(i)), weights_[i]);
  }
  return out;
}

SkuPicker::SkuPicker(std::vector<double> weights, std::string description)
    : description_(std::move(description)) {
  if (weights.empty()) throw std::invalid_argument("the catalog is empty");
  double total = 0;
  for (double w : weights) total += w;
  cdf_.resize(weights.size());
  double run = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    run += weights[i];
    cdf_[i] = run / total;
  }
  cdf_.back() = 1.0;
}

SkuPicker SkuPicker::uniform(size_t n) {
  return SkuPicker(std::vector<double>(n, 1.0), "uniform");
}

SkuPicker SkuPicker::hot_set(size_t n, size_t hot, double hot_share) {
  if (n == 0) throw std::invalid_argument("the catalog is empty");
  if (!(hot_share >= 0 && hot_share <= 1)) throw std::invalid_argument("hot share must be in [0, 1]");
  hot = std::clamp<size_t>(hot, 1, n);
  if (hot == n) return SkuPicker(std::vector<double>(n, 1.0), "uniform");
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) {
    w[i] = i < hot ? hot_share / static_cast<double>(hot) : (1 - hot_share) / static_cast<double>(n - hot);
  }
  return SkuPicker(std::move(w),
                   fmt::format("{} hot SKU(s) of {} get {:g} % of picks", hot, n, hot_share * 100));
}

SkuPicker SkuPicker::zipf(size_t n, double s) {
  if (!(s >= 0) || !std::isfinite(s)) throw std::invalid_argument("zipf exponent must be >= 0");
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::pow(static_cast<double>(i + 1), s);
  return SkuPicker(std::move(w), fmt::format("zipf s={:g} over {} SKU(s)", s, n));
}

size_t SkuPicker::pick(double u) const {
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  return it == cdf_.end() ? cdf_.size() - 1 : static_cast<size_t>(it - cdf_.begin());
}

double SkuPicker::probability(size_t i) const {
  if (i >= cdf_.size()) return 0;
  return cdf_[i] - (i == 0 ? 0.0 : cdf_[i - 1]);
}

}  // namespace orderflow::loadgen
