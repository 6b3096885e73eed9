#pragma once
// The operations routes every process answers, written once: GET /healthz (alive), /readyz (every
// readiness check passes; 503 otherwise, naming each check) and /metrics (Prometheus text). The api
// mounts them on its router, a worker on its OpsServer.
#include <pistache/http.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderflow::ops {

// Named readiness checks, asked on every /readyz, e.g. {"kafka", ...}, {"postgres", ...}.
using Checks = std::vector<std::pair<std::string, std::function<bool()>>>;

struct Reply {
  Pistache::Http::Code code;
  std::string body;
  Pistache::Http::Mime::MediaType type;
};

// The paths answer() serves.
inline constexpr std::string_view kPaths[] = {"/healthz", "/readyz", "/metrics"};

// The reply to GET `path`, or nullopt when it is not an ops route.
std::optional<Reply> answer(std::string_view path, const Checks& checks);

}  // namespace orderflow::ops
