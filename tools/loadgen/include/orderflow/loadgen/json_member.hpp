#pragma once
// The tolerant extraction of one string member from our api's flat JSON answers, on the load
// generator's hot path (no parse into a document).
#include <cctype>
#include <optional>
#include <string_view>

namespace orderflow::loadgen {

// The string value of the top-level member `name` of a flat JSON object, whitespace-tolerant
// ("status" : "CONFIRMED" as PostgreSQL's json functions write it, too). Escapes are not decoded:
// the values we read (uuids, status words) have none.
inline std::optional<std::string_view> json_string_member(std::string_view json, std::string_view name) {
  size_t pos = 0;
  for (;;) {
    pos = json.find(name, pos);
    if (pos == std::string_view::npos) return std::nullopt;
    const bool quoted =
        pos > 0 && json[pos - 1] == '"' && pos + name.size() < json.size() && json[pos + name.size()] == '"';
    size_t i = pos + name.size() + 1;
    pos += name.size();
    if (!quoted) continue;
    while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
    if (i >= json.size() || json[i] != ':') continue;
    ++i;
    while (i < json.size() && std::isspace(static_cast<unsigned char>(json[i]))) ++i;
    if (i >= json.size() || json[i] != '"') return std::nullopt;  // not a string
    const size_t start = i + 1;
    const size_t end = json.find('"', start);
    if (end == std::string_view::npos) return std::nullopt;
    return json.substr(start, end - start);
  }
}

}  // namespace orderflow::loadgen
