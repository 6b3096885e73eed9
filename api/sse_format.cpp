#include "sse_format.hpp"

#include <fmt/format.h>

namespace orderflow::api::sse {

std::string event(std::string_view id, std::string_view type, std::string_view data) {
  std::string out = fmt::format("id: {}\nevent: {}\n", id, type);
  size_t start = 0;
  for (;;) {
    const size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + ((data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n') ? 2 : 1);
  }
  out += '\n';
  return out;
}

std::string comment(std::string_view text) {
  return fmt::format(": {}\n\n", text);
}

std::string retry(int milliseconds) {
  return fmt::format("retry: {}\n\n", milliseconds);
}

std::string chunk(std::string_view bytes) {
  return fmt::format("{:x}\r\n{}\r\n", bytes.size(), bytes);
}

}  // namespace orderflow::api::sse
