#pragma once
// The api's ear on the projections: a connection of its own that LISTENs on the channel the
// projections NOTIFY with the ids of the orders each batch changed (projections/projector.hpp), so a
// `?wait` costs work when its order changes, not every few milliseconds while nothing does. Used by
// the order waiter's one thread only (a pqxx connection is not thread-safe).
#include <chrono>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace orderflow::api {

class ViewNotifications {
 public:
  ViewNotifications(std::string dsn, std::string channel);
  ~ViewNotifications();
  ViewNotifications(const ViewNotifications&) = delete;
  ViewNotifications& operator=(const ViewNotifications&) = delete;

  struct Woken {
    std::vector<std::string> order_ids;  // notified meanwhile (may repeat)
    // Not listening for some of the time (no connection, a reconnect): notifications may have been
    // missed, so the caller must look at everything itself.
    bool missed = false;
  };
  // Waits at most `timeout` for notifications, returning as soon as some came.
  Woken wait(std::chrono::milliseconds timeout);

 private:
  class Receiver;
  bool listen();  // (re)connects and LISTENs; false when PostgreSQL cannot be reached

  std::string dsn_, channel_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<Receiver> receiver_;
  std::vector<std::string> received_;
};

}  // namespace orderflow::api
