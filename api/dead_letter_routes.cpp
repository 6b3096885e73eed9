#include "dead_letter_routes.hpp"

#include <spdlog/spdlog.h>

#include "orderflow/json.hpp"
#include "orderflow/readers/dead_letters.hpp"
#include "params.hpp"

namespace orderflow::api {

using Pistache::Http::Code;
using Pistache::Http::Method;

void DeadLetterRoutes::register_on(Router& router) {
  router.add(Method::Get, "/v1/admin/dead-letters",
             [this](const auto& request, const PathParams&, Exchange& exchange) { list(request, exchange); });
}

void DeadLetterRoutes::list(const Pistache::Http::Request& request, Exchange& exchange) const {
  const auto limit = require_int_query(request, "limit", 1, kMaxLimit, kDefaultLimit, exchange);
  if (!limit) return;
  std::vector<readers::DeadLetter> letters;
  try {
    // A reader per request: an admin page, rare; it joins no group, so it disturbs no worker.
    readers::TopicReader reader(config_.kafka_brokers);
    letters = readers::newest_dead_letters(reader, readers::dlq_topics(config_.topic_prefix),
                                           static_cast<size_t>(*limit));
  } catch (const std::runtime_error& e) {
    spdlog::warn("dead letters: {}", e.what());
    exchange.error(Code::Service_Unavailable, "kafka_unavailable", "Kafka did not answer; retry later");
    return;
  }
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  w.Key("dead_letters");
  w.StartArray();
  for (const auto& d : letters) readers::write_json(w, d, config_.topic_prefix);
  w.EndArray();
  w.EndObject();
  exchange.reply(Code::Ok, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace orderflow::api
