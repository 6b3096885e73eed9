#pragma once
// The bytes of a Server-Sent Events stream (WHATWG HTML, "Server-sent events") inside an HTTP/1.1
// chunked body. Pure functions: the writer and the tests share them.
#include <string>
#include <string_view>

namespace orderflow::api::sse {

// "id: …\nevent: …\ndata: …\n\n"; a data with line breaks becomes one data line per line.
std::string event(std::string_view id, std::string_view type, std::string_view data);
// ": text\n\n": a comment, ignored by clients; keeps idle connections (and proxies) alive.
std::string comment(std::string_view text);
// "retry: ms\n\n": how long a client waits before reconnecting.
std::string retry(int milliseconds);
// One chunk of a chunked body: size in hex, CRLF, the bytes, CRLF.
std::string chunk(std::string_view bytes);
// The last chunk: the body ends, the connection stays usable.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace orderflow::api::sse
