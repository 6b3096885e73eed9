#pragma once
// The SKUs a run orders: from the api's catalog (GET /v1/products?limit=100, paging with `after`) or
// from the command line.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace orderflow::loadgen {

// Every SKU of the api's catalog whose name starts with `prefix` (all when empty), in catalog order.
// Throws std::runtime_error when the api does not answer 200 with the documented shape.
// `api_key`: sent as a Bearer token unless empty.
std::vector<std::string> fetch_catalog(const std::string& host, uint16_t port, const std::string& api_key,
                                       const std::string& prefix = "");

// "A,B,C" -> {"A","B","C"}; blanks around names and empty names are dropped.
std::vector<std::string> split_skus(std::string_view list);

}  // namespace orderflow::loadgen
