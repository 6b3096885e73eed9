#include "nemesis.hpp"

#include <signal.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "orderflow/json.hpp"
#include "test_env.hpp"

namespace orderflow::nemesis {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

SystemTime now() {
  return std::chrono::system_clock::now();
}

std::string roles_name(const std::string& role, size_t i) {
  return i == 0 ? role : role + "-" + std::to_string(i);
}

// "2026-12-02T11:03:00.123456Z" (the envelope's occurred_at) as a time point.
SystemTime parse_time(std::string_view iso) {
  struct tm tm {};
  int micros = 0;
  std::string s(iso);
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6)
    return {};
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  if (const auto dot = s.find('.'); dot != std::string::npos) {
    std::string digits;
    for (size_t i = dot + 1;
         i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && digits.size() < 6; ++i)
      digits += s[i];
    while (digits.size() < 6) digits += '0';
    micros = std::stoi(digits);
  }
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::microseconds(micros);
}

milliseconds ms_between(SystemTime from, SystemTime to) {
  return std::chrono::duration_cast<milliseconds>(to - from);
}

std::string seconds(milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

Nemesis::Nemesis(test::Pipeline& pipeline, uint64_t seed) : p_(pipeline), rng_(seed) {}

milliseconds Nemesis::between(milliseconds low, milliseconds high) {
  return low +
         milliseconds(static_cast<int64_t>(rng_() % static_cast<uint64_t>(high.count() - low.count() + 1)));
}

size_t Nemesis::running_instance(const std::string& role, bool leave_one) {
  std::vector<size_t> up;
  for (size_t i = 0; i < p_.instances(role); ++i) {
    if (p_.worker(role, i).running()) up.push_back(i);
  }
  if (up.empty() || (leave_one && up.size() < 2))
    throw std::runtime_error("nemesis: no instance of " + role + " to take down");
  return up[rng_() % up.size()];
}

void Nemesis::kill_worker(const std::string& role, int signal) {
  const size_t i = running_instance(role, true);
  const auto started = now();
  p_.worker(role, i).stop(signal, 30000);
  faults_.push_back({(signal == SIGKILL ? "kill -9 " : "SIGTERM ") + roles_name(role, i), started, now()});
}

void Nemesis::kill_relay_holder(const std::string& role) {
  // The lease is per database and source (the role's name): OutboxRelay's advisory lock.
  // Right after a fault the lease may be between holders (a standby polls every 0.5 s): wait for one.
  std::string holder;
  const auto lease_sql = std::string(
      "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
      " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
      " AND l.objid = (hashtext('outbox:" +
      role + "')::bigint & 4294967295)::oid");
  test::wait_until(
      [&] {
        try {
          holder = p_.sql(lease_sql);
        } catch (const std::exception&) {
          holder.clear();
        }
        return !holder.empty();
      },
      30s, 100ms);
  // application_name is "worker-<role>:<pid>" (pg::guarded_dsn)
  const auto colon = holder.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("nemesis: nobody holds the " + role + " relay");
  const int pid = std::stoi(holder.substr(colon + 1));
  for (size_t i = 0; i < p_.instances(role); ++i) {
    if (p_.worker(role, i).pid() == pid) {
      const auto started = now();
      p_.worker(role, i).kill9();
      faults_.push_back({"kill -9 relay holder " + roles_name(role, i), started, now()});
      return;
    }
  }
  throw std::runtime_error("nemesis: the relay holder " + holder + " is not one of the workers");
}

void Nemesis::freeze_worker(const std::string& role, milliseconds frozen) {
  const size_t i = running_instance(role, true);
  const auto started = now();
  p_.worker(role, i).signal(SIGSTOP);
  std::this_thread::sleep_for(frozen);
  p_.worker(role, i).signal(SIGCONT);
  faults_.push_back({"SIGSTOP " + roles_name(role, i) + " for " + seconds(frozen), started, now()});
}

void Nemesis::restart_dead_workers() {
  for (const auto& role : p_.roles()) {
    for (size_t i = 0; i < p_.instances(role); ++i) {
      if (!p_.worker(role, i).running()) p_.start_worker(role, i);
    }
  }
}

void Nemesis::stack_script(const std::string& script, const std::string& command) {
  const std::string dir = test::stack().state_dir;
  const std::string cmd = "set -a && . '" + dir + "/env' && set +a && '" + ORDERFLOW_SOURCE_DIR + "/infra/" +
                          script + "' " + command + " '" + dir + "' >>'" + dir + "/nemesis.log' 2>&1";
  if (std::system(("bash -c \"" + cmd + "\"").c_str()) != 0)
    throw std::runtime_error("nemesis: " + script + " " + command + " failed (see " + dir + "/nemesis.log)");
}

void Nemesis::stop_postgres(milliseconds down, const std::function<void()>& while_down) {
  const auto started = now();
  stack_script("postgres.sh", "stop");
  const auto until = std::chrono::steady_clock::now() + down;
  if (while_down) while_down();
  std::this_thread::sleep_until(until);
  stack_script("postgres.sh", "start");
  faults_.push_back({"PostgreSQL stopped for " + seconds(ms_between(started, now())), started, now()});
}

std::vector<int> Nemesis::postgres_pids() {
  std::ifstream pidfile(test::stack().state_dir + "/postgres/data/postmaster.pid");
  int postmaster = 0;
  pidfile >> postmaster;
  if (postmaster <= 0) throw std::runtime_error("nemesis: no postmaster.pid");
  std::vector<int> pids = {postmaster};
  std::ifstream children("/proc/" + std::to_string(postmaster) + "/task/" + std::to_string(postmaster) +
                         "/children");
  for (int pid = 0; children >> pid;) pids.push_back(pid);
  return pids;
}

void Nemesis::hang_postgres(milliseconds hung) {
  const auto pids = postgres_pids();
  const auto started = now();
  for (int pid : pids) ::kill(pid, SIGSTOP);
  std::this_thread::sleep_for(hung);
  for (int pid : pids) ::kill(pid, SIGCONT);
  faults_.push_back({"PostgreSQL hung (SIGSTOP) for " + seconds(hung), started, now()});
}

void Nemesis::terminate_worker_sessions() {
  const auto started = now();
  const std::string n = p_.sql(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
      " AND application_name LIKE 'worker-%' AND pid <> pg_backend_pid()");
  faults_.push_back({"pg_terminate_backend of " + n + " worker sessions", started, now()});
}

void Nemesis::stop_kafka(milliseconds down) {
  const auto started = now();
  stack_script("kafka.sh", "stop");
  std::this_thread::sleep_for(down);
  stack_script("kafka.sh", "start");
  faults_.push_back({"Kafka stopped for " + seconds(ms_between(started, now())), started, now()});
}

std::string Nemesis::kill_broker(test::KafkaCluster& cluster) {
  const auto& brokers = test::KafkaCluster::broker_nodes();
  const std::string broker = brokers[rng_() % brokers.size()];
  const auto started = now();
  cluster.run("kill", {broker}, 30s);
  faults_.push_back({"kill -9 " + broker, started, now()});
  return broker;
}

void Nemesis::restart_broker(test::KafkaCluster& cluster, const std::string& broker) {
  SystemTime killed{};
  for (const auto& f : faults_)
    if (f.what == "kill -9 " + broker) killed = f.started;
  // What the check below waits away: the partitions the dead broker's copies are missing from.
  const int short_of_a_copy = cluster.partitions_out_of_sync(p_.config().topic_prefix);
  const auto started = now();
  cluster.run("start", {broker}, 120s);
  const auto serving = now();
  // Back means a copy again: every partition of the pipeline's topics has its 3 replicas in sync, so
  // the cluster could lose another broker.
  if (!test::wait_until([&] { return cluster.partitions_out_of_sync(p_.config().topic_prefix) == 0; }, 60s,
                        250ms))
    throw std::runtime_error("nemesis: " + broker + " restarted, but " +
                             std::to_string(cluster.partitions_out_of_sync(p_.config().topic_prefix)) +
                             " partitions are still short of in-sync replicas after 60 s");
  faults_.push_back(
      {broker + " down " + seconds(ms_between(killed, started)) + " (" + std::to_string(short_of_a_copy) +
           " partitions short of a copy), restarted: serving after " + seconds(ms_between(started, serving)) +
           ", every partition in sync after " + seconds(ms_between(started, now())),
       started, now()});
}

Verdict check(const test::Pipeline& p, const std::vector<AcceptedOrder>& accepted,
              const std::vector<Fault>& faults, std::chrono::seconds bound) {
  Verdict v;
  v.orders = static_cast<int>(accepted.size());
  std::string ids;
  for (const auto& a : accepted) ids += (ids.empty() ? "'" : ",'") + a.order_id + "'";
  const std::string undecided_sql =
      ids.empty() ? "SELECT 0"
                  : "SELECT count(*) FROM unnest(ARRAY[" + ids +
                        "]::uuid[]) AS a(id) LEFT JOIN orders.orders o ON o.order_id = a.id"
                        " WHERE o.status IS NULL OR o.status = 'PENDING'";
  auto undecided = [&] {
    try {
      return std::stoi(p.sql(undecided_sql));
    } catch (const std::exception&) {
      return -1;  // the database is still coming back
    }
  };
  if (!test::wait_until([&] { return undecided() == 0; }, bound, 250ms))
    v.violations.push_back(std::to_string(undecided()) + " accepted orders not decided within " +
                           std::to_string(bound.count()) + " s");
  if (!test::wait_until(
          [&] {
            try {
              return p.quiescent();
            } catch (const std::exception&) {
              return false;
            }
          },
          bound, 250ms))
    v.violations.push_back("not quiescent within the bound: " + p.progress());

  // Every event once: one content per id, and per order one OrderPlaced before one decision.
  struct OrderEvents {
    std::set<std::string> placed, confirmed, rejected;
    bool decided_before_placed = false;
    SystemTime decided_at{};
  };
  std::map<std::string, OrderEvents> orders;
  std::map<std::string, std::string> content_of;
  int two_contents = 0;
  for (const auto* topic : {"orders.events", "inventory.events"}) {
    for (const auto& value : test::read_topic(p.config().kafka_brokers, p.topic(topic))) {
      const auto doc = json::parse(value);
      if (!doc || !doc->IsObject()) {
        v.violations.push_back(std::string("an undecodable record on ") + topic);
        continue;
      }
      const std::string id(json::get_string(*doc, "id").value_or(""));
      auto [it, fresh] = content_of.emplace(id, value);
      if (!fresh && it->second != value) ++two_contents;
      if (std::string_view(topic) != "orders.events") continue;
      const std::string type(json::get_string(*doc, "type").value_or(""));
      auto& o = orders[std::string(json::get_string(*doc, "key").value_or(""))];
      const bool decision = type == "OrderConfirmed" || type == "OrderRejected" || type == "OrderCancelled";
      if (type == "OrderPlaced") o.placed.insert(id);
      if (type == "OrderConfirmed") o.confirmed.insert(id);
      if (type == "OrderRejected") o.rejected.insert(id);
      if (decision && o.placed.empty()) o.decided_before_placed = true;
      if (decision && o.decided_at == SystemTime{})
        o.decided_at = parse_time(json::get_string(*doc, "occurred_at").value_or(""));
    }
  }
  if (two_contents > 0) v.violations.push_back(std::to_string(two_contents) + " event ids with two contents");
  int doubled = 0, two_ways = 0, out_of_order = 0, lost = 0;
  for (const auto& [id, o] : orders) {
    doubled += o.placed.size() > 1 || o.confirmed.size() > 1 || o.rejected.size() > 1;
    two_ways += !o.confirmed.empty() && !o.rejected.empty();
    out_of_order += o.decided_before_placed;
  }
  std::vector<SystemTime> decided_at(accepted.size());
  for (size_t i = 0; i < accepted.size(); ++i) {
    const auto it = orders.find(accepted[i].order_id);
    if (it == orders.end() || it->second.placed.empty() || it->second.decided_at == SystemTime{}) {
      ++lost;
      continue;
    }
    decided_at[i] = it->second.decided_at;
    v.longest_to_decision =
        std::max(v.longest_to_decision, ms_between(accepted[i].accepted_at, decided_at[i]));
  }
  if (doubled > 0) v.violations.push_back(std::to_string(doubled) + " orders placed or decided twice");
  if (two_ways > 0) v.violations.push_back(std::to_string(two_ways) + " orders both confirmed and rejected");
  if (out_of_order > 0)
    v.violations.push_back(std::to_string(out_of_order) +
                           " orders decided before OrderPlaced in orders.events");
  if (lost > 0)
    v.violations.push_back(std::to_string(lost) + " accepted orders without OrderPlaced and a decision");
  for (const auto& f : faults) {
    milliseconds r{0};
    for (size_t i = 0; i < accepted.size(); ++i) {
      if (accepted[i].accepted_at <= f.ended && decided_at[i] != SystemTime{})
        r = std::max(r, ms_between(f.ended, decided_at[i]));
    }
    v.recovery.push_back(r);
  }
  const auto verify = p.run_ctl({"verify", "--pending-seconds", "3600"});
  if (verify.exit_code != 0) v.violations.push_back("orderflow-ctl verify failed:\n" + verify.output);
  return v;
}

void report(const std::string& scenario, uint64_t seed, const TrafficCounts& c,
            const std::vector<Fault>& faults, const Verdict& v, SystemTime load_started) {
  std::ostringstream out;
  out << "\n### nemesis " << scenario << " (seed " << seed << ")\n\n"
      << "orders accepted " << v.orders << " (" << c.orders_accepted << " POST /v1/orders, "
      << c.checkouts_accepted << " checkouts), cancels accepted " << c.cancels_accepted << ", restocks "
      << c.restocks_accepted << ", refused (5xx) " << c.refused << ", unanswered " << c.no_answer
      << ", retried with the same key " << c.retried << "\n\n"
      << "| fault | at | lasted | recovery |\n| --- | --- | --- | --- |\n";
  for (size_t i = 0; i < faults.size(); ++i) {
    out << "| " << faults[i].what << " | " << seconds(ms_between(load_started, faults[i].started)) << " | "
        << seconds(ms_between(faults[i].started, faults[i].ended)) << " | "
        << (i < v.recovery.size() ? seconds(v.recovery[i]) : "-") << " |\n";
  }
  out << "\nlongest 202 -> decision " << seconds(v.longest_to_decision) << "; violations "
      << v.violations.size() << "\n";
  for (const auto& s : v.violations) out << "- " << s << "\n";
  std::cout << out.str() << std::flush;
  if (const char* path = std::getenv("ORDERFLOW_NEMESIS_REPORT")) {
    std::ofstream(path, std::ios::app) << out.str();
  }
}

}  // namespace orderflow::nemesis
