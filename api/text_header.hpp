#pragma once
// A response header of our own. Pistache 0.0.5 does not send headers added with addRaw, and each typed
// header needs its own class (its name is a static of the class): ORDERFLOW_TEXT_HEADER(Class, "Name")
// declares one that writes the text it was given.
#include <pistache/http_header.h>

#include <ostream>
#include <string>

#define ORDERFLOW_TEXT_HEADER(Class, Name)                          \
  class Class : public Pistache::Http::Header::Header {             \
   public:                                                          \
    NAME(Name)                                                      \
    Class() = default;                                              \
    explicit Class(std::string value) : value_(std::move(value)) {} \
    void write(std::ostream& os) const override { os << value_; }   \
                                                                    \
   private:                                                         \
    std::string value_;                                             \
  };

namespace orderflow::api {

// How many seconds a refused client should wait (429, 503).
ORDERFLOW_TEXT_HEADER(RetryAfter, "Retry-After")

}  // namespace orderflow::api
