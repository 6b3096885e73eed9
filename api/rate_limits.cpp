#include "rate_limits.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "api_metrics.hpp"
#include "exchange.hpp"
#include "params.hpp"
#include "text_header.hpp"

namespace orderflow::api {

using Pistache::Http::Code;

namespace {

ORDERFLOW_TEXT_HEADER(RateLimitPolicyHeader, "RateLimit-Policy")
ORDERFLOW_TEXT_HEADER(RateLimitHeader, "RateLimit")

// Buckets per table at most: a flood from new addresses costs at most this many (~100 B each).
constexpr size_t kMaxClients = 65536;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint32_t> ipv4(std::string_view text) {
  in_addr addr{};
  if (inet_pton(AF_INET, std::string(text).c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

bool is_address(std::string_view text) {
  in6_addr addr{};
  return ipv4(text) || inet_pton(AF_INET6, std::string(text).c_str(), &addr) == 1;
}

// Whole seconds, rounded up: a client that waits that long finds its token back.
long whole_seconds(double seconds) {
  return static_cast<long>(std::ceil(seconds - 1e-9));
}

}  // namespace

TrustedProxies::TrustedProxies(std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    if (slash == std::string_view::npos) {
      if (!is_address(entry))
        throw std::invalid_argument("ORDERFLOW_TRUSTED_PROXIES: \"" + std::string(entry) +
                                    "\" is not an address nor a.b.c.d/n");
      exact_.emplace_back(entry);
      continue;
    }
    const auto network = ipv4(entry.substr(0, slash));
    const auto bits = parse_int(entry.substr(slash + 1), 0, 32);
    if (!network || !bits)
      throw std::invalid_argument("ORDERFLOW_TRUSTED_PROXIES: \"" + std::string(entry) +
                                  "\" is not an address nor a.b.c.d/n");
    const uint32_t mask = *bits == 0 ? 0 : ~uint32_t{0} << (32 - *bits);
    ranges_.push_back(Range{*network & mask, mask});
  }
}

bool TrustedProxies::contains(std::string_view address) const {
  for (const auto& a : exact_)
    if (a == address) return true;
  if (ranges_.empty()) return false;
  const auto v4 = ipv4(address);
  if (!v4) return false;
  for (const auto& r : ranges_)
    if ((*v4 & r.mask) == r.network) return true;
  return false;
}

std::string client_address(std::string_view peer, const std::optional<std::string>& forwarded_for,
                           const TrustedProxies& proxies) {
  if (!forwarded_for || !proxies.contains(peer)) return std::string(peer);
  std::string_view hops = *forwarded_for;
  while (!hops.empty()) {
    const auto comma = hops.rfind(',');
    const auto hop = trim(comma == std::string_view::npos ? hops : hops.substr(comma + 1));
    hops = comma == std::string_view::npos ? std::string_view{} : hops.substr(0, comma);
    if (hop.empty()) continue;
    if (!proxies.contains(hop)) return std::string(hop);
  }
  return std::string(peer);  // every hop a proxy of ours: the request began at one of them
}

RateLimits::RateLimits(const Config& c)
    : proxies_(c.trusted_proxies),
      address_(RateLimit::parse(c.rate_limit_address, "ORDERFLOW_RATE_LIMIT_ADDRESS"), kMaxClients),
      storefront_(RateLimit::parse(c.rate_limit_storefront, "ORDERFLOW_RATE_LIMIT_STOREFRONT"), kMaxClients),
      partner_(RateLimit::parse(c.rate_limit_partner, "ORDERFLOW_RATE_LIMIT_PARTNER"), kMaxClients),
      admin_(RateLimit::parse(c.rate_limit_admin, "ORDERFLOW_RATE_LIMIT_ADMIN"), kMaxClients) {}

std::string RateLimits::client_address(const Pistache::Http::Request& request) const {
  const auto peer = request.address().host();
  if (proxies_.empty()) return peer;
  return api::client_address(peer, header(request, "X-Forwarded-For"), proxies_);
}

TokenBuckets& RateLimits::for_role(Role role) {
  switch (role) {
    case Role::partner:
      return partner_;
    case Role::admin:
      return admin_;
    case Role::storefront:
      break;
  }
  return storefront_;
}

bool RateLimits::admit_address(const std::string& address, Exchange& exchange, Usage& usage) {
  return admit(address_, "address", address, exchange, usage);
}

bool RateLimits::admit_key(const Caller& caller, Exchange& exchange, Usage& usage) {
  if (caller.key_id.empty()) return true;  // no keys configured: the address limit is all there is
  static constexpr std::string_view kPolicies[] = {"storefront-key", "partner-key", "admin-key"};
  return admit(for_role(caller.role), kPolicies[static_cast<int>(caller.role)], caller.key_id, exchange,
               usage);
}

bool RateLimits::admit(TokenBuckets& buckets, std::string_view policy, std::string_view client,
                       Exchange& exchange, Usage& usage) {
  if (!buckets.limit().enabled()) return true;
  const auto taken = buckets.take(client);
  usage.counted.push_back(Usage::Counted{policy, &buckets.limit(), taken});
  if (taken.allowed) return true;
  metrics::count_rate_limited(policy);
  const long retry_after = std::max(1L, whole_seconds(taken.retry_after_s));
  add_headers(exchange, usage);
  exchange.writer().headers().add<RetryAfter>(std::to_string(retry_after));
  exchange.error(Code::Too_Many_Requests, "rate_limited",
                 fmt::format("more than {:g} requests per second (burst {:g}) for this {}; retry after {} s",
                             buckets.limit().per_second, buckets.limit().burst,
                             policy == "address" ? "client address" : "key", retry_after));
  return false;
}

void RateLimits::add_headers(Exchange& exchange, const Usage& usage) {
  if (usage.counted.empty()) return;
  std::string policies;
  const Usage::Counted* tightest = nullptr;
  for (const auto& c : usage.counted) {
    if (!policies.empty()) policies += ", ";
    policies += fmt::format("\"{}\";q={:.0f};w={}", c.policy, c.limit->burst,
                            std::max(1L, whole_seconds(c.limit->burst / c.limit->per_second)));
    if (tightest == nullptr ||
        c.taken.remaining / c.limit->burst < tightest->taken.remaining / tightest->limit->burst)
      tightest = &c;
  }
  auto& headers = exchange.writer().headers();
  headers.add<RateLimitPolicyHeader>(policies);
  headers.add<RateLimitHeader>(fmt::format("\"{}\";r={:.0f};t={}", tightest->policy,
                                           tightest->taken.remaining,
                                           whole_seconds(tightest->taken.full_after_s)));
}

}  // namespace orderflow::api
