#pragma once
// JSON in and out of the api. read_json_body reads a request's JSON body and checks it against a
// schema of schemas/http/; on any problem it answers the exchange (413, 415 or 400 naming the field)
// and returns nullopt: nothing is published. json_object builds a reply or payload with RapidJSON's
// writer, so user input is always escaped, never spliced into a string.
#include <pistache/http.h>
#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "exchange.hpp"
#include "orderflow/json.hpp"

namespace orderflow::api {

std::optional<rapidjson::Document> read_json_body(const Pistache::Http::Request& request, Exchange& exchange,
                                                  const std::string& schema, size_t max_body_bytes);

// True when the Content-Type's media type is application/json (any parameters, any case).
bool is_json_media_type(std::string_view content_type);

// {...} with the members `fill(writer)` writes.
template <typename Fill>
std::string json_object(Fill&& fill) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  fill(w);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace orderflow::api
