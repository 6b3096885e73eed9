#pragma once
// Text as every edge accepts it: valid UTF-8 (PostgreSQL refuses anything else, inside a batch) and
// free of control characters (C0, DEL, C1), which no field of ours has a use for.
#include <optional>
#include <string>
#include <string_view>

namespace orderflow::text {

// Why `s` is not acceptable text ("is not valid UTF-8", "contains a control character"), or nullopt.
std::optional<std::string_view> problem(std::string_view s);
// Code points in valid UTF-8 `s` (what a JSON Schema maxLength counts).
size_t code_points(std::string_view s);
// `s` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD, so bytes of unknown
// origin (a dead letter) can be shown as JSON text.
std::string replace_invalid_utf8(std::string_view s);
// Any bytes as lower-case hex digits, two per byte (what PostgreSQL's decode(x, 'hex') reads back).
std::string hex(std::string_view bytes);

}  // namespace orderflow::text
