#include "view_notifications.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "orderflow/pg.hpp"

namespace orderflow::api {

class ViewNotifications::Receiver : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, std::vector<std::string>& out)
      : pqxx::notification_receiver(c, channel), out_(out) {}
  void operator()(const std::string& payload, int) override {
    // The payload is a comma-separated list of order ids.
    size_t start = 0;
    while (start < payload.size()) {
      size_t end = payload.find(',', start);
      if (end == std::string::npos) end = payload.size();
      if (end > start) out_.emplace_back(payload.substr(start, end - start));
      start = end + 1;
    }
  }

 private:
  std::vector<std::string>& out_;
};

ViewNotifications::ViewNotifications(std::string dsn, std::string channel)
    : dsn_(std::move(dsn)), channel_(std::move(channel)) {}

ViewNotifications::~ViewNotifications() {
  receiver_.reset();  // before its connection
}

bool ViewNotifications::listen() {
  try {
    receiver_.reset();
    conn_ = pg::connect(dsn_);
    receiver_ = std::make_unique<Receiver>(*conn_, channel_, received_);
    conn_->get_notifs();  // makes the LISTEN happen now, not at the first wait
    spdlog::info("order waiter: listening to the projections on {}", channel_);
    return true;
  } catch (const std::exception& e) {
    receiver_.reset();
    conn_.reset();
    spdlog::debug("order waiter: cannot listen to the projections: {}", e.what());
    return false;
  }
}

ViewNotifications::Woken ViewNotifications::wait(std::chrono::milliseconds timeout) {
  Woken woken;
  if (!conn_) {
    if (!listen()) {
      std::this_thread::sleep_for(timeout);  // no spin while PostgreSQL is away
      woken.missed = true;
      return woken;
    }
    woken.missed = true;  // nobody listened until now
  }
  try {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    conn_->await_notification(static_cast<long>(us / 1000000), static_cast<long>(us % 1000000));
    if (!conn_->is_open()) throw pqxx::broken_connection("the listening connection closed");
  } catch (const std::exception& e) {
    spdlog::warn("order waiter: lost the projections' notifications: {}", e.what());
    receiver_.reset();
    conn_.reset();
    woken.missed = true;
  }
  woken.order_ids.swap(received_);
  return woken;
}

}  // namespace orderflow::api
