#pragma once
// Pistache helpers shared by the api and the workers' ops endpoint.
#include <pistache/http.h>

#include <string>
#include <string_view>

namespace orderflow::http {

void send_json(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code, const std::string& body);
void send_error(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
                std::string_view error_code, std::string_view message, std::string_view field = {});

}  // namespace orderflow::http
