#pragma once
// A small HTTP router: routes by method and path pattern ("/v1/orders/:id"), answers 404 for an unknown
// path and 405 (with Allow) for a known path with another method, and names each route for metrics.
// Path parameters reach handlers percent-decoded. A handler that throws gets 500 (503 when PostgreSQL
// is unreachable) without the exception's text: that goes to the log.
#include <pistache/http.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exchange.hpp"

namespace orderflow::api {

using PathParams = std::map<std::string, std::string>;
using RouteHandler = std::function<void(const Pistache::Http::Request&, const PathParams&, Exchange&)>;

class Router {
 public:
  // `pattern` segments starting with ':' capture a parameter. The pattern is the route's metrics label.
  void add(Pistache::Http::Method method, const std::string& pattern, RouteHandler handler);
  void dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) const;

 private:
  struct Route {
    Pistache::Http::Method method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace orderflow::api
