#include "orderflow/envelope.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "orderflow/ids.hpp"
#include "orderflow/json.hpp"

namespace {

using orderflow::DecodeError;
using orderflow::Envelope;

const std::string kOrderId = "123e4567-e89b-52d3-a456-426614174000";
const std::string kPayload =
    R"({"order_id":")" + kOrderId +
    R"(","customer_id":"c1","idempotency_key":"k1","lines":[{"sku":"A-1","quantity":2}]})";

// A well-formed envelope as text, with `payload` spliced in; `drop` removes one envelope member.
std::string envelope_text(const std::string& type, const std::string& payload, const std::string& drop = "") {
  std::string out = "{";
  auto add = [&](const std::string& name, const std::string& value) {
    if (name == drop) return;
    if (out.size() > 1) out += ",";
    out += "\"" + name + "\":" + value;
  };
  add("id", "\"" + orderflow::random_uuid() + "\"");
  add("type", "\"" + type + "\"");
  add("version", "1");
  add("occurred_at", "\"2026-11-25T18:23:28.123Z\"");
  add("key", "\"" + kOrderId + "\"");
  add("payload", payload);
  return out + "}";
}

std::string decode_error(const std::string& bytes) {
  auto result = orderflow::decode(bytes);
  if (!std::holds_alternative<DecodeError>(result)) {
    ADD_FAILURE() << "decoded although invalid: " << bytes;
    return "";
  }
  return std::get<DecodeError>(result).reason;
}

}  // namespace

TEST(Envelope, MakeEnvelopeFillsIdAndTime) {
  const Envelope e = orderflow::make_envelope("PlaceOrder", kOrderId, kPayload);
  EXPECT_TRUE(orderflow::is_uuid(e.id)) << e.id;
  EXPECT_EQ(e.type, "PlaceOrder");
  EXPECT_EQ(e.version, 1);
  EXPECT_EQ(e.key, kOrderId);
  EXPECT_EQ(e.payload, kPayload);
  EXPECT_EQ(e.occurred_at.size(), 24u) << e.occurred_at;
  EXPECT_NE(orderflow::make_envelope("PlaceOrder", kOrderId, kPayload).id, e.id);
}

TEST(Envelope, EncodeThenDecodeRoundTrips) {
  const Envelope sent = orderflow::make_envelope("PlaceOrder", kOrderId, kPayload);
  auto result = orderflow::decode(orderflow::encode(sent));
  ASSERT_TRUE(std::holds_alternative<Envelope>(result)) << std::get<DecodeError>(result).reason;
  const Envelope& got = std::get<Envelope>(result);
  EXPECT_EQ(got.id, sent.id);
  EXPECT_EQ(got.type, sent.type);
  EXPECT_EQ(got.version, sent.version);
  EXPECT_EQ(got.occurred_at, sent.occurred_at);
  EXPECT_EQ(got.key, sent.key);
  EXPECT_EQ(got.payload, sent.payload);
}

TEST(Envelope, DecodeFillsPayloadDoc) {
  rapidjson::Document payload;
  auto result = orderflow::decode(
      orderflow::encode(orderflow::make_envelope("PlaceOrder", kOrderId, kPayload)), &payload);
  ASSERT_TRUE(std::holds_alternative<Envelope>(result)) << std::get<DecodeError>(result).reason;
  ASSERT_TRUE(payload.IsObject());
  EXPECT_EQ(orderflow::json::get_string(payload, "customer_id"), "c1");
  ASSERT_TRUE(payload.HasMember("lines"));
  EXPECT_EQ(payload["lines"][0]["quantity"].GetInt(), 2);
  EXPECT_EQ(orderflow::json::to_string(payload), kPayload);
}

TEST(Envelope, HandWrittenEnvelopeDecodes) {
  auto result = orderflow::decode(envelope_text("PlaceOrder", kPayload));
  ASSERT_TRUE(std::holds_alternative<Envelope>(result)) << std::get<DecodeError>(result).reason;
  EXPECT_EQ(std::get<Envelope>(result).occurred_at, "2026-11-25T18:23:28.123Z");
}

TEST(Envelope, NonJsonIsRejected) {
  EXPECT_NE(decode_error("not json at all").find("not JSON"), std::string::npos);
  EXPECT_NE(decode_error("").find("not JSON"), std::string::npos);
}

TEST(Envelope, MissingEnvelopeFieldIsNamed) {
  for (const std::string field : {"id", "type", "version", "occurred_at", "key", "payload"}) {
    const std::string reason = decode_error(envelope_text("PlaceOrder", kPayload, field));
    EXPECT_NE(reason.find(field), std::string::npos) << field << ": " << reason;
    EXPECT_NE(reason.find("is required"), std::string::npos) << field << ": " << reason;
  }
}

TEST(Envelope, NonObjectPayloadIsRejected) {
  const std::string reason = decode_error(envelope_text("PlaceOrder", "[1]"));
  EXPECT_NE(reason.find("payload"), std::string::npos) << reason;
}

TEST(Envelope, UnknownTypeIsRejected) {
  const std::string reason = decode_error(envelope_text("ShipOrder", kPayload));
  EXPECT_NE(reason.find("unknown message type"), std::string::npos) << reason;
  EXPECT_NE(reason.find("ShipOrder"), std::string::npos) << reason;
}

TEST(Envelope, PayloadFailingItsSchemaNamesThePayloadField) {
  const std::string bad =
      R"({"order_id":")" + kOrderId +
      R"(","customer_id":"c1","idempotency_key":"k1","lines":[{"sku":"A-1","quantity":0}]})";
  const std::string reason = decode_error(envelope_text("PlaceOrder", bad));
  EXPECT_NE(reason.find("payload.lines[0].quantity"), std::string::npos) << reason;
  EXPECT_NE(reason.find(">= 1"), std::string::npos) << reason;
}
