#pragma once
// A small HTTP router: routes by method and path pattern ("/v1/orders/:id"), answers 404 for an unknown
// path and 405 (with Allow) for a known path with another method, and names each route for metrics.
// Path parameters reach handlers percent-decoded. A handler that throws gets 500 (503 when PostgreSQL
// is unreachable) without the exception's text: that goes to the log. Handlers run on the database lane
// (see database_lane.hpp) unless registered as needing no database: Pistache's threads never wait on
// PostgreSQL. With a gate (access.hpp) every request is admitted by its route's row before its handler
// runs, and the handler finds the caller on its exchange. With rate limits (rate_limits.hpp) every
// request but the probes takes a token of its address's bucket first, and of its key's after the gate.
#include <pistache/http.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "access.hpp"
#include "database_lane.hpp"
#include "exchange.hpp"
#include "rate_limits.hpp"

namespace orderflow::api {

using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<void(const Pistache::Http::Request&, const PathParams&, Exchange&)>;

// What a handler may wait on, and so where it runs.
enum class Needs {
  database,    // PostgreSQL (and maybe Kafka): on the database lane
  no_database  // Kafka at most, or nothing: on the request's Pistache thread
};

class Router {
 public:
  // Without a lane every handler runs on the request's thread (tests of routing alone); without a
  // gate no request is checked; without limits none is counted.
  explicit Router(DatabaseLane* lane = nullptr, const Gate* gate = nullptr, RateLimits* limits = nullptr)
      : lane_(lane), gate_(gate), limits_(limits) {}
  // `pattern` segments starting with ':' capture a parameter. The pattern is the route's metrics label.
  // With a gate, throws std::logic_error for a route that has no row in access.cpp.
  void add(Pistache::Http::Method method, const std::string& pattern, RouteHandler handler,
           Needs needs = Needs::database);
  void dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) const;

 private:
  struct Route {
    Pistache::Http::Method method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
    Needs needs;
    std::optional<RouteAccess> access;
  };
  DatabaseLane* lane_;
  const Gate* gate_;
  RateLimits* limits_;
  std::vector<Route> routes_;
};

}  // namespace orderflow::api
