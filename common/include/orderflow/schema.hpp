#pragma once
// JSON Schema (draft-04) validation against the files in schemas/, compiled once per process.
// RapidJSON reports one error; we turn it into the field it concerns (a JSON pointer like
// /lines/0/quantity) and a sentence, which the api returns and the DLQ headers carry.
#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace orderflow {

struct SchemaError {
  std::string
      field;  // the offending value's path as a client names it, e.g. "lines[1].sku" ("" = whole document)
  std::string message;  // e.g. "must be >= 1"
};

class SchemaSet {
 public:
  // Every schema embedded from schemas/, keyed by its path there, e.g. "http/place_order". One set
  // per thread (RapidJSON 1.1's compiled regexes are not thread-safe); compiled on a thread's first use.
  static const SchemaSet& instance();
  bool has(std::string_view name) const;
  // nullopt when valid. Use only on the thread that got the instance.
  std::optional<SchemaError> validate(std::string_view name, const rapidjson::Value& doc) const;
  // Schema for a message type and version: "messages/<Type>.v<version>".
  static std::string message_schema(std::string_view type, int version);

  SchemaSet();
  ~SchemaSet();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
