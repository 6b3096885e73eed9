#include "orderflow/schema.hpp"

#include <fmt/format.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>

#include <map>
#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow {
namespace {

constexpr std::string_view kPrefix = "schemas/";
constexpr std::string_view kSuffix = ".schema.json";
constexpr std::string_view kDefinitions = "definitions";

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

// The sentence for a failed keyword whose rule (the keyword's value in the schema) is `rule`.
std::string sentence(std::string_view keyword, const rapidjson::Value* rule) {
  if (keyword == "type" && rule != nullptr && rule->IsString()) {
    return fmt::format("must be of type {}", rule->GetString());
  }
  if ((keyword == "minimum" || keyword == "maximum") && rule != nullptr && rule->IsNumber()) {
    return fmt::format("must be {} {}", keyword == "minimum" ? ">=" : "<=", number_text(*rule));
  }
  if ((keyword == "minItems" || keyword == "maxItems") && rule != nullptr && rule->IsNumber()) {
    const std::string n = number_text(*rule);
    return fmt::format("must have at {} {} item{}", keyword == "minItems" ? "least" : "most", n,
                       n == "1" ? "" : "s");
  }
  if ((keyword == "minLength" || keyword == "maxLength") && rule != nullptr && rule->IsNumber()) {
    return fmt::format("must be at {} {} characters long", keyword == "minLength" ? "least" : "most",
                       number_text(*rule));
  }
  if (keyword == "pattern" && rule != nullptr && rule->IsString()) {
    return fmt::format("must match {}", rule->GetString());
  }
  if (keyword == "enum" && rule != nullptr) return fmt::format("must be one of {}", json::to_string(*rule));
  return fmt::format("violates '{}'", keyword);
}

// The error for `keyword` failing at `field`; `instance` is the failing value when known.
SchemaError keyword_error(const std::string& field, std::string_view keyword, const rapidjson::Value* rule,
                          const rapidjson::Value* instance) {
  if (keyword == "required" && rule != nullptr && rule->IsArray() && instance != nullptr &&
      instance->IsObject()) {
    for (const auto& req : rule->GetArray()) {
      if (!instance->HasMember(req)) return SchemaError{join(field, req.GetString()), "is required"};
    }
  }
  // RapidJSON points at the unknown member itself.
  if (keyword == "additionalProperties") return SchemaError{field, "is not a known field"};
  return SchemaError{field, sentence(keyword, rule)};
}

}  // namespace

// Follows "$ref"s from `n`: "#/..." within its file, "<path>/definitions.schema.json#/..." into the
// definitions file.
SchemaSet::Node SchemaSet::follow(Node n) const {
  for (int hops = 0; hops < 8 && n.value != nullptr && n.value->IsObject() && n.value->HasMember("$ref");
       ++hops) {
    const std::string_view ref((*n.value)["$ref"].GetString(), (*n.value)["$ref"].GetStringLength());
    const auto hash = ref.find('#');
    if (hash == std::string_view::npos) return {};
    if (hash > 0) n.file = &raw(kDefinitions);  // the only file schemas point into
    const rapidjson::Pointer pointer(ref.data() + hash, ref.size() - hash);
    n.value = pointer.IsValid() ? pointer.Get(*n.file) : nullptr;
  }
  return n;
}

// The schema node that describes the value at `doc_pointer` below `n`: through properties and items,
// following $refs. (RapidJSON reports an empty schema pointer for a schema reached through another
// file, so the error's rule is found this way.)
SchemaSet::Node SchemaSet::walk(Node n, const rapidjson::Pointer& doc_pointer) const {
  n = follow(n);
  for (size_t i = 0; i < doc_pointer.GetTokenCount() && n.value != nullptr; ++i) {
    const auto& token = doc_pointer.GetTokens()[i];
    const rapidjson::Value* next = nullptr;
    if (n.value->IsObject()) {
      // Parts of an allOf describe the same value: step into the first that knows the child.
      std::vector<Node> candidates{n};
      if (n.value->HasMember("allOf")) {
        for (const auto& part : (*n.value)["allOf"].GetArray()) candidates.push_back(follow({&part, n.file}));
      }
      for (const auto& c : candidates) {
        if (c.value == nullptr || !c.value->IsObject()) continue;
        if (token.index != rapidjson::kPointerInvalidIndex && c.value->HasMember("items")) {
          next = &(*c.value)["items"], n.file = c.file;
        } else if (c.value->HasMember("properties")) {
          const auto& props = (*c.value)["properties"];
          auto it = props.FindMember(rapidjson::Value(rapidjson::StringRef(token.name, token.length)));
          if (it != props.MemberEnd()) next = &it->value, n.file = c.file;
        }
        if (next != nullptr) break;
      }
    }
    n = follow({next, n.file});
  }
  return n;
}

