// schemas/asyncapi.json says what schemas/topics.json (the manifest topics are created from) and
// schemas/messages/ say: the same topics, partitions, retention and message types, every message file
// referenced, the envelope around every payload, the dlq.* headers on every dead-letter topic.
#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <map>
#include <set>
#include <string>

#include "orderflow/json.hpp"
#include "orderflow/resources.hpp"

namespace {

rapidjson::Document load(std::string_view path) {
  std::string error;
  auto doc = orderflow::json::parse(orderflow::resource(path), &error);
  EXPECT_TRUE(doc) << path << ": " << error;
  return doc ? std::move(*doc) : rapidjson::Document();
}

const rapidjson::Document& asyncapi() {
  static const rapidjson::Document doc = load("schemas/asyncapi.json");
  return doc;
}

const rapidjson::Document& manifest() {
  static const rapidjson::Document doc = load("schemas/topics.json");
  return doc;
}

// "#/components/messages/X" -> the value it names in the AsyncAPI document.
const rapidjson::Value& deref(const rapidjson::Value& v) {
  if (!v.IsObject() || !v.HasMember("$ref")) return v;
  const rapidjson::Value* target = rapidjson::Pointer(v["$ref"].GetString()).Get(asyncapi());
  if (target == nullptr) throw std::runtime_error(std::string("unresolved $ref ") + v["$ref"].GetString());
  return *target;
}

// The channel whose address is `topic`, or nullptr.
const rapidjson::Value* channel_of(const std::string& topic) {
  for (const auto& c : asyncapi()["channels"].GetObject()) {
    if (c.value["address"].GetString() == topic) return &c.value;
  }
  return nullptr;
}

// The $ref strings of a message's payload, wherever they are in it.
void refs_in(const rapidjson::Value& v, std::set<std::string>& out) {
  if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (std::string_view(m.name.GetString()) == "$ref" && m.value.IsString())
        out.insert(m.value.GetString());
      refs_in(m.value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) refs_in(item, out);
  }
}

}  // namespace

TEST(AsyncApi, HasEveryTopicOfTheManifestAndNoOther) {
  std::set<std::string> manifest_topics, channels;
  for (const auto& t : manifest()["topics"].GetArray()) manifest_topics.insert(t["name"].GetString());
  for (const auto& c : asyncapi()["channels"].GetObject()) channels.insert(c.value["address"].GetString());
  EXPECT_EQ(manifest_topics, channels);
  EXPECT_EQ(std::string(asyncapi()["asyncapi"].GetString()).substr(0, 2), "3.");
}

TEST(AsyncApi, KafkaBindingsMatchTheManifest) {
  for (const auto& t : manifest()["topics"].GetArray()) {
    const std::string name = t["name"].GetString();
    const auto* channel = channel_of(name);
    if (channel == nullptr) continue;  // reported by the test above
    ASSERT_TRUE(channel->HasMember("bindings") && (*channel)["bindings"].HasMember("kafka")) << name;
    const auto& kafka = (*channel)["bindings"]["kafka"];
    EXPECT_EQ(std::string(kafka["topic"].GetString()), name);
    EXPECT_EQ(kafka["partitions"].GetInt(), t["partitions"].GetInt()) << name;
    EXPECT_EQ(kafka["topicConfiguration"]["retention.ms"].GetInt64(), t["retention_ms"].GetInt64()) << name;
    // The bindings document the manifest's replication target (what a cluster of 3 or more brokers gets).
    EXPECT_EQ(kafka["replicas"].GetInt(), manifest()["replication"]["replicas"].GetInt()) << name;
    ASSERT_TRUE(kafka["topicConfiguration"].HasMember("min.insync.replicas")) << name;
    EXPECT_EQ(kafka["topicConfiguration"]["min.insync.replicas"].GetInt(),
              manifest()["replication"]["min_insync_replicas"].GetInt())
        << name;
  }
}

TEST(AsyncApi, MessageTypesMatchTheManifestAndWrapTheirPayloadInTheEnvelope) {
  for (const auto& t : manifest()["topics"].GetArray()) {
    const std::string name = t["name"].GetString();
    const auto* channel = channel_of(name);
    if (channel == nullptr) continue;
    std::set<std::string> expected, documented;
    for (const auto& type : t["types"].GetArray()) expected.insert(type.GetString());
    for (const auto& m : (*channel)["messages"].GetObject()) {
      const auto& message = deref(m.value);
      const std::string type = message["name"].GetString();
      if (name.ends_with(".dlq")) continue;
      documented.insert(type);
      std::set<std::string> refs;
      refs_in(message["payload"], refs);
      EXPECT_TRUE(refs.count("envelope.schema.json")) << name << " " << type << ": no envelope";
      bool has_payload = false;
      for (const auto& r : refs) has_payload |= r.starts_with("messages/" + type + ".v");
      EXPECT_TRUE(has_payload) << name << " " << type << ": payload is not messages/" << type << ".v<N>";
      EXPECT_TRUE(message["bindings"]["kafka"].HasMember("key")) << name << " " << type << ": no key schema";
    }
    EXPECT_EQ(expected, documented) << name;
  }
}

TEST(AsyncApi, ReferencesEveryMessageSchemaAndOnlyExistingOnes) {
  std::set<std::string> files, referenced;
  for (const auto& [path, _] : orderflow::resources_under("schemas/messages/"))
    files.insert(std::string(path.substr(std::string_view("schemas/").size())));
  refs_in(asyncapi(), referenced);
  for (const auto& f : files) EXPECT_TRUE(referenced.count(f)) << f << " is not in schemas/asyncapi.json";
  for (const auto& r : referenced) {
    if (r.starts_with("#")) {
      EXPECT_NE(rapidjson::Pointer(r.c_str()).Get(asyncapi()), nullptr) << r << " does not resolve";
    } else {
      EXPECT_NO_THROW(orderflow::resource("schemas/" + r)) << r << " does not exist";
    }
  }
}

TEST(AsyncApi, DeadLetterTopicsDocumentTheirHeaders) {
  for (const auto& t : manifest()["topics"].GetArray()) {
    const std::string name = t["name"].GetString();
    if (!name.ends_with(".dlq")) continue;
    const auto* channel = channel_of(name);
    ASSERT_NE(channel, nullptr) << name;
    ASSERT_FALSE((*channel)["messages"].ObjectEmpty()) << name;
    for (const auto& m : (*channel)["messages"].GetObject()) {
      const auto& headers = deref(m.value)["headers"];
      for (const char* h :
           {"dlq.reason", "dlq.source.topic", "dlq.source.partition", "dlq.source.offset", "dlq.consumer"}) {
        EXPECT_TRUE(headers["properties"].HasMember(h)) << name << ": header " << h;
      }
    }
  }
}
