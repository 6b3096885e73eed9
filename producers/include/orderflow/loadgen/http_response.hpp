#pragma once
// An incremental HTTP/1.1 response parser for the load generator's non-blocking connections: feed it
// the bytes as they arrive, it says when one whole response is in (Content-Length or chunked bodies,
// or a body up to the end of the connection), and keeps bytes past it for the next response.
// Also: the tolerant extraction of one string member from our api's flat JSON answers.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace orderflow::loadgen {

class ResponseParser {
 public:
  enum class Result { incomplete, complete, error };

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
  // The server said `Connection: close` (or answered with HTTP/1.0 without keep-alive).
  bool close_after() const { return close_; }
  const std::string& error() const { return error_; }

 private:
  Result parse();
  Result parse_chunks();

  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ that belong to responses already returned
  bool have_head_ = false;
  int status_ = 0;
  bool close_ = false;
  bool chunked_ = false;
  bool until_close_ = false;
  size_t content_length_ = 0;
  size_t body_start_ = 0;
  size_t chunk_pos_ = 0;  // chunked: where the next chunk-size line starts
  std::string body_;
  std::string error_;
  bool done_ = false;
};

// The string value of the top-level member `name` of a flat JSON object, whitespace-tolerant
// ("status" : "CONFIRMED" as PostgreSQL's json functions write it, too). Escapes are not decoded:
// the values we read (uuids, status words) have none.
std::optional<std::string_view> json_string_member(std::string_view json, std::string_view name);

}  // namespace orderflow::loadgen
