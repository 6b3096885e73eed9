#pragma once
// A small blocking HTTP/1.1 client with keep-alive, for the tests and the load generator. It sends
// `Connection: keep-alive` on every request: Pistache 0.0.5 closes the connection otherwise. Responses
// are read with the shared ResponseParser (Content-Length, chunked, or a body up to the end of the
// connection).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderflow/http_response_parser.hpp"

namespace orderflow::http {

struct Response {
  int status = 0;  // 0 when no response arrived (connection refused, reset, timed out)
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
  std::string error;  // why status is 0
  std::string header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  Client(std::string host, uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&& other) noexcept;

  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   const std::vector<std::pair<std::string, std::string>>& headers = {});
  Response get(std::string_view target) { return request("GET", target); }
  // Sent on every request unless the request names the same header (e.g. an API key's Authorization).
  void set_default_header(std::string name, std::string value);
  // POST with Content-Type: application/json.
  Response post_json(std::string_view target, std::string_view body,
                     std::vector<std::pair<std::string, std::string>> headers = {});

 private:
  bool connect_socket(std::string& error);
  void close_socket();
  Response take_response();  // the parser's completed response

  std::string host_;
  uint16_t port_;
  std::chrono::milliseconds timeout_;
  std::vector<std::pair<std::string, std::string>> default_headers_;
  int fd_ = -1;
  ResponseParser parser_;  // also keeps bytes read past the previous response
};

}  // namespace orderflow::http
