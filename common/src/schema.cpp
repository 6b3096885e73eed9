#include "orderflow/schema.hpp"

#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace orderflow {
namespace {

constexpr std::string_view kPrefix = "schemas/";
constexpr std::string_view kSuffix = ".schema.json";

// "/lines/0/quantity" -> "lines[0].quantity": the way a client names a field.
std::string friendly_path(std::string_view pointer) {
  std::string out;
  size_t i = 0;
  while (i < pointer.size()) {
    size_t next = pointer.find('/', i + 1);
    std::string_view token = pointer.substr(i + 1, next == std::string_view::npos ? std::string_view::npos : next - i - 1);
    const bool index = !token.empty() && token.find_first_not_of("0123456789") == std::string_view::npos;
    if (index) {
      out += fmt::format("[{}]", token);
    } else {
      if (!out.empty()) out += '.';
      out += token;
    }
    if (next == std::string_view::npos) break;
    i = next;
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
  static const SchemaSet set;
  return set;
}

bool SchemaSet::has(std::string_view name) const { return impl_->schemas.find(name) != impl_->schemas.end(); }

std::string SchemaSet::message_schema(std::string_view type, int version) {
  return fmt::format("messages/{}.v{}", type, version);
}

std::optional<SchemaError> SchemaSet::validate(std::string_view name, const rapidjson::Value& doc) const {
  auto found = impl_->schemas.find(name);
  if (found == impl_->schemas.end()) return SchemaError{"", fmt::format("no schema named {}", name)};
  const auto& compiled = found->second;
  rapidjson::SchemaValidator validator(*compiled.schema);
  if (doc.Accept(validator)) return std::nullopt;

  rapidjson::StringBuffer doc_ptr_buf;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(doc_ptr_buf);
  rapidjson::StringBuffer schema_ptr_buf;
  validator.GetInvalidSchemaPointer().Stringify(schema_ptr_buf);
  const std::string keyword = validator.GetInvalidSchemaKeyword();

  // The URI fragment form starts with '#'; drop it to get a plain JSON pointer.
  std::string doc_pointer = doc_ptr_buf.GetString();
  if (!doc_pointer.empty() && doc_pointer[0] == '#') doc_pointer.erase(0, 1);
  const std::string field = friendly_path(doc_pointer);
  const rapidjson::Value* schema_node = rapidjson::Pointer(schema_ptr_buf.GetString()).Get(compiled.raw);
  const rapidjson::Value* instance = rapidjson::Pointer(doc_pointer.c_str()).Get(doc);
  const rapidjson::Value* rule = nullptr;
  if (schema_node != nullptr && schema_node->IsObject()) {
    auto it = schema_node->FindMember(keyword.c_str());
    if (it != schema_node->MemberEnd()) rule = &it->value;
  }

  if (keyword == "required" && rule != nullptr && rule->IsArray() && instance != nullptr && instance->IsObject()) {
    for (const auto& req : rule->GetArray()) {
      if (!instance->HasMember(req)) return SchemaError{join(field, req.GetString()), "is required"};
    }
  }
  if (keyword == "additionalProperties" && instance != nullptr && instance->IsObject() && schema_node != nullptr) {
    auto props = schema_node->FindMember("properties");
    for (const auto& m : instance->GetObject()) {
      if (props == schema_node->MemberEnd() || !props->value.HasMember(m.name)) {
        return SchemaError{join(field, m.name.GetString()), "is not a known field"};
      }
    }
  }
  std::string message;
  if (keyword == "type" && rule != nullptr && rule->IsString()) {
    message = fmt::format("must be of type {}", rule->GetString());
  } else if ((keyword == "minimum" || keyword == "maximum") && rule != nullptr && rule->IsNumber()) {
    message = fmt::format("must be {} {}", keyword == "minimum" ? ">=" : "<=", number_text(*rule));
  } else if ((keyword == "minItems" || keyword == "maxItems") && rule != nullptr) {
    message = fmt::format("must have at {} {} items", keyword == "minItems" ? "least" : "most", number_text(*rule));
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
