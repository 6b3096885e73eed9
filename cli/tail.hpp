#pragma once
// `orderflow-ctl tail <topic>`: prints a topic's records as they are written (or from its start), decoded
// with the typed message layer, as a table or as JSON lines. A record that does not decode is printed as
// such (with why), never skipped and never fatal.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "orderflow/config.hpp"
#include "orderflow/readers/topic_reader.hpp"

namespace orderflow::cli {

struct TailOptions {
  std::string topic;                // without the run's prefix
  std::optional<std::string> type;  // only messages of this type (e.g. OrderPlaced)
  std::optional<std::string> key;   // only records with this key
  bool from_beginning = false;      // otherwise only what is written from now on
  bool json = false;
  std::optional<int64_t> max;         // stop after printing this many records
  std::optional<int64_t> timeout_ms;  // stop after this long
};

// One record as the table prints it, or as a JSON line (the envelope plus topic, partition, offset;
// an undecodable record: topic, partition, offset, timestamp, key, "undecodable": why, "preview").
// `topic` is the name to show (without the prefix).
std::string table_row(const readers::KafkaRecord& record, const std::string& topic);
std::string table_header();
std::string json_line(const readers::KafkaRecord& record, const std::string& topic);
// Whether a record passes the --type and --key filters.
bool matches(const readers::KafkaRecord& record, const TailOptions& options);

// Runs until --max or --timeout-ms (or for ever); returns the number of records printed.
int64_t tail(const Config& config, const TailOptions& options, std::ostream& out);

}  // namespace orderflow::cli
