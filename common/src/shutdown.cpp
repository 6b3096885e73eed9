#include "orderflow/shutdown.hpp"

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace orderflow::shutdown {
namespace {

std::mutex mutex;
std::condition_variable cv;
bool flag = false;

}  // namespace

void request() {
  {
    std::lock_guard lock(mutex);
    flag = true;
  }
  cv.notify_all();
}

void install() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the process
  std::thread([set] {
    int sig = 0;
    sigwait(&set, &sig);
    request();
  }).detach();
}

bool requested() {
  std::lock_guard lock(mutex);
  return flag;
}

bool wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex);
  return cv.wait_for(lock, timeout, [] { return flag; });
}

}  // namespace orderflow::shutdown
