#pragma once
// A child process of a test: started with extra environment, output to a log file, stopped (SIGTERM,
// then SIGKILL) when the object goes away.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace orderflow::test {

class Process {
 public:
  Process(std::string name, std::vector<std::string> argv, std::map<std::string, std::string> env,
          std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void start();
  // Sends `sig` and, unless it is SIGKILL-like fast, waits up to `timeout_ms` for exit. Returns the
  // exit status as waitpid reports it, or -1 if it had to be killed.
  int stop(int sig = 15, int timeout_ms = 15000);
  void kill9();
  // Sends `sig` and returns at once (SIGSTOP, SIGCONT: a zombie worker, a frozen one).
  void signal(int sig);
  bool running();
  // How the process ended, once running() or stop() saw it end ("exited 1", "killed by signal 11"),
  // or "running" / "not started".
  std::string how_it_ended();
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string log_tail(size_t bytes = 4000) const;

 private:
  std::string name_;
  std::vector<std::string> argv_;
  std::map<std::string, std::string> env_;
  std::string log_path_;
  void reaped(int status);  // the child is gone: no pid any more, its status kept for how_it_ended()
  pid_t pid_ = -1;
  int last_status_ = -1;  // waitpid's status of the last exit seen; -1: none yet
};

}  // namespace orderflow::test
