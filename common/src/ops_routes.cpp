#include "orderflow/ops_routes.hpp"

#include "orderflow/json.hpp"
#include "orderflow/metrics.hpp"

namespace orderflow::ops {

std::optional<Reply> answer(std::string_view path, const Checks& checks) {
  using Pistache::Http::Code;
  const auto json = MIME(Application, Json);
  if (path == "/healthz") return Reply{Code::Ok, R"({"status":"ok"})", json};
  if (path == "/metrics") return Reply{Code::Ok, metrics::serialize(), MIME(Text, Plain)};
  if (path != "/readyz") return std::nullopt;
  // {"status":"ready"|"not ready", "<check>": true|false, ...}: every check is asked, so the body
  // names all that fail.
  bool ready = true;
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  std::vector<std::pair<std::string_view, bool>> results;
  for (const auto& [name, check] : checks) {
    results.emplace_back(name, check());
    ready = ready && results.back().second;
  }
  json::put(w, "status", ready ? "ready" : "not ready");
  for (const auto& [name, ok] : results) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.Bool(ok);
  }
  w.EndObject();
  return Reply{ready ? Code::Ok : Code::Service_Unavailable, {buffer.GetString(), buffer.GetSize()}, json};
}

}  // namespace orderflow::ops
