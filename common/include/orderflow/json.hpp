#pragma once
// Small helpers around RapidJSON: parse with an error message, serialize, and a writer that builds
// objects without the boilerplate.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace orderflow::json {

// Parses `text`; on failure returns nullopt and sets `error` to a human-readable reason with offset.
std::optional<rapidjson::Document> parse(std::string_view text, std::string* error = nullptr);
std::string to_string(const rapidjson::Value& value);

// Reads a member of the given type, or nullopt when missing or of another type.
std::optional<std::string_view> get_string(const rapidjson::Value& obj, const char* name);
std::optional<int64_t> get_int(const rapidjson::Value& obj, const char* name);

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
inline void put(Writer& w, const char* key, std::string_view value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
inline void put(Writer& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}
// The first member name or string in `v` that is not acceptable text (text::problem: invalid UTF-8, a
// control character): the field as a client names it ("lines[1].sku"; "" for `v` itself) and why. Run
// before a schema, whose lengths skip strings they cannot count and whose patterns expect text.
std::optional<std::pair<std::string, std::string_view>> first_bad_text(const rapidjson::Value& v);

// {"error": {"code": code, "message": message, "field": field}} — the api's one error shape.
std::string error_body(std::string_view code, std::string_view message, std::string_view field = {});

}  // namespace orderflow::json
