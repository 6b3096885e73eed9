#pragma once
// An incremental HTTP/1.1 response parser, shared by the blocking http::Client and the load generator's
// non-blocking connections: feed it the bytes as they arrive, it says when one whole response is in
// (Content-Length or chunked bodies, or a body up to the end of the connection), and keeps bytes past it
// for the next response.
//
// The load generator parses ~50k responses/s with it, so the hot path does not allocate once warm: the
// header fields are kept as offsets into the parser's own buffer (names lowercased in place), in a
// vector whose capacity is reused from one response to the next.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderflow::http {

class ResponseParser {
 public:
  enum class Result { incomplete, complete, error };

  struct Header {
    std::string_view name;   // lowercased
    std::string_view value;  // without the surrounding blanks
  };

  // Appends bytes and tries to complete the current response.
  Result feed(std::string_view bytes);
  // The peer closed the connection: completes a body that runs to the end of the connection.
  Result finish();
  // Forgets the completed response; bytes already received past it stay for the next one.
  void next();
  // Drops everything (a new connection).
  void clear();

  int status() const { return status_; }
  const std::string& body() const { return body_; }
  // Moves the body out (for a caller that keeps it; the parser's next body then allocates anew).
  std::string take_body() { return std::move(body_); }
  // The server said `Connection: close` (or answered with HTTP/1.0 without keep-alive, or with a body
  // that runs to the end of the connection).
  bool close_after() const { return close_; }
  const std::string& error() const { return error_; }

  // The header fields of the current response, in order, once its head is in (status() != 0). The
  // views point into the parser's buffer: they hold until the next call of feed(), next() or clear().
  size_t header_count() const { return headers_.size(); }
  Header header_at(size_t i) const;
  // The value of the last field named `lowercase_name`, if any (same lifetime as header_at()).
  std::optional<std::string_view> header(std::string_view lowercase_name) const;

 private:
  struct Field {  // offsets into buffer_
    uint32_t name_pos, name_len, value_pos, value_len;
  };

  Result parse();
  Result parse_chunks();

  std::string buffer_;
  size_t consumed_ = 0;   // bytes of buffer_ that belong to responses already returned
  size_t head_scan_ = 0;  // where to resume looking for the end of the head
  bool have_head_ = false;
  int status_ = 0;
  bool close_ = false;
  bool chunked_ = false;
  bool until_close_ = false;
  size_t content_length_ = 0;
  size_t body_start_ = 0;
  size_t chunk_pos_ = 0;  // chunked: where the next chunk-size line starts
  std::vector<Field> headers_;
  std::string body_;
  std::string error_;
  bool done_ = false;
};

}  // namespace orderflow::http
