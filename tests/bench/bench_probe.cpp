// orderflow-bench-probe: the end offsets of topics, for `make bench` to tell when the pipeline has
// caught up (every consumer group's offsets stored in PostgreSQL equal the topics' ends). One JSON
// object on stdout: {"<topic>": <sum over partitions of the high watermark>, ...}.
//   orderflow-bench-probe --brokers 127.0.0.1:19092 orders.commands inventory.commands
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "orderflow/kafka.hpp"

int main(int argc, char** argv) {
  std::string brokers = "127.0.0.1:19092";
  if (const char* b = std::getenv("ORDERFLOW_KAFKA_BROKERS")) brokers = b;
  std::vector<std::string> topics;
  CLI::App app{"orderflow-bench-probe: print the end offsets of topics as JSON"};
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("topics", topics)->required();
  CLI11_PARSE(app, argc, argv);
  try {
    std::string out = "{";
    for (const auto& t : topics) {
      if (out.size() > 1) out += ",";
      out += fmt::format("\"{}\":{}", t, orderflow::kafka::end_offset_total(brokers, t));
    }
    fmt::print("{}}}\n", out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench-probe: {}\n", e.what());
    return 1;
  }
}
