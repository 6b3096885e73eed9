#include "orderflow/text.hpp"

#include <cstdint>

namespace orderflow::text {

namespace {

// The valid UTF-8 sequence starting at p (end exclusive): its length in bytes, and its code point in
// `cp`; 0 when none starts there (a bad lead or continuation byte, truncated, overlong, a surrogate,
// beyond U+10FFFF).
int decode(const unsigned char* p, const unsigned char* end, uint32_t& cp) {
  const unsigned char c = *p;
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  // Lead byte: how many continuation bytes, and the least code point that length may encode
  // (anything less is an overlong form).
  int extra = 0;
  uint32_t least = 0;
  if ((c & 0xe0) == 0xc0) {
    extra = 1, cp = c & 0x1f, least = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    extra = 2, cp = c & 0x0f, least = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    extra = 3, cp = c & 0x07, least = 0x10000;
  } else {
    return 0;
  }
  if (end - p <= extra) return 0;
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return extra + 1;
}

}  // namespace

std::optional<std::string_view> problem(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint32_t cp = 0;
    const int n = decode(p, end, cp);
    if (n == 0) return "is not valid UTF-8";
    if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) return "contains a control character";
    p += n;
  }
  return std::nullopt;
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    uint32_t cp = 0;
    const int n = decode(p, end, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
      p += n;
    }
  }
  return out;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

}  // namespace orderflow::text
