#pragma once
// JSON Schema (draft-04) validation against the files in schemas/, compiled once per thread.
// Schemas may point into other files with "$ref" (schemas/definitions.schema.json holds the limits and
// field shapes every body and message shares). RapidJSON reports one error; we turn it into the field it
// concerns (lines[1].quantity) and a sentence, which the api returns and the DLQ headers carry.
#include <rapidjson/document.h>
#include <rapidjson/schema.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace orderflow {

struct SchemaError {
  std::string field;    // the offending value's path as a client names it ("" = the whole document)
  std::string message;  // e.g. "must be >= 1"
};

class SchemaSet {
 public:
  // Every schema embedded from schemas/, keyed by its path there without ".schema.json", e.g.
  // "http/place_order". One set per thread (RapidJSON 1.1's compiled regexes are not thread-safe);
  // compiled on a thread's first use. Use a set only on the thread that got it.
  static const SchemaSet& instance();
  bool has(std::string_view name) const;
  // nullopt when valid.
  std::optional<SchemaError> validate(std::string_view name, const rapidjson::Value& doc) const;
  // The compiled schema, for validating a document while it is written (SAX); nullptr if unknown.
  const rapidjson::SchemaDocument* document(std::string_view name) const;
  // Explains why `validator` (of schema `name`) failed. `instance` is the document when there is one
  // (it names a missing required member); a validator fed by a writer has none.
  template <typename Validator>
  SchemaError explain(std::string_view name, const Validator& validator,
                      const rapidjson::Value* instance = nullptr) const {
    return explain(name, validator.GetInvalidDocumentPointer(), validator.GetInvalidSchemaKeyword(),
                   instance);
  }
  // The parsed text of a schema file (e.g. to read a limit out of "definitions"); throws if unknown.
  const rapidjson::Value& raw(std::string_view name) const;
  // Schema for a message type and version: "messages/<Type>.v<version>".
  static std::string message_schema(std::string_view type, int version);

  SchemaSet();
  ~SchemaSet();

 private:
  SchemaError explain(std::string_view name, const rapidjson::Pointer& doc_pointer, std::string_view keyword,
                      const rapidjson::Value* instance) const;
  struct Node {
    const rapidjson::Value* value = nullptr;
    const rapidjson::Value* file = nullptr;  // the file it is in, for local "$ref"s
  };
  Node follow(Node n) const;
  Node walk(Node n, const rapidjson::Pointer& doc_pointer) const;
  const rapidjson::Value* rule_of(Node n, std::string_view keyword) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderflow
