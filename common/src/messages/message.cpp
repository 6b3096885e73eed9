#include "orderflow/messages/message.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>

#include <limits>
#include <utility>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"
#include "orderflow/schema.hpp"
#include "orderflow/text.hpp"

namespace orderflow::messages {
namespace {

// Where in a payload the codec is, for naming a field in an error: lines[1].sku.
class Path {
 public:
  void push(std::string_view name) { parts_.push_back({name, 0}); }
  void push(size_t index) { parts_.push_back({{}, index}); }
  void pop() { parts_.pop_back(); }
  std::string str() const {
    std::string out;
    for (const auto& [name, index] : parts_) {
      if (name.empty()) {
        out += fmt::format("[{}]", index);
      } else {
        if (!out.empty()) out += '.';
        out += name;
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string_view, size_t>> parts_;
};

// The schema of T's payload, compiled once per thread.
template <typename T>
const rapidjson::SchemaDocument& schema_of() {
  thread_local const rapidjson::SchemaDocument* doc =
      SchemaSet::instance().document(SchemaSet::message_schema(T::kType, T::kVersion));
  if (doc == nullptr) throw std::logic_error(fmt::format("no schema for {} v{}", T::kType, T::kVersion));
  return *doc;
}

// Writes a payload as SAX events into `out` (a Writer, or a SchemaValidator that forwards to one).
template <typename Handler>
class Encoder {
 public:
  Encoder(Handler& out, std::string_view type) : out_(out), type_(type) {}

  template <typename T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (auto why = text::problem(v))
        throw ContractViolation(std::string(type_), path_.str(), std::string(*why));
      out_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()), false);
    } else if constexpr (NamedEnum<T>) {
      const std::string_view name = to_string(v);
      out_.String(name.data(), static_cast<rapidjson::SizeType>(name.size()), false);
    } else if constexpr (std::is_integral_v<T>) {
      out_.Int64(static_cast<int64_t>(v));
    } else if constexpr (IsVector<T>::value) {
      out_.StartArray();
      for (size_t i = 0; i < v.size(); ++i) {
        path_.push(i);
        value(v[i]);
        path_.pop();
      }
      out_.EndArray(static_cast<rapidjson::SizeType>(v.size()));
    } else {
      out_.StartObject();
      rapidjson::SizeType members = 0;
      std::apply([&](const auto&... f) { (member(v, f, members), ...); }, T::fields());
      out_.EndObject(members);
    }
  }

 private:
  template <typename T, typename F>
  void member(const T& object, const F& f, rapidjson::SizeType& members) {
    const auto& v = object.*(f.member);
    if constexpr (IsOptional<std::decay_t<decltype(v)>>::value) {
      if (!v) return;
      key(f.name);
      value(*v);
    } else {
      key(f.name);
      value(v);
    }
    path_.pop();
    ++members;
  }
  void key(std::string_view name) {
    path_.push(name);
    out_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()), false);
  }

  Handler& out_;
  std::string_view type_;
  Path path_;
};

struct Malformed {
  std::string field, why;
};

// Reads a payload that passed its schema into its typed value; throws Malformed for what a schema
// cannot say (a control character in a string).
class Decoder {
 public:
  template <typename T>
  void value(const rapidjson::Value& v, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
      out.assign(v.GetString(), v.GetStringLength());  // checked as text before the schema
    } else if constexpr (NamedEnum<T>) {
      auto parsed = parse<T>(std::string_view(v.GetString(), v.GetStringLength()));
      if (!parsed) throw Malformed{path_.str(), "is not a known value"};
      out = *parsed;
    } else if constexpr (std::is_integral_v<T>) {
      // The schemas bound every integer; a foreign producer's value beyond what the field holds is
      // refused rather than truncated.
      if (!v.IsInt64() || v.GetInt64() < std::numeric_limits<T>::min() ||
          v.GetInt64() > std::numeric_limits<T>::max()) {
        throw Malformed{path_.str(), "is out of range"};
      }
      out = static_cast<T>(v.GetInt64());
    } else if constexpr (IsVector<T>::value) {
      out.resize(v.Size());
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        path_.push(i);
        value(v[i], out[i]);
        path_.pop();
      }
    } else {
      std::apply([&](const auto&... f) { (member(v, out, f), ...); }, T::fields());
    }
  }

 private:
  template <typename T, typename F>
  void member(const rapidjson::Value& object, T& out, const F& f) {
    auto it = object.FindMember(rapidjson::StringRef(f.name.data(), f.name.size()));
    auto& target = out.*(f.member);
    using M = std::decay_t<decltype(target)>;
    if (it == object.MemberEnd()) {
      if constexpr (!IsOptional<M>::value)
        throw Malformed{path_.str(), fmt::format("{} is required", f.name)};
      return;
    }
    path_.push(f.name);
    if constexpr (IsOptional<M>::value) {
      target.emplace();
      value(it->value, *target);
    } else {
      value(it->value, target);
    }
    path_.pop();
  }

  Path path_;
};

// Writes `payload` into `writer`, validated against its schema on the way.
template <typename T>
void write_payload(json::Writer& writer, const T& payload) {
  rapidjson::GenericSchemaValidator<rapidjson::SchemaDocument, json::Writer> validator(schema_of<T>(),
                                                                                       writer);
  Encoder<decltype(validator)> encoder(validator, T::kType);
  encoder.value(payload);
  if (!validator.IsValid()) {
    const auto err =
        SchemaSet::instance().explain(SchemaSet::message_schema(T::kType, T::kVersion), validator);
    throw ContractViolation(std::string(T::kType), err.field, err.message);
  }
}

