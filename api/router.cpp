#include "router.hpp"

#include <spdlog/spdlog.h>

#include <pqxx/except>
#include <stdexcept>
#include <string_view>

#include "orderflow/ops_routes.hpp"

namespace orderflow::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A path segment as the client meant it: %XX decoded. A malformed escape stays as it is (and then
// fails the parameter's own check, which names the field).
std::string percent_decode(const std::string& segment) {
  if (segment.find('%') == std::string::npos) return segment;
  std::string out;
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && hex_value(segment[i + 1]) >= 0 &&
        hex_value(segment[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(segment[i + 1]) * 16 + hex_value(segment[i + 2]));
      i += 2;
    } else {
      out += segment[i];
    }
  }
  return out;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           PathParams* params) {
  if (pattern.size() != path.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (!pattern[i].empty() && pattern[i][0] == ':') {
      if (params != nullptr) (*params)[pattern[i].substr(1)] = percent_decode(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

void run_handler(const RouteHandler& handler, const std::string& pattern,
                 const Pistache::Http::Request& request, const PathParams& params, Exchange& exchange) {
  try {
    handler(request, params, exchange);
  } catch (const pqxx::broken_connection& e) {
    spdlog::warn("{}: PostgreSQL unavailable: {}", pattern, e.what());
    exchange.error(Pistache::Http::Code::Service_Unavailable, "database_unavailable",
                   "the database is unavailable; retry later");
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", pattern, e.what());
    exchange.error(Pistache::Http::Code::Internal_Server_Error, "internal", "internal error");
  }
}

bool is_probe(std::string_view resource) {
  for (const auto path : ops::kPaths)
    if (resource == path) return true;
  return false;
}

void busy(Exchange& exchange) {
  exchange.error(Pistache::Http::Code::Service_Unavailable, "database_busy",
                 "the database does not answer in time; retry later");
}

}  // namespace

void Router::add(Pistache::Http::Method method, const std::string& pattern, RouteHandler handler,
                 Needs needs) {
  std::optional<RouteAccess> access;
  if (gate_ != nullptr) {
    access = access_for(method, pattern);
    if (!access)
      throw std::logic_error(std::string(Pistache::Http::methodString(method)) + " " + pattern +
                             " has no row in api/access.cpp: say who may call it");
  }
  routes_.push_back(Route{method, pattern, split_path(pattern), std::move(handler), needs, access});
}

void Router::dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) const {
  Exchange exchange(std::move(response), "unmatched");
  exchange.set_address(limits_ != nullptr ? limits_->client_address(request) : request.address().host());
  // Probes are never limited: an orchestrator polling them from one address must not fail them.
  RateLimits::Usage usage;
  if (limits_ != nullptr && !is_probe(request.resource()) &&
      !limits_->admit_address(exchange.address(), exchange, usage))
    return;
  const auto path = split_path(request.resource());
  std::string allow;
  std::vector<Pistache::Http::Method> allowed;
  for (const auto& route : routes_) {
    PathParams params;
    if (!match(route.segments, path, &params)) continue;
    if (route.method == request.method()) {
      exchange.set_route(route.pattern);
      if (gate_ != nullptr) {
        auto caller = gate_->admit(request, *route.access, exchange);
        if (!caller) return;
        exchange.set_caller(std::move(*caller));
      }
      if (limits_ != nullptr) {
        if (!limits_->admit_key(exchange.caller(), exchange, usage)) return;
        RateLimits::add_headers(exchange, usage);
      }
      if (route.needs == Needs::no_database || lane_ == nullptr) {
        run_handler(route.handler, route.pattern, request, params, exchange);
        return;
      }
      // The lane's thread gets its own copies: Pistache reuses the request once we return.
      auto shared = exchange.share();
      const bool queued =
          lane_->post([&route, shared, request,
                       params] { run_handler(route.handler, route.pattern, request, params, *shared); },
                      [shared] { busy(*shared); });
      if (!queued) busy(exchange);
      return;
    }
    if (!allow.empty()) allow += ", ";
    allow += Pistache::Http::methodString(route.method);
    allowed.push_back(route.method);
  }
  if (allow.empty()) {
    exchange.error(Pistache::Http::Code::Not_Found, "not_found", "no such resource: " + request.resource());
    return;
  }
  exchange.writer().headers().add<Pistache::Http::Header::Allow>(allowed);
  exchange.error(
      Pistache::Http::Code::Method_Not_Allowed, "method_not_allowed",
      std::string(Pistache::Http::methodString(request.method())) + " is not allowed here; use " + allow);
}

}  // namespace orderflow::api
