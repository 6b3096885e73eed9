// orderflow-loadgen: a storefront simulator that drives the HTTP api (cart adds, checkouts, direct
// orders, status reads, cancels over a catalog with hot SKUs) at a fixed rate (open model) or as fast
// as N connections go, and reports throughput, latency percentiles per kind, errors by status and,
// with --follow, the time from 202 to the decision. The work is in the orderflow_loadgen library.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "orderflow/loadgen/catalog.hpp"
#include "orderflow/loadgen/engine.hpp"

namespace {

std::atomic<bool> g_interrupted{false};

void on_signal(int) {
  g_interrupted = true;
  // A second Ctrl-C ends the process at once.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

void raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace orderflow::loadgen;
  Options o;
  if (const char* port = std::getenv("ORDERFLOW_API_PORT")) o.port = static_cast<uint16_t>(std::atoi(port));
  if (const char* key = std::getenv("ORDERFLOW_API_KEY")) o.api_key = key;
  std::string mix = "cart_add=20,checkout=5,order=60,status=10,cancel=5";
  std::string skus_flag;
  std::string sku_prefix;
  double hot_fraction = 0.2;
  double hot_share = 0.8;
  double zipf = -1;
  std::string json_file;
  bool quiet = false;

  CLI::App app{"orderflow-loadgen: drive the orderflow HTTP api like a storefront and report latency"};
  app.add_option("--host", o.host, "api address (IPv4)")->capture_default_str();
  app.add_option("--port", o.port, "api port (default: $ORDERFLOW_API_PORT or 8080)")->capture_default_str();
  app.add_option("--api-key", o.api_key,
                 "a storefront API key (default: $ORDERFLOW_API_KEY; none: no header)");
  app.add_option(
         "-r,--rate", o.rate,
         "requests/s of the mix, on a fixed schedule (open model: latency from the intended send time); "
         "0 = as fast as the connections go (closed model)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("-c,--connections", o.connections, "keep-alive connections for the mix (over all threads)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("-t,--threads", o.threads, "event-loop threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("-d,--duration", o.duration_seconds, "seconds to measure (after the warm-up)")
      ->capture_default_str();
  app.add_option("-n,--count", o.count, "requests of the mix in all, instead of a duration");
  app.add_option("--warmup", o.warmup_seconds, "seconds of load before measuring")->capture_default_str();
  app.add_option("--mix", mix, "weights of cart_add, checkout, order, status, cancel")->capture_default_str();
  app.add_option("--skus", skus_flag, "the catalog to use, A,B,C (default: GET /v1/products)");
  app.add_option("--sku-prefix", sku_prefix, "use only the api's SKUs that start with this");
  app.add_option("--hot-fraction", hot_fraction, "fraction of the SKUs that are hot")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--hot-share", hot_share, "fraction of SKU picks that go to the hot SKUs")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--zipf", zipf, "instead of hot SKUs: a Zipf distribution with this exponent (0 = uniform)");
  app.add_option("--max-lines", o.max_lines, "lines of a direct order: 1..N distinct SKUs")
      ->capture_default_str();
  app.add_option("--max-quantity", o.max_quantity, "quantity of a line or cart add: 1..N")
      ->capture_default_str();
  app.add_option("--customers", o.customers, "distinct customer ids")->capture_default_str();
  app.add_option("--carts", o.carts, "open carts per thread")->capture_default_str();
  app.add_flag("--follow", o.follow,
               "follow every accepted order (GET /v1/orders/{id}?wait=N until not PENDING) and report 202 -> "
               "decision");
  app.add_option("--follow-wait", o.follow_wait_seconds, "?wait= of the follow reads (s)")
      ->capture_default_str();
  app.add_option("--follow-timeout", o.follow_timeout_seconds, "give up on an order PENDING this long (s)")
      ->capture_default_str();
  app.add_option("--follow-connections", o.follow_connections,
                 "connections for the follow reads (over all threads)")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_seconds, "per request (s)")->capture_default_str();
  app.add_option("--drain", o.drain_seconds, "after sending ends, wait this long at most for answers (s)")
      ->capture_default_str();
  app.add_option("--json", json_file, "also write the report as JSON to this file");
  app.add_flag("-q,--quiet", quiet, "no progress line");
  app.add_option("--seed", o.seed, "random seed (0: random)");
  app.add_option("--run-id", o.run_id, "part of every Idempotency-Key and cart id (default: random)");
  CLI11_PARSE(app, argc, argv);

  o.progress = !quiet;
  o.interrupted = &g_interrupted;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();

  try {
    o.mix = Mix::parse(mix);
    std::vector<std::string> skus;
    if (!skus_flag.empty()) {
      skus = split_skus(skus_flag);
    } else {
      skus = fetch_catalog(o.host, o.port, o.api_key, sku_prefix);
      if (skus.empty()) {
        throw std::runtime_error(fmt::format("the api's catalog has no SKU{} (seed one, or pass --skus)",
                                             sku_prefix.empty() ? "" : " starting with " + sku_prefix));
      }
    }
    const SkuPicker picker =
        zipf >= 0
            ? SkuPicker::zipf(skus.size(), zipf)
            : SkuPicker::hot_set(
                  skus.size(),
                  static_cast<size_t>(std::max(1.0, hot_fraction * static_cast<double>(skus.size()) + 0.5)),
                  hot_share);
    if (!quiet) {
      fmt::print(stderr, "orderflow-loadgen: {} SKU(s), {}; {} against {}:{}{}\n", skus.size(),
                 picker.description(), o.rate > 0 ? fmt::format("{:g} req/s", o.rate) : "max throughput",
                 o.host, o.port, o.follow ? ", following orders" : "");
    }
    const Report report = run(o, skus, picker);
    fmt::print("{}", render_table(report));
    if (!json_file.empty()) {
      std::ofstream out(json_file);
      out << render_json(report);
      if (!out) throw std::runtime_error("cannot write " + json_file);
    }
    uint64_t ok = 0;
    for (size_t k = 0; k < kMixKinds; ++k) ok += report.kinds[k].ok();
    return ok > 0 ? 0 : 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "orderflow-loadgen: {}\n", e.what());
    return 1;
  }
}
