#include "orderflow/resources.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace orderflow {
namespace detail {
extern const std::pair<std::string_view, std::string_view> kResources[];
extern const unsigned kResourceCount;
}  // namespace detail

std::string_view resource(std::string_view path) {
  for (unsigned i = 0; i < detail::kResourceCount; ++i) {
    if (detail::kResources[i].first == path) return detail::kResources[i].second;
  }
  throw std::out_of_range("no embedded resource " + std::string(path));
}

std::vector<std::pair<std::string_view, std::string_view>> resources_under(std::string_view prefix) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (unsigned i = 0; i < detail::kResourceCount; ++i) {
    if (detail::kResources[i].first.starts_with(prefix)) out.push_back(detail::kResources[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace orderflow
