#include "orderflow/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace orderflow::http {

Client::Client(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

Client::~Client() {
  close_socket();
}

Client::Client(Client&& other) noexcept
    : host_(std::move(other.host_)),
      port_(other.port_),
      timeout_(other.timeout_),
      default_headers_(std::move(other.default_headers_)),
      fd_(other.fd_),
      parser_(std::move(other.parser_)) {
  other.fd_ = -1;
}

void Client::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  parser_.clear();
}

Response Client::take_response() {
  Response r;
  r.status = parser_.status();
  for (size_t i = 0; i < parser_.header_count(); ++i) {
    const auto h = parser_.header_at(i);
    r.headers[std::string(h.name)] = std::string(h.value);  // a repeated field: the last one
  }
  r.body = parser_.take_body();
  const bool close = parser_.close_after();
  parser_.next();
  if (close) close_socket();
  return r;
}

bool Client::connect_socket(std::string& error) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    error = std::strerror(errno);
    return false;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_ == "localhost" ? "127.0.0.1" : host_.c_str(), &addr.sin_addr) != 1) {
    error = "bad address " + host_;
    close_socket();
    return false;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = std::string("connect: ") + std::strerror(errno);
    close_socket();
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

Response Client::post_json(std::string_view target, std::string_view body,
                           std::vector<std::pair<std::string, std::string>> headers) {
  headers.emplace_back("Content-Type", "application/json");
  return request("POST", target, body, headers);
}

void Client::set_default_header(std::string name, std::string value) {
  for (auto& [k, v] : default_headers_) {
    if (::strcasecmp(k.c_str(), name.c_str()) == 0) {
      v = std::move(value);
      return;
    }
  }
  default_headers_.emplace_back(std::move(name), std::move(value));
}

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         const std::vector<std::pair<std::string, std::string>>& headers) {
  Response r;
  std::string req;
  req.reserve(256 + body.size());
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_);
  req.append("\r\nConnection: keep-alive\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  for (const auto& [k, v] : default_headers_) {
    const bool named = std::any_of(headers.begin(), headers.end(), [&name = k](const auto& h) {
      return ::strcasecmp(h.first.c_str(), name.c_str()) == 0;
    });
    if (!named) req.append(k).append(": ").append(v).append("\r\n");
  }
  req.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);

  // A kept-alive connection may have been closed by the server since: one fresh retry, only when
  // nothing of the response arrived.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !connect_socket(r.error)) return r;
    size_t off = 0;
    while (off < req.size()) {
      const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    if (off == 0) {  // nothing went out: the kept-alive connection was gone
      close_socket();
      continue;
    }
    // A server may answer (e.g. 413) and stop reading before the whole request is sent: read anyway.
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    bool got_any = false;
    // Bytes read past the previous response may hold (the start of) this one.
    auto result = parser_.feed({});
    for (;;) {
      if (result == ResponseParser::Result::complete) return take_response();
      if (result == ResponseParser::Result::error) {
        r = Response{};
        r.error = parser_.error();
        close_socket();
        return r;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        r = Response{};
        r.error = "timed out";
        close_socket();
        return r;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0 && parser_.finish() == ResponseParser::Result::complete) {
        r = take_response();  // a body that ran to the end of the connection
        close_socket();
        return r;
      }
      if (n <= 0) {
        close_socket();
        if (!got_any && attempt == 0) break;  // stale keep-alive connection: retry once
        r = Response{};
        r.error = "connection closed before the response was complete";
        return r;
      }
      got_any = true;
      result = parser_.feed(std::string_view(chunk, static_cast<size_t>(n)));
    }
  }
  r = Response{};
  r.error = "could not send the request";
  return r;
}

}  // namespace orderflow::http
