#pragma once
// Pistache helpers shared by the api and the workers' ops endpoint.
#include <pistache/http.h>

#include <string>
#include <string_view>

namespace orderflow::http {

void send_json(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code, const std::string& body);
void send_error(Pistache::Http::ResponseWriter& response, Pistache::Http::Code code,
                std::string_view error_code, std::string_view message, std::string_view field = {});

// HTTP/1.1 connections persist unless a side says "Connection: close" (RFC 9112, 9.3), but Pistache
// 0.0.5 answers "Connection: Close" to any request without a Connection header, so curl and the Go,
// Python and Java clients reconnect for every request. Call first in onRequest: an HTTP/1.1 request
// without the header gets "Connection: keep-alive"; HTTP/1.0 and an explicit header stay as they are.
void keep_alive_by_default(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& response);

}  // namespace orderflow::http
