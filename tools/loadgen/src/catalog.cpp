#include "orderflow/loadgen/catalog.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "orderflow/http_client.hpp"
#include "orderflow/json.hpp"

namespace orderflow::loadgen {

std::vector<std::string> fetch_catalog(const std::string& host, uint16_t port, const std::string& api_key,
                                       const std::string& prefix) {
  http::Client client(host, port, std::chrono::seconds(10));
  if (!api_key.empty()) client.set_default_header("Authorization", "Bearer " + api_key);
  std::vector<std::string> skus;
  std::string after;
  for (int page = 0; page < 100000; ++page) {
    const std::string target =
        after.empty() ? "/v1/products?limit=100" : "/v1/products?limit=100&after=" + after;
    const auto r = client.get(target);
    if (r.status != 200) {
      throw std::runtime_error(
          fmt::format("GET {} answered {}{}", target, r.status,
                      r.status == 0 ? " (" + r.error + ")" : ": " + r.body.substr(0, 200)));
    }
    std::string error;
    auto doc = json::parse(r.body, &error);
    if (!doc || !doc->IsObject() || !doc->HasMember("items") || !(*doc)["items"].IsArray()) {
      throw std::runtime_error(fmt::format("GET {}: not a product page: {}", target,
                                           error.empty() ? r.body.substr(0, 200) : error));
    }
    for (const auto& item : (*doc)["items"].GetArray()) {
      if (!item.IsObject()) continue;
      if (auto sku = json::get_string(item, "sku"); sku && sku->substr(0, prefix.size()) == prefix) {
        skus.emplace_back(*sku);
      }
    }
    const auto next = json::get_string(*doc, "next");
    if (!next || next->empty()) break;
    after = std::string(*next);
  }
  return skus;
}

std::vector<std::string> split_skus(std::string_view list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string_view::npos) end = list.size();
    std::string_view s = list.substr(pos, end - pos);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (!s.empty()) out.emplace_back(s);
    pos = end + 1;
  }
  return out;
}

}  // namespace orderflow::loadgen
