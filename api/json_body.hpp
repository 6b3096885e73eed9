#pragma once
// Reads a request's JSON body and checks it against a schema of schemas/http/. On any problem it
// answers the exchange (413, 415 or 400 naming the field) and returns nullopt: nothing is published.
#include <pistache/http.h>
#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "exchange.hpp"

namespace orderflow::api {

std::optional<rapidjson::Document> read_json_body(const Pistache::Http::Request& request, Exchange& exchange,
                                                  const std::string& schema, size_t max_body_bytes);

}  // namespace orderflow::api
