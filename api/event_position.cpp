#include "event_position.hpp"

#include <charconv>

namespace orderflow::api {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(separator, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::optional<int64_t> parse_offset(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

std::string EventPosition::to_string() const {
  std::string out;
  for (size_t t = 0; t < next_offsets.size(); ++t) {
    if (t > 0) out += '/';
    for (size_t p = 0; p < next_offsets[t].size(); ++p) {
      if (p > 0) out += ',';
      out += std::to_string(next_offsets[t][p]);
    }
  }
  return out;
}

EventPosition EventPosition::uniform(const std::vector<int32_t>& partitions, int64_t offset) {
  EventPosition position;
  for (const auto count : partitions) position.next_offsets.emplace_back(static_cast<size_t>(count), offset);
  return position;
}

std::optional<EventPosition> EventPosition::parse(std::string_view text,
                                                  const std::vector<int32_t>& partitions) {
  auto position = uniform(partitions, 0);
  if (text.size() > 4096) return std::nullopt;
  const auto topics = split(text, '/');
  if (topics.size() > partitions.size()) return std::nullopt;
  for (size_t t = 0; t < topics.size(); ++t) {
    const auto offsets = split(topics[t], ',');
    if (offsets.size() > static_cast<size_t>(partitions[t])) return std::nullopt;
    for (size_t p = 0; p < offsets.size(); ++p) {
      const auto offset = parse_offset(offsets[p]);
      if (!offset) return std::nullopt;
      position.next_offsets[t][p] = *offset;
    }
  }
  return position;
}

}  // namespace orderflow::api
