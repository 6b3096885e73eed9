#include "orderflow/loadgen/http_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace orderflow::loadgen {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
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
  have_head_ = false;
  status_ = 0;
  close_ = false;
  chunked_ = false;
  until_close_ = false;
  content_length_ = 0;
  body_start_ = 0;
  chunk_pos_ = 0;
  body_.clear();
  error_.clear();
  done_ = false;
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
    const size_t end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buffer_.size() > 64 * 1024) {
        error_ = "response head over 64 KiB";
        return Result::error;
      }
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
    status_ = status;
    bool have_length = false;
    bool keep_alive = false;
    while (line_end != std::string_view::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string_view line =
          head.substr(start, line_end == std::string_view::npos ? head.size() - start : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = trim(line.substr(0, colon));
      const std::string_view value = trim(line.substr(colon + 1));
      if (iequals(name, "content-length")) {
        size_t n = 0;
        if (std::from_chars(value.data(), value.data() + value.size(), n).ec != std::errc()) {
          error_ = "bad Content-Length";
          return Result::error;
        }
        content_length_ = n;
        have_length = true;
      } else if (iequals(name, "transfer-encoding")) {
        chunked_ = contains_token(value, "chunked");
      } else if (iequals(name, "connection")) {
        if (contains_token(value, "close")) close_ = true;
        if (contains_token(value, "keep-alive")) keep_alive = true;
      }
    }
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
    if (buffer_.size() < data + size + 2) return Result::incomplete;
    body_.append(buffer_, data, size);
    chunk_pos_ = data + size + 2;
  }
}

std::optional<std::string_view> json_string_member(std::string_view json, std::string_view name) {
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
