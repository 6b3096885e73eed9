#include "orderflow/loadgen/report.hpp"

#include <fmt/format.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace orderflow::loadgen {

uint64_t KindStats::responses() const {
  uint64_t n = 0;
  for (const auto& [status, count] : statuses) n += count;
  return n;
}

uint64_t KindStats::ok() const {
  uint64_t n = 0;
  for (const auto& [status, count] : statuses) {
    if (status >= 200 && status < 300) n += count;
  }
  return n;
}

uint64_t KindStats::failed() const {
  uint64_t n = responses() - ok();
  for (const auto& [reason, count] : errors) n += count;
  return n;
}

void KindStats::merge(const KindStats& other) {
  latency.merge(other.latency);
  for (const auto& [status, count] : other.statuses) statuses[status] += count;
  for (const auto& [reason, count] : other.errors) errors[reason] += count;
}

void FollowStats::merge(const FollowStats& other) {
  decision.merge(other.decision);
  placed_to_decision.merge(other.placed_to_decision);
  for (const auto& [outcome, count] : other.outcomes) outcomes[outcome] += count;
  followed += other.followed;
  decided_in_window += other.decided_in_window;
  gave_up += other.gave_up;
  unfinished += other.unfinished;
}

uint64_t Report::mix_responses() const {
  uint64_t n = 0;
  for (size_t k = 0; k < kMixKinds; ++k) n += kinds[k].latency.count();
  return n;
}

uint64_t Report::mix_failed() const {
  uint64_t n = 0;
  for (size_t k = 0; k < kMixKinds; ++k) n += kinds[k].failed();
  return n;
}

double Report::throughput() const {
  return info.measured_seconds > 0 ? static_cast<double>(mix_responses()) / info.measured_seconds : 0;
}

double Report::throughput(Kind kind) const {
  return info.measured_seconds > 0
             ? static_cast<double>(kinds[index(kind)].latency.count()) / info.measured_seconds
             : 0;
}

std::string format_us(uint64_t us) {
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 1000000) return fmt::format("{:.2f} ms", static_cast<double>(us) / 1e3);
  return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
}

namespace {

std::string status_summary(const KindStats& s) {
  std::string out;
  for (const auto& [status, count] : s.statuses) {
    if (!out.empty()) out += ' ';
    out += fmt::format("{}:{}", status, count);
  }
  for (const auto& [reason, count] : s.errors) {
    if (!out.empty()) out += ' ';
    out += fmt::format("[{}]:{}", reason, count);
  }
  return out;
}

std::string percentile_label(double p) {
  return p == 99.9 ? "p99.9" : fmt::format("p{:g}", p);
}

void write_histogram_ms(rapidjson::PrettyWriter<rapidjson::StringBuffer>& w, const Histogram& h) {
  w.StartObject();
  w.Key("count");
  w.Uint64(h.count());
  w.Key("min");
  w.Double(static_cast<double>(h.min()) / 1e3);
  w.Key("mean");
  w.Double(h.mean() / 1e3);
  for (double p : kReportPercentiles) {
    const std::string key = percentile_label(p);
    w.Key(key.c_str());
    w.Double(static_cast<double>(h.percentile(p)) / 1e3);
  }
  w.Key("max");
  w.Double(static_cast<double>(h.max()) / 1e3);
  w.EndObject();
}

}  // namespace

std::string render_table(const Report& r) {
  const auto& i = r.info;
  std::string out;
  out += fmt::format("orderflow-loadgen: {} against {}, {} connection(s), {} thread(s)\n", i.mode, i.target,
                     i.connections, i.threads);
  if (i.mode == "fixed-rate") {
    out += fmt::format(
        "  target {:.1f} req/s, achieved {:.1f} req/s; latency from the intended send time "
        "(latest send {} behind schedule)\n",
        i.target_rate, r.throughput(), format_us(i.max_send_lag_us));
  } else {
    out +=
        fmt::format("  achieved {:.1f} req/s (closed loop: latency from the actual send)\n", r.throughput());
  }
  out += fmt::format("  measured {:.2f} s after {:.1f} s warm-up; mix {}; {} SKU(s), {}\n",
                     i.measured_seconds, i.warmup_seconds, i.mix, i.skus, i.skew);
  out += fmt::format("  sent {} request(s) of the mix, {} failed in the window{}\n\n", i.sent, r.mix_failed(),
                     i.dropped ? fmt::format(", {} never sent (run ended)", i.dropped) : "");
  out += fmt::format("{:<10} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n", "kind", "count", "req/s",
                     "p50", "p90", "p99", "p99.9", "max", "status: count");
  for (size_t k = 0; k < kKinds; ++k) {
    const auto& s = r.kinds[k];
    if (s.latency.count() == 0 && s.errors.empty()) continue;
    const auto& h = s.latency;
    out += fmt::format("{:<10} {:>9} {:>10.1f} {:>10} {:>10} {:>10} {:>10} {:>10}  {}\n",
                       kind_name(static_cast<Kind>(k)), h.count(), r.throughput(static_cast<Kind>(k)),
                       format_us(h.percentile(50)), format_us(h.percentile(90)), format_us(h.percentile(99)),
                       format_us(h.percentile(99.9)), format_us(h.max()), status_summary(s));
  }
  if (i.follow) {
    const auto& f = r.follow;
    out += "\n";
    out += fmt::format(
        "decisions (--follow: GET /v1/orders/{{id}}?wait until not PENDING): {} followed, {:.1f} decided/s "
        "in the window, {} gave up, {} unfinished\n",
        f.followed,
        i.generation_seconds > 0 ? static_cast<double>(f.decided_in_window) / i.generation_seconds : 0,
        f.gave_up, f.unfinished);
    std::string outcomes;
    for (const auto& [o, n] : f.outcomes) outcomes += fmt::format(" {}:{}", o, n);
    out += fmt::format("  outcomes:{}\n", outcomes.empty() ? " none" : outcomes);
    for (const auto* which : {&f.decision, &f.placed_to_decision}) {
      const auto& h = *which;
      out += fmt::format("  {:<26} {:>9} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
                         which == &f.decision ? "202 -> decision" : "intended send -> decision", h.count(),
                         format_us(h.percentile(50)), format_us(h.percentile(90)),
                         format_us(h.percentile(99)), format_us(h.percentile(99.9)), format_us(h.max()));
    }
  }
  return out;
}