// The keyword's value in `n`, or in one of its allOf parts.
const rapidjson::Value* SchemaSet::rule_of(Node n, std::string_view keyword) const {
  n = follow(n);
  if (n.value == nullptr || !n.value->IsObject()) return nullptr;
  const rapidjson::Value key(rapidjson::StringRef(keyword.data(), keyword.size()));
  if (auto it = n.value->FindMember(key); it != n.value->MemberEnd()) return &it->value;
  if (n.value->HasMember("allOf")) {
    for (const auto& part : (*n.value)["allOf"].GetArray()) {
      if (const auto* rule = rule_of({&part, n.file}, keyword)) return rule;
    }
  }
  return nullptr;
}

namespace {}  // namespace

struct SchemaSet::Impl : rapidjson::IRemoteSchemaDocumentProvider {
  struct Compiled {
    rapidjson::Document raw;  // kept to explain errors by looking at the failing keyword
    std::unique_ptr<rapidjson::SchemaDocument> schema;
  };
  std::map<std::string, Compiled, std::less<>> schemas;

  // Compiles `name` on first use: a schema compiles the files it points into first (through
  // GetRemoteDocument), so files may be compiled in any order.
  const rapidjson::SchemaDocument* compile(const std::string& name) {
    auto it = schemas.find(name);
    if (it == schemas.end()) return nullptr;
    if (!it->second.schema)
      it->second.schema = std::make_unique<rapidjson::SchemaDocument>(it->second.raw, this);
    return it->second.schema.get();
  }

  // "$ref": "../definitions.schema.json#/definitions/sku" resolves to the schema "definitions". Paths are
  // taken relative to schemas/ whatever folder refers to them. RapidJSON 1.1 passes the URI one character
  // short (it stops before the character ahead of '#'), so a known path one longer matches too.
  const rapidjson::SchemaDocument* GetRemoteDocument(const char* uri, rapidjson::SizeType length) override {
    std::string_view path(uri, length);
    while (path.starts_with("../") || path.starts_with("./")) path.remove_prefix(path.find('/') + 1);
    for (const auto& [name, compiled] : schemas) {
      const std::string file = name + std::string(kSuffix);
      if (file == path || (file.size() == path.size() + 1 && file.starts_with(path))) return compile(name);
    }
    return nullptr;
  }
};

SchemaSet::SchemaSet() : impl_(std::make_unique<Impl>()) {
  for (const auto& [path, text] : resources_under(kPrefix)) {
    if (!path.ends_with(kSuffix)) continue;
    std::string name(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
    Impl::Compiled c;
    c.raw.Parse(text.data(), text.size());
    if (c.raw.HasParseError()) throw std::runtime_error("schema " + std::string(path) + " is not valid JSON");
    impl_->schemas.emplace(std::move(name), std::move(c));
  }
  for (const auto& [name, compiled] : impl_->schemas) impl_->compile(name);
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

const rapidjson::SchemaDocument* SchemaSet::document(std::string_view name) const {
  auto it = impl_->schemas.find(name);
  return it == impl_->schemas.end() ? nullptr : it->second.schema.get();
}

const rapidjson::Value& SchemaSet::raw(std::string_view name) const {
  auto it = impl_->schemas.find(name);
  if (it == impl_->schemas.end()) throw std::runtime_error(fmt::format("no schema named {}", name));
  return it->second.raw;
}

std::string SchemaSet::message_schema(std::string_view type, int version) {
  return fmt::format("messages/{}.v{}", type, version);
}

std::optional<SchemaError> SchemaSet::validate(std::string_view name, const rapidjson::Value& doc) const {
  const auto* schema = document(name);
  if (schema == nullptr) return SchemaError{"", fmt::format("no schema named {}", name)};
  rapidjson::SchemaValidator validator(*schema);
  if (doc.Accept(validator)) return std::nullopt;
  return explain(name, validator, &doc);
}

SchemaError SchemaSet::explain(std::string_view name, const rapidjson::Pointer& doc_pointer,
                               std::string_view keyword, const rapidjson::Value* instance_root) const {
  const std::string field = friendly_path(doc_pointer);
  const rapidjson::Value& file = raw(name);
  const Node node = walk({&file, &file}, doc_pointer);
  const rapidjson::Value* instance = instance_root != nullptr ? doc_pointer.Get(*instance_root) : nullptr;
  // allOf: explain the first part the value fails (e.g. the shared order_lines, then "at least 1").
  const rapidjson::Value* all_of = keyword == "allOf" ? rule_of(node, keyword) : nullptr;
  if (all_of != nullptr && all_of->IsArray() && instance != nullptr) {
    for (const auto& part : all_of->GetArray()) {
      rapidjson::SchemaDocument part_schema(part, impl_.get());
      rapidjson::SchemaValidator validator(part_schema);
      if (instance->Accept(validator)) continue;
      const auto& inner_pointer = validator.GetInvalidDocumentPointer();
      const std::string inner_keyword = validator.GetInvalidSchemaKeyword();
      const std::string inner = friendly_path(inner_pointer);
      std::string path = field;
      if (!inner.empty()) path = inner.front() == '[' ? field + inner : join(field, inner);
      return keyword_error(path, inner_keyword,
                           rule_of(walk({&part, node.file}, inner_pointer), inner_keyword),
                           inner_pointer.Get(*instance));
    }
  }
  return keyword_error(field, keyword, rule_of(node, keyword), instance);
}

}  // namespace orderflow
