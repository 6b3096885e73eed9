#include "orderflow/http_response_parser.hpp"

#include <algorithm>
#include <charconv>

namespace orderflow::http {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && (blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view value, std::string_view token) {
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    if (iequals(trim(value.substr(pos, end - pos)), token)) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

void ResponseParser::clear() {
  buffer_.clear();
  consumed_ = 0;
  next();
}

void ResponseParser::next() {
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  head_scan_ = 0;
  have_head_ = false;
  status_ = 0;
  close_ = false;
  chunked_ = false;
  until_close_ = false;
  content_length_ = 0;
  body_start_ = 0;
  chunk_pos_ = 0;
  headers_.clear();  // keeps its capacity
  body_.clear();
  error_.clear();
  done_ = false;
}

ResponseParser::Header ResponseParser::header_at(size_t i) const {
  const Field& f = headers_[i];
  return {std::string_view(buffer_.data() + f.name_pos, f.name_len),
          std::string_view(buffer_.data() + f.value_pos, f.value_len)};
}

std::optional<std::string_view> ResponseParser::header(std::string_view lowercase_name) const {
  for (size_t i = headers_.size(); i-- > 0;) {
    const Header h = header_at(i);
    if (h.name == lowercase_name) return h.value;
  }
  return std::nullopt;
}

ResponseParser::Result ResponseParser::feed(std::string_view bytes) {
  buffer_.append(bytes);
  if (done_) return Result::complete;
  return parse();
}

ResponseParser::Result ResponseParser::finish() {
  if (done_) return Result::complete;
  if (have_head_ && until_close_) {
    body_.assign(buffer_, body_start_);
    consumed_ = buffer_.size();
    done_ = true;
    return Result::complete;
  }
  error_ = have_head_ || !buffer_.empty() ? "connection closed in the middle of a response"
                                          : "connection closed before a response";
  return Result::error;
}

ResponseParser::Result ResponseParser::parse() {
  if (!have_head_) {
    const size_t end = buffer_.find("\r\n\r\n", head_scan_);
    if (end == std::string::npos) {
      if (buffer_.size() > 64 * 1024) {
        error_ = "response head over 64 KiB";
        return Result::error;
      }
      head_scan_ = buffer_.size() < 3 ? 0 : buffer_.size() - 3;
      return Result::incomplete;
    }
    const std::string_view head(buffer_.data(), end);
    size_t line_end = head.find("\r\n");
    const std::string_view status_line = head.substr(0, line_end);
    // HTTP/1.x NNN reason
    if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
      error_ = "not an HTTP response";
      return Result::error;
    }
    const bool http10 = status_line.substr(0, 8) == "HTTP/1.0";
    const size_t sp = status_line.find(' ');
    int status = 0;
    if (sp == std::string_view::npos ||
        std::from_chars(status_line.data() + sp + 1,
                        status_line.data() + std::min(sp + 4, status_line.size()), status)
                .ec != std::errc() ||
        status < 100 || status > 999) {
      error_ = "bad status line";
      return Result::error;
    }
    bool have_length = false;
    bool keep_alive = false;
    headers_.clear();
    while (line_end != std::string_view::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line =
          head.substr(start, line_end == std::string_view::npos ? head.size() - start : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = trim(line.substr(0, colon));
      const std::string_view value = trim(line.substr(colon + 1));
      // Lowercase the name where it lies: the views handed out, and the comparisons below, use it.
      char* const name_at = buffer_.data() + (name.data() - buffer_.data());
      std::transform(name_at, name_at + name.size(), name_at, lower);
      headers_.push_back(
          {static_cast<uint32_t>(name.data() - buffer_.data()), static_cast<uint32_t>(name.size()),
           static_cast<uint32_t>(value.data() - buffer_.data()), static_cast<uint32_t>(value.size())});
      if (name == "content-length") {
        size_t n = 0;
        if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc()) {
          error_ = "bad Content-Length";
          return Result::error;
        }
        content_length_ = n;
        have_length = true;
      } else if (name == "transfer-encoding") {
        chunked_ = contains_token(value, "chunked");
      } else if (name == "connection") {
        if (contains_token(value, "close")) close_ = true;
        if (contains_token(value, "keep-alive")) keep_alive = true;
      }
    }
    status_ = status;
    if (http10 && !keep_alive) close_ = true;
    have_head_ = true;
    body_start_ = end + 4;
    chunk_pos_ = body_start_;
    const bool no_body = status_ < 200 || status_ == 204 || status_ == 304;
    if (no_body) {
      content_length_ = 0;
      chunked_ = false;
    } else if (!chunked_ && !have_length) {
      until_close_ = true;
      close_ = true;
    }
  }
  if (chunked_) return parse_chunks();
  if (until_close_) return Result::incomplete;
  if (buffer_.size() - body_start_ < content_length_) return Result::incomplete;
  body_.assign(buffer_, body_start_, content_length_);
  consumed_ = body_start_ + content_length_;
  done_ = true;
  return Result::complete;
}

ResponseParser::Result ResponseParser::parse_chunks() {
  for (;;) {
    const size_t line_end = buffer_.find("\r\n", chunk_pos_);
    if (line_end == std::string::npos) return Result::incomplete;
    std::string_view size_text(buffer_.data() + chunk_pos_, line_end - chunk_pos_);
    if (const size_t semi = size_text.find(';'); semi != std::string_view::npos)
      size_text = size_text.substr(0, semi);
    size_text = trim(size_text);
    size_t size = 0;
    if (size_text.empty() ||
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16).ec != std::errc()) {
      error_ = "bad chunk size";
      return Result::error;
    }
    if (size == 0) {
      // Trailers (usually none), then an empty line.
      size_t pos = line_end + 2;
      for (;;) {
        const size_t e = buffer_.find("\r\n", pos);
        if (e == std::string::npos) return Result::incomplete;
        if (e == pos) {
          consumed_ = e + 2;
          done_ = true;
          return Result::complete;
        }
        pos = e + 2;
      }
    }
    const size_t data = line_end + 2;
    if (buffer_.size() - data < 2 || buffer_.size() - data - 2 < size) return Result::incomplete;
    body_.append(buffer_, data, size);
    chunk_pos_ = data + size + 2;
  }
}

}  // namespace orderflow::http