std::string render_json(const Report& r) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  const auto& i = r.info;
  w.StartObject();
  w.Key("tool");
  w.String("orderflow-loadgen");
  w.Key("config");
  w.StartObject();
  w.Key("target");
  w.String(i.target.c_str());
  w.Key("mode");
  w.String(i.mode.c_str());
  w.Key("target_rate");
  w.Double(i.target_rate);
  w.Key("connections");
  w.Uint(i.connections);
  w.Key("threads");
  w.Uint(i.threads);
  w.Key("warmup_seconds");
  w.Double(i.warmup_seconds);
  w.Key("duration_seconds");
  w.Double(i.requested_seconds);
  w.Key("count");
  w.Uint64(i.requested_count);
  w.Key("mix");
  w.String(i.mix.c_str());
  w.Key("skew");
  w.String(i.skew.c_str());
  w.Key("skus");
  w.Uint64(i.skus);
  w.Key("follow");
  w.Bool(i.follow);
  w.EndObject();
  w.Key("started_at");
  w.String(i.started_at.c_str());
  w.Key("measured_seconds");
  w.Double(i.measured_seconds);
  w.Key("sent");
  w.Uint64(i.sent);
  w.Key("dropped");
  w.Uint64(i.dropped);
  w.Key("max_send_lag_ms");
  w.Double(static_cast<double>(i.max_send_lag_us) / 1e3);
  w.Key("throughput");
  w.Double(r.throughput());
  w.Key("failed");
  w.Uint64(r.mix_failed());
  w.Key("latency_unit");
  w.String("ms");
  w.Key("kinds");
  w.StartObject();
  for (size_t k = 0; k < kKinds; ++k) {
    const auto& s = r.kinds[k];
    if (s.latency.count() == 0 && s.errors.empty()) continue;
    w.Key(kind_name(static_cast<Kind>(k)));
    w.StartObject();
    w.Key("throughput");
    w.Double(r.throughput(static_cast<Kind>(k)));
    w.Key("ok");
    w.Uint64(s.ok());
    w.Key("failed");
    w.Uint64(s.failed());
    w.Key("latency");
    write_histogram_ms(w, s.latency);
    w.Key("status");
    w.StartObject();
    for (const auto& [status, count] : s.statuses) {
      const std::string key = std::to_string(status);
      w.Key(key.c_str());
      w.Uint64(count);
    }
    w.EndObject();
    w.Key("errors");
    w.StartObject();
    for (const auto& [reason, count] : s.errors) {
      w.Key(reason.c_str());
      w.Uint64(count);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  if (i.follow) {
    const auto& f = r.follow;
    w.Key("follow");
    w.StartObject();
    w.Key("followed");
    w.Uint64(f.followed);
    w.Key("decided_in_window");
    w.Uint64(f.decided_in_window);
    w.Key("decided_per_second");
    w.Double(i.generation_seconds > 0 ? static_cast<double>(f.decided_in_window) / i.generation_seconds : 0);
    w.Key("gave_up");
    w.Uint64(f.gave_up);
    w.Key("unfinished");
    w.Uint64(f.unfinished);
    w.Key("outcomes");
    w.StartObject();
    for (const auto& [o, n] : f.outcomes) {
      w.Key(o.c_str());
      w.Uint64(n);
    }
    w.EndObject();
    w.Key("decision_latency");
    write_histogram_ms(w, f.decision);
    w.Key("placed_to_decision_latency");
    write_histogram_ms(w, f.placed_to_decision);
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace orderflow::loadgen
