#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace orderflow::test {

Process::Process(std::string name, std::vector<std::string> argv, std::map<std::string, std::string> env,
                 std::string log_path)
    : name_(std::move(name)), argv_(std::move(argv)), env_(std::move(env)), log_path_(std::move(log_path)) {}

Process::~Process() {
  if (pid_ > 0) stop();
}

void Process::start() {
  if (pid_ > 0 && running()) throw std::runtime_error(name_ + " is already running");
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) merged[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env_) merged[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : merged) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv_) args.push_back(s.data());
  args.push_back(nullptr);
  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path_);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped(status);
    return false;
  }
  return true;
}

std::string Process::how_it_ended() {
  if (running()) return "running";
  if (last_status_ < 0) return "not started";
  if (WIFSIGNALED(last_status_)) return "killed by signal " + std::to_string(WTERMSIG(last_status_));
  return "exited " + std::to_string(WEXITSTATUS(last_status_));
}

int Process::stop(int sig, int timeout_ms) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, sig);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped(status);
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped(status);
  return -1;
}

void Process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  reaped(status);
}

void Process::reaped(int status) {
  pid_ = -1;
  last_status_ = status;
}

void Process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::string Process::log_tail(size_t bytes) const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace orderflow::test
