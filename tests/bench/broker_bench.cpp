// orderflow-broker-bench: the broker's raw rate for our message size, the limit the pipeline works
// under. One librdkafka producer configured as ours (acks=all, idempotence, lz4, linger) writes N
// messages of ~350 bytes (an envelope-like JSON, keyed by a uuid-like key) to a topic of its own, and
// one consumer reads them back; it reports messages/s acknowledged and messages/s end to end (first
// send to last read) and the produce->consume latency. One JSON line on stdout, a summary on stderr.
//   orderflow-broker-bench --brokers 127.0.0.1:19092 --messages 200000
#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "orderflow/kafka.hpp"
#include "orderflow/loadgen/histogram.hpp"

namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string err;
  if (conf.set(name, value, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(name + ": " + err);
}

struct Settings {
  std::string brokers = "127.0.0.1:19092";
  uint64_t messages = 200000;
  size_t size = 350;
  int partitions = 6;
  unsigned linger_ms = 2;
  std::string compression = "lz4";
  std::string topic;
  bool keep_topic = false;
  double timeout_s = 120;
};

// A message like our PlaceOrder envelopes (same fields, fresh uuids, a timestamp, random lines) grown
// with more random order lines up to `size` bytes: it compresses (lz4) about as well as the real thing.
// sent_ns (the send time) gives the produce -> consume latency.
std::string uuid(std::mt19937_64& rng) {
  return fmt::format("{:08x}-{:04x}-5{:03x}-{:x}{:03x}-{:012x}", static_cast<uint32_t>(rng()),
                     static_cast<uint16_t>(rng()), rng() & 0xfff, 8 + (rng() & 3), rng() & 0xfff,
                     rng() & 0xffffffffffffULL);
}

std::string make_value(uint64_t i, size_t size, std::mt19937_64& rng) {
  const std::string order_id = uuid(rng);
  std::string v = fmt::format(
      R"({{"id":"{}","type":"PlaceOrder","version":1,"occurred_at":"2026-01-01T00:00:00.{:06d}Z","sent_ns":{:019d},)"
      R"("key":"{}","payload":{{"order_id":"{}","customer_id":"bench-c{}","idempotency_key":"bench-{}-{}","lines":[)",
      uuid(rng), rng() % 1000000, now_ns(), order_id, order_id, rng() % 100000, rng() % 1000000, i);
  for (int line = 0;; ++line) {
    const std::string next = fmt::format(R"({}{{"sku":"BENCH-{:04d}","quantity":{}}})", line == 0 ? "" : ",",
                                         1 + rng() % 100, 1 + rng() % 9);
    if (line > 0 && v.size() + next.size() + 3 > size) break;
    v += next;
  }
  v += "]}}";
  return v;
}

int64_t sent_ns_of(const char* data, size_t len) {
  const std::string_view v(data, len);
  const auto pos = v.find("\"sent_ns\":");
  if (pos == std::string_view::npos || pos + 10 + 19 > v.size()) return 0;
  return std::strtoll(std::string(v.substr(pos + 10, 19)).c_str(), nullptr, 10);
}

class CountingDelivery : public RdKafka::DeliveryReportCb {
 public:
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> failed{0};
  std::string first_error;
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      ok.fetch_add(1, std::memory_order_relaxed);
    } else {
      if (failed.fetch_add(1) == 0) first_error = m.errstr();
    }
  }
};

