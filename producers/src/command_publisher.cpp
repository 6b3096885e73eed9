#include "orderflow/producers/command_publisher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

namespace orderflow::producers {

void CommandPublisher::publish(messages::Payload command,
                               std::function<void(const PublishResult&)> done) const {
  const auto message = messages::make_message(std::move(command));
  std::string bytes;
  try {
    bytes = messages::encode(message);
  } catch (const messages::ContractViolation& bad) {
    spdlog::info("refused a {}: {}", bad.type, bad.what());
    done(PublishResult{PublishResult::Outcome::refused, bad.field, bad.why, {}, 0});
    return;
  }
  // Shared, not moved into the callback: produce() may fail to queue and then never calls it.
  auto shared_done = std::make_shared<std::function<void(const PublishResult&)>>(std::move(done));
  const auto started = std::chrono::steady_clock::now();
  std::string error;
  const bool queued = producer_.produce(
      config_.topic(std::string(message.topic())), message.key, bytes, {},
      [shared_done, started](const kafka::DeliveryResult& r) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        (*shared_done)(PublishResult{
            r.ok ? PublishResult::Outcome::acked : PublishResult::Outcome::failed, {}, {}, r.error, seconds});
      },
      &error);
  if (!queued) (*shared_done)(PublishResult{PublishResult::Outcome::failed, {}, {}, error, 0});
}

}  // namespace orderflow::producers
