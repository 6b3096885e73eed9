#include "orderflow/schema.hpp"

#include <fmt/format.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <map>
#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow {
namespace {

constexpr std::string_view kPrefix = "schemas/";
constexpr std::string_view kSuffix = ".schema.json";

// The validator's pointer as a client names the field: /lines/0/quantity -> lines[0].quantity. Built
// from the tokens, so keys are taken as they are (no ~1 or %20 escapes) and a key "1" stays a key.
std::string friendly_path(const rapidjson::Pointer& pointer) {
  std::string out;
  for (size_t i = 0; i < pointer.GetTokenCount(); ++i) {
    const auto& token = pointer.GetTokens()[i];
    if (token.index != rapidjson::kPointerInvalidIndex) {
      out += fmt::format("[{}]", token.index);
    } else {
      if (!out.empty()) out += '.';
      out.append(token.name, token.length);
    }
  }
  return out;
}

std::string join(const std::string& base, std::string_view name) {
  return base.empty() ? std::string(name) : base + "." + std::string(name);
}

std::string number_text(const rapidjson::Value& v) {
  return v.IsInt64() ? std::to_string(v.GetInt64()) : fmt::format("{}", v.GetDouble());
}

}  // namespace

struct SchemaSet::Impl {
  struct Compiled {
    rapidjson::Document raw;  // kept to explain errors by looking at the failing keyword
    std::unique_ptr<rapidjson::SchemaDocument> schema;
  };
  std::map<std::string, Compiled, std::less<>> schemas;
};

SchemaSet::SchemaSet() : impl_(std::make_unique<Impl>()) {
  for (const auto& [path, text] : resources_under(kPrefix)) {
    if (!path.ends_with(kSuffix)) continue;
    std::string name(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
    Impl::Compiled c;
    c.raw.Parse(text.data(), text.size());
    if (c.raw.HasParseError()) throw std::runtime_error("schema " + std::string(path) + " is not valid JSON");
    c.schema = std::make_unique<rapidjson::SchemaDocument>(c.raw);
    impl_->schemas.emplace(std::move(name), std::move(c));
  }
}

SchemaSet::~SchemaSet() = default;

const SchemaSet& SchemaSet::instance() {
  // Per thread, not per process: RapidJSON 1.1's regex (the `pattern` keyword) keeps its matching
  // state inside the compiled schema, so two threads validating against one SchemaDocument crash
  // (seen as a SIGSEGV in GenericRegex::SearchWithAnchoring under concurrent POSTs).
  thread_local const SchemaSet set;
  return set;
}

bool SchemaSet::has(std::string_view name) const {
  return impl_->schemas.find(name) != impl_->schemas.end();
}

std::string SchemaSet::message_schema(std::string_view type, int version) {
  return fmt::format("messages/{}.v{}", type, version);
}

std::optional<SchemaError> SchemaSet::validate(std::string_view name, const rapidjson::Value& doc) const {
  auto found = impl_->schemas.find(name);
  if (found == impl_->schemas.end()) return SchemaError{"", fmt::format("no schema named {}", name)};
  const auto& compiled = found->second;
  rapidjson::SchemaValidator validator(*compiled.schema);
  if (doc.Accept(validator)) return std::nullopt;

  const auto& doc_pointer = validator.GetInvalidDocumentPointer();
  const std::string keyword = validator.GetInvalidSchemaKeyword();
  const std::string field = friendly_path(doc_pointer);
  const rapidjson::Value* schema_node = validator.GetInvalidSchemaPointer().Get(compiled.raw);
  const rapidjson::Value* instance = doc_pointer.Get(doc);
  const rapidjson::Value* rule = nullptr;
  if (schema_node != nullptr && schema_node->IsObject()) {
    auto it = schema_node->FindMember(keyword.c_str());
    if (it != schema_node->MemberEnd()) rule = &it->value;
  }

  if (keyword == "required" && rule != nullptr && rule->IsArray() && instance != nullptr &&
      instance->IsObject()) {
    for (const auto& req : rule->GetArray()) {
      if (!instance->HasMember(req)) return SchemaError{join(field, req.GetString()), "is required"};
    }
  }
  // RapidJSON points at the unknown member itself.
  if (keyword == "additionalProperties") return SchemaError{field, "is not a known field"};
  std::string message;
  if (keyword == "type" && rule != nullptr && rule->IsString()) {
    message = fmt::format("must be of type {}", rule->GetString());
  } else if ((keyword == "minimum" || keyword == "maximum") && rule != nullptr && rule->IsNumber()) {
    message = fmt::format("must be {} {}", keyword == "minimum" ? ">=" : "<=", number_text(*rule));
  } else if ((keyword == "minItems" || keyword == "maxItems") && rule != nullptr) {
    const std::string n = number_text(*rule);
    message = fmt::format("must have at {} {} item{}", keyword == "minItems" ? "least" : "most", n,
                          n == "1" ? "" : "s");
  } else if ((keyword == "minLength" || keyword == "maxLength") && rule != nullptr) {
    message = fmt::format("must be at {} {} characters long", keyword == "minLength" ? "least" : "most",
                          number_text(*rule));
  } else if (keyword == "pattern" && rule != nullptr && rule->IsString()) {
    message = fmt::format("must match {}", rule->GetString());
  } else if (keyword == "enum" && rule != nullptr) {
    message = fmt::format("must be one of {}", json::to_string(*rule));
  } else {
    message = fmt::format("violates '{}'", keyword);
  }
  return SchemaError{field, message};
}

}  // namespace orderflow
