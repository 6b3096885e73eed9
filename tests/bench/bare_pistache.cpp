// orderflow-bare-pistache: the HTTP limit of this machine for our server library. A Pistache 0.0.5
// endpoint set up as the api sets up its own (same thread count, request size limit and flags) that
// answers every request with a constant 202 JSON body, as POST /v1/orders does. `make bench` measures
// it with wrk (keep-alive) next to the api.
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

namespace {

std::atomic<bool> g_stop{false};

class ConstantHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ConstantHandler)
  void onRequest(const Pistache::Http::Request&, Pistache::Http::ResponseWriter response) override {
    response.headers().add<Pistache::Http::Header::ContentType>(MIME(Application, Json));
    response.send(Pistache::Http::Code::Accepted,
                  R"({"order_id":"1b4e28ba-2fa1-5d2b-a3f0-5c9e8a1d2b3c","status":"PENDING"})");
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string address = "127.0.0.1";
  uint16_t port = 18080;
  int threads = 2;
  size_t max_request = 64 * 1024 * 16 + 16384;  // the api's: 16x its 64 KiB body limit + headers
  CLI::App app{"orderflow-bare-pistache: a Pistache endpoint answering a constant 202 (the HTTP limit)"};
  app.add_option("--address", address)->capture_default_str();
  app.add_option("--port", port)->capture_default_str();
  app.add_option("--threads", threads, "Pistache worker threads (the api's default: 2)")
      ->capture_default_str();
  app.add_option("--max-request-size", max_request)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGPIPE, SIG_IGN);
  Pistache::Http::Endpoint endpoint(Pistache::Address(address, Pistache::Port(port)));
  endpoint.init(Pistache::Http::Endpoint::options()
                    .threads(threads)
                    .maxRequestSize(max_request)
                    .flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(Pistache::Http::make_handler<ConstantHandler>());
  endpoint.serveThreaded();
  std::printf("bare pistache listening on %s:%u with %d thread(s)\n", address.c_str(), port, threads);
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  endpoint.shutdown();
  return 0;
}