void delete_topic(const std::string& brokers, const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return;
  }
  rd_kafka_DeleteTopic_t* t = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &t, 1, nullptr, q);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000)) {
    if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fmt::print(stderr, "broker-bench: deleting {}: {}\n", topic, rd_kafka_event_error_string(ev));
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_DeleteTopic_destroy(t);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  if (const char* b = std::getenv("ORDERFLOW_KAFKA_BROKERS")) s.brokers = b;
  CLI::App app{"orderflow-broker-bench: the broker's raw rate (acks=all, idempotent) for ~350-byte messages"};
  app.add_option("--brokers", s.brokers)->capture_default_str();
  app.add_option("-n,--messages", s.messages)->capture_default_str();
  app.add_option("--size", s.size, "message value bytes")->capture_default_str();
  app.add_option("--partitions", s.partitions, "of the bench topic (ours have 6)")->capture_default_str();
  app.add_option("--linger-ms", s.linger_ms, "producer linger.ms (the api's: 2)")->capture_default_str();
  app.add_option("--compression", s.compression, "producer compression.type (ours: lz4)")
      ->capture_default_str();
  app.add_option("--topic", s.topic, "topic name (default: bench.broker.<time>.<pid>, created and deleted)");
  app.add_flag("--keep-topic", s.keep_topic, "do not delete the topic at the end");
  app.add_option("--timeout", s.timeout_s, "give up after this many seconds")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (s.topic.empty()) s.topic = fmt::format("bench.broker.{}.{}", std::time(nullptr), ::getpid());

  try {
    orderflow::kafka::create_topics(s.brokers, "", {orderflow::TopicSpec{s.topic, s.partitions, 3600000}});

    // The consumer: assigned every partition from the start, no group membership needed.
    std::unique_ptr<RdKafka::Conf> cconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(*cconf, "bootstrap.servers", s.brokers);
    set(*cconf, "group.id", s.topic + ".reader");
    set(*cconf, "enable.auto.commit", "false");
    set(*cconf, "enable.partition.eof", "true");
    set(*cconf, "fetch.wait.max.ms", "10");
    std::string err;
    std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cconf.get(), err));
    if (!consumer) throw std::runtime_error("consumer: " + err);
    std::vector<RdKafka::TopicPartition*> parts;
    for (int p = 0; p < s.partitions; ++p) {
      parts.push_back(RdKafka::TopicPartition::create(s.topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    }
    consumer->assign(parts);
    RdKafka::TopicPartition::destroy(parts);

    std::atomic<bool> reader_ready{false};
    std::atomic<uint64_t> consumed{0};
    std::atomic<int64_t> last_consumed_ns{0};
    orderflow::loadgen::Histogram latency;  // us, produce call -> consumed
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(s.timeout_s));
    std::thread reader([&] {
      int eofs = 0;
      while (consumed.load() < s.messages && Clock::now() < deadline) {
        std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
        if (m->err() == RdKafka::ERR__PARTITION_EOF) {
          if (++eofs >= s.partitions) reader_ready = true;
          continue;
        }
        if (m->err() != RdKafka::ERR_NO_ERROR) continue;
        const int64_t t = now_ns();
        const int64_t sent = sent_ns_of(static_cast<const char*>(m->payload()), m->len());
        if (sent > 0) latency.record(static_cast<uint64_t>(std::max<int64_t>(0, t - sent) / 1000));
        last_consumed_ns = t;
        consumed.fetch_add(1);
      }
    });
    // Start producing once the reader fetches from every partition (it saw each one's end).
    while (!reader_ready.load() && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!reader_ready.load()) throw std::runtime_error("the reader never reached the partitions' ends");

    CountingDelivery delivery;
    std::unique_ptr<RdKafka::Conf> pconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(*pconf, "bootstrap.servers", s.brokers);
    set(*pconf, "client.id", "orderflow-broker-bench");
    set(*pconf, "enable.idempotence", "true");
    set(*pconf, "acks", "all");
    set(*pconf, "linger.ms", std::to_string(s.linger_ms));
    set(*pconf, "compression.type", s.compression);
    if (pconf->set("dr_cb", &delivery, err) != RdKafka::Conf::CONF_OK) throw std::runtime_error(err);
    std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), err));
    if (!producer) throw std::runtime_error("producer: " + err);
    // Connect and learn the topic before the clock starts.
    {
      RdKafka::Metadata* md = nullptr;
      std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(producer.get(), s.topic, nullptr, err));
      producer->metadata(false, t.get(), &md, 10000);
      delete md;
    }

    std::mt19937_64 rng(42);
    uint64_t bytes = 0;
    const int64_t t0 = now_ns();
    for (uint64_t i = 0; i < s.messages; ++i) {
      const std::string value = make_value(i, s.size, rng);
      bytes += value.size();
      const std::string key = fmt::format("{:016x}{:016x}", rng(), i);
      for (;;) {
        const auto code = producer->produce(s.topic, RdKafka::Topic::PARTITION_UA,
                                            RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                                            value.size(), key.data(), key.size(), 0, nullptr);
        if (code == RdKafka::ERR_NO_ERROR) break;
        if (code != RdKafka::ERR__QUEUE_FULL) throw std::runtime_error("produce: " + RdKafka::err2str(code));
        producer->poll(1);
      }
      if ((i & 1023) == 0) producer->poll(0);
    }
    while (delivery.ok.load() + delivery.failed.load() < s.messages && Clock::now() < deadline)
      producer->poll(10);
    const int64_t t_acked = now_ns();
    reader.join();
    consumer->close();
    const int64_t t_read = last_consumed_ns.load();
    const double produce_s = static_cast<double>(t_acked - t0) / 1e9;
    const double e2e_s = static_cast<double>(t_read - t0) / 1e9;
    const uint64_t n_read = consumed.load();
    if (!s.keep_topic) delete_topic(s.brokers, s.topic);

    fmt::print(
        stderr,
        "broker-bench: {} x {} B to {} ({} partitions, acks=all, idempotent, {} linger {} ms): acked {:.0f} "
        "msg/s, "
        "end to end {:.0f} msg/s ({} read), produce->consume p50 {:.1f} ms p99 {:.1f} ms, {} failed{}\n",
        s.messages, s.size, s.topic, s.partitions, s.compression, s.linger_ms,
        static_cast<double>(delivery.ok.load()) / produce_s, static_cast<double>(n_read) / e2e_s, n_read,
        static_cast<double>(latency.percentile(50)) / 1e3, static_cast<double>(latency.percentile(99)) / 1e3,
        delivery.failed.load(), delivery.failed.load() ? " (" + delivery.first_error + ")" : "");
    fmt::print(
        R"({{"tool":"broker_bench","messages":{},"size":{},"avg_size":{:.1f},"partitions":{},"linger_ms":{},"compression":"{}",)"
        R"("acked":{},"failed":{},"read":{},"produce_seconds":{:.6f},"acked_per_s":{:.1f},"e2e_seconds":{:.6f},)"
        R"("e2e_per_s":{:.1f},"latency_ms":{{"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"max":{:.3f}}}}})"
        "\n",
        s.messages, s.size,
        static_cast<double>(bytes) / static_cast<double>(std::max<uint64_t>(1, s.messages)), s.partitions,
        s.linger_ms, s.compression, delivery.ok.load(), delivery.failed.load(), n_read, produce_s,
        static_cast<double>(delivery.ok.load()) / produce_s, e2e_s, static_cast<double>(n_read) / e2e_s,
        static_cast<double>(latency.percentile(50)) / 1e3, static_cast<double>(latency.percentile(90)) / 1e3,
        static_cast<double>(latency.percentile(99)) / 1e3, static_cast<double>(latency.max()) / 1e3);
    return n_read == s.messages && delivery.failed.load() == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "broker-bench: {}\n", e.what());
    if (!s.keep_topic) delete_topic(s.brokers, s.topic);
    return 1;
  }
}
