#pragma once
// Files compiled into the binary at build time (schemas/, infra/migrations/), by repository path.
#include <string_view>
#include <utility>
#include <vector>

namespace orderflow {
// Content of an embedded file, e.g. resource("schemas/topics.json"); throws if absent.
std::string_view resource(std::string_view path);
// All embedded files whose path starts with `prefix`, sorted by path.
std::vector<std::pair<std::string_view, std::string_view>> resources_under(std::string_view prefix);
}  // namespace orderflow