// A caused message's discriminator: what tells it apart from the cause's other messages of its type.
template <typename T>
std::string_view discriminator(const T& m) {
  if constexpr (std::is_same_v<T, ReserveStock> || std::is_same_v<T, ReleaseStock>) {
    return m.sku;  // an order reserves and releases one sku per line
  } else {
    return {};
  }
}

// A default value of the alternative of Payload named (type, version), or nullopt.
template <size_t I = 0>
std::optional<Payload> blank(std::string_view type, int version) {
  if constexpr (I == std::variant_size_v<Payload>) {
    return std::nullopt;
  } else {
    using T = std::variant_alternative_t<I, Payload>;
    if (T::kType == type && T::kVersion == version) return Payload{std::in_place_index<I>};
    return blank<I + 1>(type, version);
  }
}

}  // namespace

ContractViolation::ContractViolation(std::string type_, std::string field_, std::string why_)
    : std::runtime_error(fmt::format("{}: {} {}", type_, field_.empty() ? "payload" : field_, why_)),
      type(std::move(type_)),
      field(std::move(field_)),
      why(std::move(why_)) {}

Message make_message(Payload payload) {
  std::string key = key_of(payload);
  return Message{random_uuid(), utc_now_iso8601(), std::move(key), std::move(payload)};
}

Message caused_by(const std::string& cause_id, Payload payload) {
  const std::string id = std::visit(
      [&](const auto& m) {
        return name_uuid(
            fmt::format("{}/{}/{}", cause_id, std::decay_t<decltype(m)>::kType, discriminator(m)));
      },
      payload);
  std::string key = key_of(payload);
  return Message{id, utc_now_iso8601(), std::move(key), std::move(payload)};
}

std::string encode(const Message& m) {
  // The envelope's own fields, as decode() checks them: a message is only ever built by make_message
  // or caused_by, but a changed copy must not leave the process.
  if (!is_uuid(m.id)) throw ContractViolation(std::string(m.type()), "id", "must be a UUID");
  if (m.key != key_of(m.payload)) {
    throw ContractViolation(
        std::string(m.type()), "key",
        "must be the payload's " +
            std::string(std::visit(
                [](const auto& p) { return topic_of<std::decay_t<decltype(p)>>().key_name; }, m.payload)));
  }
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  w.StartObject();
  json::put(w, "id", m.id);
  json::put(w, "type", m.type());
  json::put(w, "version", static_cast<int64_t>(m.version()));
  json::put(w, "occurred_at", m.occurred_at);
  json::put(w, "key", m.key);
  w.Key("payload");
  std::visit([&](const auto& p) { write_payload(w, p); }, m.payload);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string encode_payload(const Payload& p) {
  rapidjson::StringBuffer buffer;
  json::Writer w(buffer);
  std::visit([&](const auto& m) { write_payload(w, m); }, p);
  return {buffer.GetString(), buffer.GetSize()};
}

std::variant<Message, DecodeError> decode(std::string_view bytes) {
  // One parse buffer per thread, reused: RapidJSON's Clear() keeps a user-supplied buffer (and frees
  // every chunk it allocated itself), so a message that fits allocates nothing for its DOM.
  thread_local char buffer[32 * 1024];
  thread_local rapidjson::MemoryPoolAllocator<> pool(buffer, sizeof buffer);
  struct ClearPool {
    ~ClearPool() { pool.Clear(); }
  } clear_pool;
  rapidjson::Document doc(&pool);
  // No kParseValidateEncodingFlag: it was a ninth of a decode's instructions, and every string and
  // member name is checked as text right after (json::first_bad_text), which also refuses control
  // characters.
  doc.Parse(bytes.data(), bytes.size());
  if (doc.HasParseError()) {
    return DecodeError{fmt::format("not JSON: {} at offset {}",
                                   rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset())};
  }
  // Text first: the schemas' patterns and lengths expect it.
  if (auto bad = json::first_bad_text(doc)) {
    return DecodeError{fmt::format("{} {}", bad->first.empty() ? "document" : bad->first, bad->second)};
  }
  const auto& schemas = SchemaSet::instance();
  if (auto err = schemas.validate("envelope", doc)) {
    return DecodeError{
        fmt::format("envelope: {} {}", err->field.empty() ? "document" : err->field, err->message)};
  }
  const std::string_view type(doc["type"].GetString(), doc["type"].GetStringLength());
  const int version = doc["version"].GetInt();
  auto payload = blank(type, version);
  if (!payload) return DecodeError{fmt::format("unknown message type {} v{}", type, version)};
  const auto& value = doc["payload"];
  if (auto err = schemas.validate(SchemaSet::message_schema(type, version), value)) {
    return DecodeError{fmt::format("{} v{}: payload.{} {}", type, version, err->field, err->message)};
  }
  try {
    std::visit([&](auto& p) { Decoder().value(value, p); }, *payload);
  } catch (const Malformed& m) {
    return DecodeError{fmt::format("{} v{}: payload.{} {}", type, version, m.field, m.why)};
  }
  Message m{doc["id"].GetString(), doc["occurred_at"].GetString(), doc["key"].GetString(),
            std::move(*payload)};
  if (m.key != key_of(m.payload)) {
    return DecodeError{fmt::format(
        "{} v{}: key {} is not the payload's {} {}", type, version, m.key,
        std::visit([](const auto& p) { return topic_of<std::decay_t<decltype(p)>>().key_name; }, m.payload),
        key_of(m.payload))};
  }
  return m;
}

std::vector<std::string> known_types() {
  std::vector<std::string> out;
  [&]<size_t... I>(std::index_sequence<I...>) {
    (out.push_back(fmt::format("{}.v{}", std::variant_alternative_t<I, Payload>::kType,
                               std::variant_alternative_t<I, Payload>::kVersion)),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<Payload>>());
  return out;
}

}  // namespace orderflow::messages
