#!/usr/bin/env python3
"""`make bench`: the orderflow benchmarks, on the local stack that `make up` started.

Measures, in one run, each figure --runs times (min/median/max):
  broker   the broker's raw rate for ~350-byte messages (orderflow-broker-bench: acks=all, idempotent
           producer -> consumer, own topic per run): the limit of the pipeline;
  bare     a bare Pistache endpoint (orderflow-bare-pistache, the api's thread settings) under wrk with
           keep-alive: the HTTP limit of this machine;
  api      the api's accepted orders/s (202 after the broker's ack) under wrk (wrk_orders.lua: a new
           order per request), then the time until the pipeline decided every one of them: the
           saturated end-to-end rate (flood + drain);
  e2e      orderflow-loadgen --follow at a fixed rate near the saturated e2e rate and at half of it:
           decided orders/s and 202 -> decision latency;
  and, during the api and e2e phases, records per DB transaction per worker (orderflow_batch_records
  sum/count from each worker's /metrics) and the peak RSS (VmRSS) of the api and each worker.
Writes bench-results/<UTC time>/report.{md,json} (+ raw/ outputs) and bench-results/latest.{md,json}.
Python 3 standard library only. Settings from infra/env.sh (the Makefile sources it).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BENCH_SKUS = 100
BENCH_STOCK = 1_000_000_000

T0 = time.monotonic()
args_global = None


def log(msg):
    print(f"[bench {time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def env(name, default=None):
    value = os.environ.get(name)
    return value if value else default


# ---------------------------------------------------------------------------------------------------
# The stack


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


def psql(sql, dsn, timeout=60):
    out = subprocess.run(["psql", dsn, "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"psql failed: {out.stderr.strip()}")
    return out.stdout.strip()


def read_cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def find_processes(state_dir):
    """name -> {pid, metrics_port (workers), role} of the pipeline's running processes."""
    procs = {}
    pdir = Path(state_dir) / "procs"
    for f in sorted(pdir.glob("*.pid")):
        name = f.stem
        if name != "api" and not name.startswith("worker-"):
            continue
        try:
            pid = int(f.read_text().strip())
        except ValueError:
            continue
        args = [a.decode() for a in read_cmdline(pid)]
        if not args or "orderflow" not in args[0]:
            continue
        entry = {"pid": pid}
        try:
            # "(deleted)": the binary was rebuilt after the process started; it runs the older code.
            entry["stale_binary"] = os.readlink(f"/proc/{pid}/exe").endswith(" (deleted)")
        except OSError:
            entry["stale_binary"] = False
        if name.startswith("worker-"):
            entry["role"] = name[len("worker-"):]
            for i, a in enumerate(args):
                if a == "--metrics-port" and i + 1 < len(args):
                    entry["metrics_port"] = int(args[i + 1])
        procs[name] = entry
    return procs


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class RssSampler:
    """Peak VmRSS of each process while a phase runs (sampled every 0.2 s)."""

    def __init__(self, procs):
        self.procs = procs
        self.peak = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for name, p in self.procs.items():
                v = rss_mb(p["pid"])
                if v is not None:
                    self.peak[name] = max(self.peak.get(name, 0.0), v)
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    """utime + stime of a process, in seconds (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def children_of(ppid):
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            if int(stat[stat.rindex(")") + 2:].split()[1]) == ppid:
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


class CpuMeter:
    """CPU seconds used by each part of the stack between two snapshots: the api, each worker, Kafka,
    PostgreSQL (postmaster and every backend) and the load generators (this driver's children), and by
    the whole machine (/proc/stat: also whatever else runs on it)."""

    def __init__(self, procs, state_dir):
        self.groups = {name: [p["pid"]] for name, p in procs.items()}
        for name, pidfile in (("kafka", Path(state_dir) / "kafka" / "kafka.pid"),
                              ("postgres", Path(state_dir) / "postgres" / "data" / "postmaster.pid")):
            try:
                pid = int(pidfile.read_text().split()[0])
                self.groups[name] = [pid]
            except (OSError, ValueError, IndexError):
                pass

    def snapshot(self):
        snap = {}
        for name, pids in self.groups.items():
            all_pids = list(pids)
            if name == "postgres":
                all_pids += children_of(pids[0])
            snap[name] = sum(proc_cpu_seconds(p) for p in all_pids)
        import resource
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        snap["load generators"] = ru.ru_utime + ru.ru_stime
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        snap["machine busy"] = (sum(cpu) - cpu[3] - cpu[4]) / CLK_TCK  # all but idle and iowait
        return snap

    @staticmethod
    def delta(before, after):
        return {k: after.get(k, 0.0) - v for k, v in before.items()}


def scrape_batches(procs):
    """role -> (sum, count) of orderflow_batch_records of every worker."""
    out = {}
    for name, p in procs.items():
        if "metrics_port" not in p:
            continue
        try:
            _, text = http_get(f"http://127.0.0.1:{p['metrics_port']}/metrics")
        except OSError as e:
            log(f"cannot scrape {name}: {e}")
            continue
        s = c = 0.0
        for line in text.splitlines():
            m = re.match(r'orderflow_batch_records_(sum|count)\{[^}]*\}\s+(\S+)', line)
            if m:
                if m.group(1) == "sum":
                    s += float(m.group(2))
                else:
                    c += float(m.group(2))
        out[p["role"]] = (s, c)
    return out


def batch_delta(before, after):
    """role -> {records, transactions, per_tx} between two scrapes."""
    out = {}
    for role, (s1, c1) in after.items():
        s0, c0 = before.get(role, (0.0, 0.0))
        tx = c1 - c0
        out[role] = {"records": s1 - s0, "transactions": tx, "per_tx": (s1 - s0) / tx if tx > 0 else None}
    return out


# PostgreSQL's cumulative statistics are flushed by each backend at most once a second once it is idle:
# wait that long before reading them so that a phase's last transactions are counted.
PG_STATS_FLUSH_S = 1.2


def pg_write_counters(dsn):
    """Row writes so far: the database's tup_inserted + tup_updated + tup_deleted, and (ins, upd, del)
    per user table."""
    total = int(psql("SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database "
                     "WHERE datname = current_database()", dsn))
    tables = {}
    for line in psql("SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables",
                     dsn).splitlines():
        name, i, u, d = line.split("|")
        tables[name] = (int(i), int(u), int(d))
    return {"db": total, "tables": tables}


def pg_writes_begin(pipeline):
    time.sleep(PG_STATS_FLUSH_S)
    return {"t_db": pipeline.db_now(), **pg_write_counters(pipeline.dsn)}


def pg_writes_end(pipeline, begin):
    """Row writes between begin and now per order decided since begin (orders whose decision, updated_at,
    is later), and the 10 tables that took most of them."""
    time.sleep(PG_STATS_FLUSH_S)
    end = pg_write_counters(pipeline.dsn)
    decided = int(psql("SELECT count(*) FROM orders.orders WHERE status <> 'PENDING' AND updated_at >= "
                       f"'{begin['t_db']}'::timestamptz", pipeline.dsn))
    rows = end["db"] - begin["db"]
    tables = []
    for name, v in end["tables"].items():
        d = [a - b for a, b in zip(v, begin["tables"].get(name, (0, 0, 0)))]
        if sum(d) > 0:
            tables.append({"table": name, "writes": sum(d), "ins": d[0], "upd": d[1], "del": d[2],
                           "per_decided": sum(d) / decided if decided else None})
    tables.sort(key=lambda t: -t["writes"])
    return {"decided": decided, "row_writes": rows, "per_decided": rows / decided if decided else None,
            "tables_top": tables[:10]}


class Pipeline:
    def __init__(self, args, procs):
        self.args = args
        self.procs = procs
        self.dsn = args.pg_dsn
        self.roles = sorted(p["role"] for p in procs.values() if "role" in p)

    def backlog(self, since_db_time):
        """(records not yet consumed by a running role's group, PENDING orders created since, outbox rows)"""
        rows = psql("SELECT group_id, topic, sum(next_offset) FROM runtime.consumer_offsets GROUP BY 1, 2", self.dsn)
        consumed = {}
        for line in rows.splitlines():
            g, t, n = line.split("|")
            if g in self.roles:
                consumed[(g, t)] = int(n)
        topics = sorted({t for (_, t) in consumed})
        ends = {}
        if topics:
            out = subprocess.run([str(self.args.bin_probe), "--brokers", self.args.brokers, *topics],
                                 capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                raise RuntimeError(f"bench-probe failed: {out.stderr.strip()}")
            ends = json.loads(out.stdout)
        lag = sum(max(0, ends.get(t, 0) - n) for (_, t), n in consumed.items())
        counts = psql("SELECT (SELECT count(*) FROM orders.orders WHERE status = 'PENDING' AND created_at >= "
                      f"'{since_db_time}'::timestamptz), (SELECT count(*) FROM runtime.outbox_pending)", self.dsn)
        pending, outbox = (int(x) for x in counts.split("|"))
        return lag, pending, outbox

    def db_now(self):
        return psql("SELECT now()", self.dsn)

    def decisions(self, run_id, t_db, window_offset_s, window_s):
        """Server-side view of a loadgen run (its orders have Idempotency-Keys lg-<run_id>-...): orders
        decided per second inside the measured window (by the decision's transaction time, updated_at)
        and placed -> decided percentiles (updated_at - placed_at) of the orders placed in it."""
        ws = f"('{t_db}'::timestamptz + interval '{window_offset_s} seconds')"
        we = f"({ws} + interval '{window_s} seconds')"
        row = psql(
            "SELECT count(*) FILTER (WHERE updated_at >= " + ws + " AND updated_at < " + we + "), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - placed_at)) "
            "FILTER (WHERE placed_at >= " + ws + " AND placed_at < " + we + "), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - placed_at)) "
            "FILTER (WHERE placed_at >= " + ws + " AND placed_at < " + we + ") "
            f"FROM orders.orders WHERE idempotency_key LIKE 'lg-{run_id}-%' AND status <> 'PENDING'", self.dsn)
        n, p50, p99 = row.split("|")
        return {"decided_per_s": int(n) / window_s, "p50_ms": float(p50) * 1000 if p50 else None,
                "p99_ms": float(p99) * 1000 if p99 else None}

    def wait_caught_up(self, since_db_time, timeout, what=""):
        """Polls until nothing is left to do (no lag, no PENDING order since, empty outbox) twice in a row.
        Returns the monotonic time of the first of those two polls, or None on timeout."""
        deadline = time.monotonic() + timeout
        first_idle = None
        last_log = 0.0
        while time.monotonic() < deadline:
            t = time.monotonic()
            lag, pending, outbox = self.backlog(since_db_time)
            if lag == 0 and pending == 0 and outbox == 0:
                if first_idle is not None:
                    return first_idle
                first_idle = t
                time.sleep(0.1)
                continue
            first_idle = None
            if t - last_log >= 5:
                log(f"  {what}waiting for the pipeline: {lag} record(s) to consume, {pending} PENDING order(s), "
                    f"{outbox} outbox row(s)")
                last_log = t
            time.sleep(0.25)
        return None


# ---------------------------------------------------------------------------------------------------
# Measurements


def summarize(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return {"runs": values, "min": None, "median": None, "max": None}
    return {"runs": values, "min": min(vals), "median": statistics.median(vals), "max": max(vals)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def storefront_key():
    """The storefront API key the api of `make up` takes ($ORDERFLOW_API_KEY, else the demo key
    infra/pipeline.sh wrote to the state dir); "" for an api with no keys."""
    if os.environ.get("ORDERFLOW_API_KEY"):
        return os.environ["ORDERFLOW_API_KEY"]
    keys = Path(env("ORDERFLOW_STATE_DIR", str(ROOT / ".run" / "local"))) / "demo-keys"
    if keys.exists():
        for line in keys.read_text().splitlines():
            if line.startswith("storefront "):
                return line.split()[1]
    return ""


def run_wrk(args, url, script, seconds, extra_env=None, raw_name=None, api=True, connection_header=True):
    """connection_header=False: no Connection header at all (neither -H nor the script's), a plain HTTP/1.1
    client that relies on the server's keep-alive default (issue 10 item 3)."""
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.wrk_connections}", f"-d{seconds}s", "--timeout", "10s"]
    if connection_header:
        cmd += ["-H", "Connection: keep-alive"]
    if api and args.api_key:
        cmd += ["-H", f"Authorization: Bearer {args.api_key}"]
    cmd += ["-s", str(script), url]
    e = dict(os.environ)
    e.update(extra_env or {})
    if not connection_header:
        e["BENCH_NO_CONNECTION"] = "1"
    out = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=seconds + 60)
    if raw_name:
        (args.raw / raw_name).write_text(" ".join(cmd) + "\n" + out.stdout + out.stderr)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")


def phase_broker(args):
    results = []
    for i in range(args.runs):
        out = subprocess.run([str(args.bin_broker), "--brokers", args.brokers, "--messages", str(args.broker_messages)],
                             capture_output=True, text=True, timeout=300)
        (args.raw / f"broker-{i + 1}.txt").write_text(out.stdout + out.stderr)
        line = next((l for l in out.stdout.splitlines() if l.startswith("{")), None)
        if out.returncode != 0 or line is None:
            raise RuntimeError(f"broker bench failed: {out.stderr.strip()[-500:]}")
        r = json.loads(line)
        results.append(r)
        log(f"  broker run {i + 1}: {r['acked_per_s']:.0f} msg/s acked, {r['e2e_per_s']:.0f} msg/s end to end, "
            f"p99 {r['latency_ms']['p99']:.1f} ms")
    return results


def phase_bare(args):
    port = free_port()
    log_file = open(args.raw / "bare-pistache.log", "w")
    server = subprocess.Popen([str(args.bin_bare), "--port", str(port), "--threads", str(args.api_threads)],
                              stdout=log_file, stderr=subprocess.STDOUT)
    results = []
    peak = 0.0
    try:
        if not wait_port(port):
            raise RuntimeError("the bare Pistache endpoint did not start")
        for i in range(args.runs):
            with RssSampler({"bare": {"pid": server.pid}}) as rss:
                r = run_wrk(args, f"http://127.0.0.1:{port}/v1/orders", HERE / "wrk_keepalive.lua", args.bare_seconds,
                            raw_name=f"bare-{i + 1}.txt", api=False)
            peak = max(peak, rss.peak.get("bare", 0.0))
            results.append(r)
            log(f"  bare run {i + 1}: {r['requests_per_s']:.0f} req/s, p50 {r['latency_ms']['p50']:.2f} ms, "
                f"p99 {r['latency_ms']['p99']:.2f} ms, errors {r['errors']}")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log_file.close()
    return results, peak


def phase_api(args, pipeline, procs, no_connection_too=True, tag="api"):
    """wrk flood of new orders, then until the pipeline decided them all: api accepted/s and the
    saturated end-to-end rate. Also batch sizes, RSS, CPU and row writes under that load.
    no_connection_too: each run is followed by the same flood from a client that sends no Connection
    header (interleaved A B A B, the box is noisy); returns (with header runs, without header runs)."""
    with_header, without = [], []
    for i in range(args.runs):
        with_header.append(api_flood(args, pipeline, procs, f"{tag}-{i + 1}", True))
        if no_connection_too:
            without.append(api_flood(args, pipeline, procs, f"{tag}-noconn-{i + 1}", False))
    return with_header, without


def api_flood(args, pipeline, procs, name, connection_header):
    pg0 = pg_writes_begin(pipeline)
    since = pipeline.db_now()
    before = scrape_batches(procs)
    run_id = f"{int(time.time())}-{name}"
    cpu0 = args.cpu.snapshot()
    with RssSampler(procs) as rss:
        t_start = time.monotonic()
        r = run_wrk(args, f"http://127.0.0.1:{args.api_port}/v1/orders", HERE / "wrk_orders.lua", args.api_seconds,
                    extra_env={"BENCH_RUN": run_id, "BENCH_SKUS": str(BENCH_SKUS)}, raw_name=f"{name}.txt",
                    connection_header=connection_header)
        t_flood_end = time.monotonic()
        errors = r["errors"]
        accepted = r["requests"] - errors["status"]
        t_done = pipeline.wait_caught_up(since, args.drain_timeout, "api flood: ")
    after = scrape_batches(procs)
    cpu = CpuMeter.delta(cpu0, args.cpu.snapshot())
    pgw = pg_writes_end(pipeline, pg0)
    res = {
        "connection_header": connection_header,
        "pg_writes": pgw,
        "cpu_seconds": cpu,
        "cpu_ms_per_order": {k: 1000 * v / max(accepted, 1) for k, v in cpu.items()},
        "wrk": r,
        "accepted": accepted,
        "accepted_per_s": accepted / r["duration_s"],
        "flood_seconds": t_flood_end - t_start,
        "caught_up_seconds": None if t_done is None else t_done - t_start,
        "e2e_saturated_per_s": None if t_done is None else accepted / max(t_done - t_start, 1e-9),
        "drain_after_flood_seconds": None if t_done is None else max(0.0, t_done - t_flood_end),
        "batches": batch_delta(before, after),
        "rss_peak_mb": rss.peak,
    }
    log(f"  {name}{'' if connection_header else ' (no Connection header)'}: "
        f"{res['accepted_per_s']:.0f} accepted/s (p50 {r['latency_ms']['p50']:.1f} ms, "
        f"p99 {r['latency_ms']['p99']:.1f} ms, non-2xx {errors['status']}); all decided after "
        f"{res['caught_up_seconds'] if t_done is None else round(res['caught_up_seconds'], 2)} s -> "
        f"{res['e2e_saturated_per_s'] and round(res['e2e_saturated_per_s'])} decided/s; batches "
        f"{ {k: (v['per_tx'] and round(v['per_tx'], 1)) for k, v in res['batches'].items()} }; "
        f"{fmt(pgw['per_decided'], 1)} row writes per decided order")
    return res


def run_loadgen(args, rate, seconds, name, mix="order=1", follow=True, run_id=None, extra=()):
    out_json = args.raw / f"{name}.json"
    cmd = [str(args.bin_loadgen), "--port", str(args.api_port), "--rate", str(rate), "--duration", str(seconds),
           "--warmup", str(args.warmup), "--mix", mix, "--sku-prefix", "BENCH-", "--connections",
           str(args.loadgen_connections), "--json", str(out_json), "--run-id", run_id or f"{name}-{int(time.time())}"]
    if args.api_key:
        cmd += ["--api-key", args.api_key]
    if follow:
        cmd += ["--follow", "--follow-timeout", "30"]
    cmd += list(extra)
    with open(args.raw / f"{name}.txt", "w") as f:
        f.write(" ".join(cmd) + "\n")
        f.flush()
        out = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=seconds + args.warmup + 120)
    if out.returncode not in (0, 2) or not out_json.exists():
        raise RuntimeError(f"orderflow-loadgen failed ({out.returncode}): see {args.raw / (name + '.txt')}")
    return json.loads(out_json.read_text())


def sustains(r, rate):
    """A fixed-rate run kept up: decisions read in the window >= 95 % of the rate, nothing failed or
    given up, and the 202 -> decision p99 stayed under --sustain-p99-ms (no growing backlog)."""
    f = r.get("follow", {})
    p99 = f.get("decision_latency", {}).get("p99")
    return (f.get("decided_per_second", 0) >= 0.95 * rate and r["failed"] == 0 and f.get("gave_up", 0) == 0
            and f.get("unfinished", 0) == 0 and p99 is not None and p99 <= args_global.sustain_p99_ms)


def phase_search(args, pipeline, upper, name="search"):
    """The highest fixed rate (orders/s, with --follow) the pipeline sustains, by bisection below the
    saturated rate `upper`: short runs, each after the pipeline caught up."""
    lo, hi = 0.0, float(upper)
    probes = []
    rate = round(upper * 0.5)
    for step in range(args.search_steps):
        since = pipeline.db_now()
        if pipeline.wait_caught_up(since, args.drain_timeout, "before probe: ") is None:
            log("  the pipeline did not catch up before the probe; probing anyway")
        r = run_loadgen(args, rate, args.search_seconds, f"{name}-{step + 1}")
        ok = sustains(r, rate)
        f = r.get("follow", {})
        probes.append({"rate": rate, "sustained": ok, "decided_per_s": f.get("decided_per_second"),
                       "decision_p99_ms": f.get("decision_latency", {}).get("p99")})
        log(f"  probe {step + 1}: {rate}/s -> {f.get('decided_per_second', 0):.0f} decided/s, p99 "
            f"{fmt(f.get('decision_latency', {}).get('p99'), 1)} ms: {'sustained' if ok else 'NOT sustained'}")
        if ok:
            lo = rate
        else:
            hi = rate
        rate = round((lo + hi) / 2)
    if lo == 0:
        lo = max(1, round(probes[-1]["rate"] / 2))
        log(f"  no probe was sustained; using {lo}/s")
    return round(lo), probes


def phase_e2e(args, pipeline, procs, rate, label):
    results = []
    for i in range(args.runs):
        since = pipeline.db_now()
        if pipeline.wait_caught_up(since, args.drain_timeout, "before e2e: ") is None:
            log("  the pipeline did not catch up before the run; measuring anyway")
        pg0 = pg_writes_begin(pipeline)
        cpu0 = args.cpu.snapshot()
        before = scrape_batches(procs)
        t_db = pipeline.db_now()
        run_id = f"e2e-{label}-{i + 1}-{int(time.time())}"
        with RssSampler(procs) as rss:
            r = run_loadgen(args, rate, args.e2e_seconds, f"e2e-{label}-{i + 1}", run_id=run_id)
        after = scrape_batches(procs)
        # Drained, so that the row writes and the CPU belong to the orders decided in the phase.
        pipeline.wait_caught_up(t_db, args.drain_timeout, f"after e2e {label}: ")
        cpu = CpuMeter.delta(cpu0, args.cpu.snapshot())
        pgw = pg_writes_end(pipeline, pg0)
        db = pipeline.decisions(run_id, t_db, args.warmup + 0.05, args.e2e_seconds)
        f = r.get("follow", {})
        order = r["kinds"].get("order", {})
        res = {
            "rate": rate,
            "achieved_per_s": r["throughput"],
            "decided_per_s": f.get("decided_per_second"),
            "decision_p50_ms": f.get("decision_latency", {}).get("p50"),
            "decision_p90_ms": f.get("decision_latency", {}).get("p90"),
            "decision_p99_ms": f.get("decision_latency", {}).get("p99"),
            "decision_max_ms": f.get("decision_latency", {}).get("max"),
            "accept_p50_ms": order.get("latency", {}).get("p50"),
            "accept_p99_ms": order.get("latency", {}).get("p99"),
            "failed": r["failed"],
            "outcomes": f.get("outcomes", {}),
            "gave_up": f.get("gave_up", 0),
            "unfinished": f.get("unfinished", 0),
            "max_send_lag_ms": r.get("max_send_lag_ms"),
            "db_decided_per_s": db["decided_per_s"],
            "db_placed_to_decided_p50_ms": db["p50_ms"],
            "db_placed_to_decided_p99_ms": db["p99_ms"],
            "batches": batch_delta(before, after),
            "rss_peak_mb": rss.peak,
            "pg_writes": pgw,
            "cpu_ms_per_decided": {k: 1000 * v / max(pgw["decided"], 1) for k, v in cpu.items()},
        }
        results.append(res)
        log(f"  e2e {label} run {i + 1}: {fmt(pgw['per_decided'], 1)} row writes per decided order, machine CPU "
            f"{res['cpu_ms_per_decided']['machine busy']:.3f} ms per decided order")
        log(f"  e2e {label} run {i + 1}: DB {fmt(db['decided_per_s'])} decided/s, placed->decided p50 "
            f"{fmt(db['p50_ms'], 1)} ms p99 {fmt(db['p99_ms'], 1)} ms")
        log(f"  e2e {label} run {i + 1} at {rate}/s: {res['decided_per_s']:.0f} decided/s, 202->decision p50 "
            f"{res['decision_p50_ms']:.1f} ms p99 {res['decision_p99_ms']:.1f} ms; 202 p99 {res['accept_p99_ms']:.1f} ms; "
            f"failed {res['failed']}, gave up {res['gave_up']}; batches "
            f"{ {k: (v['per_tx'] and round(v['per_tx'], 1)) for k, v in res['batches'].items()} }")
    return results


def phase_storefront(args, pipeline, procs):
    """The whole storefront mix (cart adds, checkouts, orders, status reads, cancels) as fast as
    --loadgen-connections go, then until the pipeline caught up: per-kind latency at saturation and
    batch sizes of every worker (the only phase with cart traffic)."""
    results = []
    for i in range(args.runs):
        since = pipeline.db_now()
        before = scrape_batches(procs)
        with RssSampler(procs) as rss:
            t_start = time.monotonic()
            r = run_loadgen(args, 0, args.storefront_seconds, f"storefront-{i + 1}", mix=args.storefront_mix,
                            follow=False)
            t_done = pipeline.wait_caught_up(since, args.drain_timeout, "storefront: ")
        after = scrape_batches(procs)
        res = {
            "throughput": r["throughput"],
            "kinds": {k: {"throughput": v["throughput"], "p50_ms": v["latency"]["p50"], "p99_ms": v["latency"]["p99"],
                          "status": v["status"], "errors": v["errors"]} for k, v in r["kinds"].items()},
            "failed": r["failed"],
            "caught_up_seconds": None if t_done is None else t_done - t_start,
            "batches": batch_delta(before, after),
            "rss_peak_mb": rss.peak,
        }
        results.append(res)
        log(f"  storefront run {i + 1}: {res['throughput']:.0f} req/s of the mix, failed {res['failed']}; "
            f"caught up after {fmt(res['caught_up_seconds'], 1)} s; batches "
            f"{ {k: (v['per_tx'] and round(v['per_tx'], 1)) for k, v in res['batches'].items()} }")
    return results


def phase_hot_sku(args, pipeline, procs):
    """A flood of orders with --hot-share of the SKU picks on one SKU (1 of the 100 bench SKUs): closed
    loop as fast as --loadgen-connections go for --api-seconds, then until the pipeline caught up;
    decided/s = the run's decided orders / (start -> caught up). One partition, one writer for that SKU."""
    results = []
    for i in range(args.runs):
        pg0 = pg_writes_begin(pipeline)
        since = pipeline.db_now()
        run_id = f"hot-{i + 1}-{int(time.time())}"
        t_start = time.monotonic()
        with RssSampler(procs) as rss:
            r = run_loadgen(args, 0, args.hot_seconds, f"hot-sku-{i + 1}", follow=False, run_id=run_id,
                            extra=["--hot-fraction", f"{1 / BENCH_SKUS}", "--hot-share", f"{args.hot_share}",
                                   "--max-lines", "1"])
            t_done = pipeline.wait_caught_up(since, args.drain_timeout, "hot SKU: ")
        pgw = pg_writes_end(pipeline, pg0)
        row = psql("SELECT count(*), count(*) FILTER (WHERE l.sku = (SELECT sku FROM orders.order_lines l2 JOIN "
                   "orders.orders o2 USING (order_id) WHERE o2.idempotency_key LIKE 'lg-" + run_id + "-%' GROUP BY sku "
                   "ORDER BY count(*) DESC LIMIT 1)) FROM orders.orders o JOIN orders.order_lines l USING (order_id) "
                   f"WHERE o.idempotency_key LIKE 'lg-{run_id}-%' AND o.status <> 'PENDING'", pipeline.dsn)
        decided, on_hot = (int(x) for x in row.split("|"))
        res = {"accepted_per_s": r["throughput"], "decided": decided,
               "hot_line_share": on_hot / decided if decided else None,
               "caught_up_seconds": None if t_done is None else t_done - t_start,
               "decided_per_s": None if t_done is None else decided / max(t_done - t_start, 1e-9),
               "failed": r["failed"], "pg_writes": pgw, "rss_peak_mb": rss.peak}
        results.append(res)
        log(f"  hot SKU run {i + 1}: {res['accepted_per_s']:.0f} accepted/s, {decided} decided "
            f"({fmt(res['hot_line_share'] and 100 * res['hot_line_share'], 0)} % of the lines on the hot SKU), "
            f"all decided after {fmt(res['caught_up_seconds'], 1)} s -> {fmt(res['decided_per_s'])} decided/s")
    return results


def fill_large_state(args, pipeline, count):
    """Adds `count` decided orders (like the pipeline leaves them) in one transaction with bulk SQL:
    orders.orders + order_lines (1 line over the bench SKUs, 95 % CONFIRMED, 5 % REJECTED, placed a day
    ago so no bench query window sees them), their inventory.reservations and, for the orders and
    inventory consumer groups, one runtime.processed_messages row per order (at least one message per
    order per group: the tables grow at least this much per order). Returns rows and seconds."""
    tag = f"large-{int(time.time())}"
    sql = f"""
BEGIN;
CREATE TEMP TABLE bench_fill ON COMMIT DROP AS
  SELECT gen_random_uuid() AS id, i, format('BENCH-%s', lpad((1 + i % {BENCH_SKUS})::text, 4, '0')) AS sku,
         i % 20 = 0 AS rejected, now() - interval '1 day' - (i % 86400) * interval '1 second' AS t
  FROM generate_series(1, {count}) i;
INSERT INTO orders.orders (order_id, customer_id, idempotency_key, status, reason, total_cents, version, placed_at,
                           created_at, updated_at)
  SELECT id, 'large-c' || (i % 100000), '{tag}-' || i, CASE WHEN rejected THEN 'REJECTED' ELSE 'CONFIRMED' END,
         CASE WHEN rejected THEN 'OUT_OF_STOCK' END, 100 + (1 + i % {BENCH_SKUS}), 2, t, t, t + interval '50 ms'
  FROM bench_fill;
INSERT INTO orders.order_lines (order_id, line_no, sku, quantity, unit_price_cents)
  SELECT id, 1, sku, 1, 100 + (1 + i % {BENCH_SKUS}) FROM bench_fill;
INSERT INTO inventory.reservations (order_id, sku, quantity, state, created_at, updated_at)
  SELECT id, sku, 1, CASE WHEN rejected THEN 'SHORT' ELSE 'RESERVED' END, t, t FROM bench_fill;
INSERT INTO runtime.processed_messages (group_id, message_id, processed_at)
  SELECT g, gen_random_uuid(), t FROM bench_fill, (VALUES ('orders'), ('inventory')) AS groups(g);
COMMIT;
ANALYZE orders.orders; ANALYZE orders.order_lines; ANALYZE inventory.reservations; ANALYZE runtime.processed_messages;
"""
    t0 = time.monotonic()
    psql(sql, pipeline.dsn, timeout=max(600, count / 1000))
    took = time.monotonic() - t0
    total = int(psql("SELECT count(*) FROM orders.orders", pipeline.dsn))
    return {"orders_added": count, "rows_added": count * 5, "seconds": took, "orders_per_s": count / took,
            "orders_in_table": total}


def phase_large_state(args, pipeline, procs, count):
    """The saturation and sustained phases again after `count` more orders in the tables."""
    log(f"large state: adding {count:,} decided orders with bulk SQL")
    fill = fill_large_state(args, pipeline, count)
    log(f"  filled in {fill['seconds']:.1f} s ({fill['orders_per_s']:,.0f} orders/s, 5 rows each); "
        f"orders.orders now holds {fill['orders_in_table']:,} rows")
    pipeline.wait_caught_up(pipeline.db_now(), args.drain_timeout, "after the fill: ")
    api, _ = phase_api(args, pipeline, procs, no_connection_too=False, tag="large-api")
    sat = statistics.median([r["e2e_saturated_per_s"] or 0 for r in api])
    sustained, search = phase_search(args, pipeline, max(sat, 1), name="large-search")
    return {"fill": fill, "api": api, "saturated": sat, "sustained": sustained, "search": search}


# ---------------------------------------------------------------------------------------------------
# Report


def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu_model"] = m.group(1).strip() if m else "?"
        m = re.search(r"^cpu MHz\s*:\s*(.+)$", cpuinfo, re.M)
        info["cpu_mhz"] = float(m.group(1)) if m else None
    except OSError:
        info["cpu_model"] = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info["loadavg_at_start"] = Path("/proc/loadavg").read_text().split()[:3]
    # Other busy processes on the box (a shared machine skews every figure).
    try:
        out = subprocess.run(["ps", "-eo", "pid,pcpu,rss,comm", "--sort=-pcpu"], capture_output=True, text=True)
        info["top_processes_at_start"] = out.stdout.splitlines()[:8]
    except OSError:
        pass
    return info


def git_info():
    def git(*a):
        r = subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True)
        return r.stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def fmt(v, digits=0, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,}{unit}"


def mmm(s, digits=0):
    return f"{fmt(s['min'], digits)} / **{fmt(s['median'], digits)}** / {fmt(s['max'], digits)}"


def build_report(args, data):
    fig = {}
    b = data["broker"]
    fig["broker_acked_per_s"] = summarize([r["acked_per_s"] for r in b])
    fig["broker_e2e_per_s"] = summarize([r["e2e_per_s"] for r in b])
    fig["broker_latency_p99_ms"] = summarize([r["latency_ms"]["p99"] for r in b])
    fig["bare_req_per_s"] = summarize([r["requests_per_s"] for r in data["bare"]])
    fig["bare_p99_ms"] = summarize([r["latency_ms"]["p99"] for r in data["bare"]])
    a = data["api"]
    fig["api_accepted_per_s"] = summarize([r["accepted_per_s"] for r in a])
    fig["api_p50_ms"] = summarize([r["wrk"]["latency_ms"]["p50"] for r in a])
    fig["api_p99_ms"] = summarize([r["wrk"]["latency_ms"]["p99"] for r in a])
    fig["api_non_2xx"] = summarize([r["wrk"]["errors"]["status"] for r in a])
    fig["e2e_saturated_per_s"] = summarize([r["e2e_saturated_per_s"] for r in a])
    fig["e2e_sustained_rate"] = summarize([data["rates"]["sustained"]])
    an = data["api_noconn"]
    fig["api_noconn_accepted_per_s"] = summarize([r["accepted_per_s"] for r in an])
    fig["api_noconn_p99_ms"] = summarize([r["wrk"]["latency_ms"]["p99"] for r in an])
    fig["api_noconn_over_with"] = summarize([x["accepted_per_s"] / y["accepted_per_s"] if y["accepted_per_s"] else None
                                             for x, y in zip(an, a)])
    hot = data["hot_sku"]
    fig["hot_sku_decided_per_s"] = summarize([r["decided_per_s"] for r in hot])
    fig["hot_sku_accepted_per_s"] = summarize([r["accepted_per_s"] for r in hot])
    fig["hot_sku_line_share"] = summarize([r["hot_line_share"] for r in hot])
    for label in ("high", "half", "moderate"):
        runs = data["e2e"][label]
        for key in ("decided_per_s", "decision_p50_ms", "decision_p99_ms", "accept_p50_ms", "accept_p99_ms",
                    "db_decided_per_s", "db_placed_to_decided_p50_ms", "db_placed_to_decided_p99_ms"):
            fig[f"e2e_{label}_{key}"] = summarize([r[key] for r in runs])
    sf = data["storefront"]
    fig["storefront_per_s"] = summarize([r["throughput"] for r in sf])
    for kind in sorted({k for r in sf for k in r["kinds"]}):
        fig[f"storefront_{kind}_p99_ms"] = summarize([r["kinds"].get(kind, {}).get("p99_ms") for r in sf])
    # Records per transaction per role and phase (median over runs).
    batches = {}
    phases = {"saturated": a, "storefront": sf, "high": data["e2e"]["high"], "half": data["e2e"]["half"],
              "moderate": data["e2e"]["moderate"]}
    for phase, runs in phases.items():
        for role in sorted({role for r in runs for role in r["batches"]}):
            batches.setdefault(role, {})[phase] = summarize([r["batches"].get(role, {}).get("per_tx") for r in runs])
    # Peak RSS per process over every phase.
    rss = {}
    for runs in list(phases.values()) + [an, hot]:
        for r in runs:
            for name, v in r["rss_peak_mb"].items():
                rss.setdefault(name, []).append(v)
    rss_peak = {name: max(v) for name, v in rss.items()}

    med = lambda k: fig[k]["median"]
    def ratio(x, y):
        return None if x is None or not y else x / y

    targets = []
    def target(name, value, goal, ok, detail):
        targets.append({"target": name, "value": value, "goal": goal, "pass": bool(ok), "detail": detail})

    r1 = ratio(med("api_accepted_per_s"), med("bare_req_per_s"))
    # Row writes (pg_stat_database tuple counters) and CPU of the whole box per decided order, per phase.
    pg_phases = {"api flood (with Connection)": a, "api flood (no Connection)": an, "near max": data["e2e"]["high"],
                 "half": data["e2e"]["half"], f"moderate {args.moderate_rate}/s": data["e2e"]["moderate"],
                 "hot SKU flood": hot}
    large = data.get("large_state")
    if large:
        pg_phases["api flood, large state"] = large["api"]
    row_writes, table_writes = {}, {}
    for ph, runs in pg_phases.items():
        row_writes[ph] = summarize([r["pg_writes"]["per_decided"] for r in runs])
        per_table = {}
        for r in runs:
            for t in r["pg_writes"]["tables_top"]:
                per_table.setdefault(t["table"], []).append(t["per_decided"])
        table_writes[ph] = sorted(((t, statistics.median(v)) for t, v in per_table.items() if None not in v),
                                  key=lambda kv: -kv[1])[:10]
    cpu_decided = {"api flood (with Connection)": summarize([r["cpu_ms_per_order"]["machine busy"] for r in a])}
    for label in ("high", "half", "moderate"):
        cpu_decided[label] = summarize([r["cpu_ms_per_decided"]["machine busy"] for r in data["e2e"][label]])

    target("end to end at saturation >= 6,000 decided/s", med("e2e_saturated_per_s"), 6000,
           (med("e2e_saturated_per_s") or 0) >= 6000, "api flood: accepted / time until all decided")
    hp99 = med("e2e_high_decision_p99_ms")
    target("highest sustained with followers >= 3,000/s, p99 202->decision <= 1 s", data["rates"]["sustained"], 3000,
           data["rates"]["sustained"] >= 3000 and hp99 is not None and hp99 <= 1000,
           f"bisection (p99 <= {args.sustain_p99_ms:.0f} ms per probe); at {data['rates']['high']}/s p99 "
           f"{fmt(hp99, 1)} ms")
    r1 = ratio(med("api_accepted_per_s"), med("bare_req_per_s"))
    target("api accepted orders/s >= 0.3 x bare Pistache req/s", r1, 0.3, r1 is not None and r1 >= 0.3,
           f"{fmt(med('api_accepted_per_s'))} / {fmt(med('bare_req_per_s'))} req/s")
    rnc = fig["api_noconn_over_with"]["median"]
    target("api accepted/s without a Connection header within 20 % of with it", rnc, 0.8,
           rnc is not None and 0.8 <= rnc <= 1.25,
           f"{fmt(med('api_noconn_accepted_per_s'))} vs {fmt(med('api_accepted_per_s'))} accepted/s "
           f"(median of the per-pair ratios, pairs interleaved)")
    for ph, v in row_writes.items():
        target(f"PostgreSQL row writes per decided order <= 8 ({ph})", v["median"], 8,
               v["median"] is not None and v["median"] <= 8,
               "pg_stat_database tup_inserted+tup_updated+tup_deleted delta / orders decided in the phase")
    for ph, v in cpu_decided.items():
        target(f"CPU per decided order <= 0.3 ms, whole box ({ph})", v["median"], 0.3,
               v["median"] is not None and v["median"] <= 0.3, "/proc/stat busy time of the machine / orders decided")
    r2 = ratio(med("e2e_saturated_per_s"), med("broker_e2e_per_s"))
    target("e2e decided orders/s >= 0.25 x broker raw msgs/s", r2, 0.25, r2 is not None and r2 >= 0.25,
           f"saturated {fmt(med('e2e_saturated_per_s'))} decided/s / {fmt(med('broker_e2e_per_s'))} msgs/s "
           f"(fixed rate near max: {fmt(med('e2e_high_decided_per_s'))} decided/s)")
    p99_half = fig["e2e_half_decision_p99_ms"]
    target("p99 202->decision <= 100 ms at half the max rate", p99_half["median"], 100,
           p99_half["median"] is not None and p99_half["median"] <= 100,
           f"at {data['rates']['half']}/s: median p99 {fmt(p99_half['median'], 1)} ms (worst run {fmt(p99_half['max'], 1)} ms)")
    for role, per in sorted(batches.items()):
        # Under load = the saturating phase that gives this role the most work: the api flood (orders,
        # inventory) or the storefront mix at max throughput (the only one with cart commands).
        loaded = [ph for ph in ("saturated", "storefront") if per.get(ph, {}).get("median") is not None]
        phase = max(loaded, key=lambda ph: statistics.median(
            [r["batches"].get(role, {}).get("records", 0) for r in phases[ph]])) if loaded else None
        v = per[phase]["median"] if phase else None
        target(f">= 100 records per DB transaction under load ({role} worker)", v, 100, v is not None and v >= 100,
               f"{phase or 'no load'}; others: " + ", ".join(f"{ph} {fmt(per.get(ph, {}).get('median'), 1)}"
                                                            for ph in phases if ph != phase))
    for ph in ("high", "half", "moderate"):
        rate = data["rates"].get(ph, args.moderate_rate)
        for role, per in sorted(batches.items()):
            v = per.get(ph, {}).get("median")
            if role == "carts":
                continue  # an order-only load gives the carts worker no commands
            target(f">= 100 records per DB transaction at {rate}/s ({role} worker)", v, 100,
                   v is not None and v >= 100, f"fixed rate {ph}, --follow")
    target("hot SKU flood (80 % on one SKU): decided/s, reported", med("hot_sku_decided_per_s"), None, True,
           f"{fmt(med('hot_sku_accepted_per_s'))} accepted/s; "
           f"{fmt((med('hot_sku_line_share') or 0) * 100, 0)} % of the lines on the hot SKU")
    if large:
        for what, fresh, now in (("saturation", med("e2e_saturated_per_s"), large["saturated"]),
                                 ("highest sustained", data["rates"]["sustained"], large["sustained"])):
            rl = ratio(now, fresh)
            target(f"{what} after +{large['fill']['orders_added']:,} orders within 20 % of fresh", rl, 0.8,
                   rl is not None and rl >= 0.8,
                   f"{fmt(now)} vs fresh {fmt(fresh)}/s; orders.orders holds {large['fill']['orders_in_table']:,} rows")
    for name, v in sorted(rss_peak.items()):
        target(f"RSS <= 64 MB ({name})", v, 64, v <= 64, f"peak VmRSS {v:.1f} MB over all loaded phases")

    cpu_keys = sorted({k for r in a for k in r.get("cpu_ms_per_order", {})})
    cpu_ms = {k: statistics.median([r["cpu_ms_per_order"].get(k, 0.0) for r in a]) for k in cpu_keys}
    return {"figures": fig, "batches": batches, "rss_peak_mb": rss_peak, "targets": targets,
            "row_writes_per_decided": row_writes, "table_writes_per_decided": table_writes,
            "cpu_ms_per_decided_machine": cpu_decided,
            "cpu_ms_per_order": cpu_ms,
            "ratios": {
                "api_over_bare": r1,
                "api_over_broker": ratio(med("api_accepted_per_s"), med("broker_e2e_per_s")),
                "e2e_saturated_over_broker": r2,
                "e2e_saturated_over_api": ratio(med("e2e_saturated_per_s"), med("api_accepted_per_s")),
                "e2e_high_over_broker": ratio(med("e2e_high_decided_per_s"), med("broker_e2e_per_s")),
            }}


def render_markdown(args, data, rep):
    m = data["machine"]
    f = rep["figures"]
    lines = []
    w = lines.append
    w(f"# orderflow benchmarks — {data['started_at']}")
    w("")
    w(f"Command: `{data['command']}` (git {data['git']['commit']}{' + local changes' if data['git']['dirty'] else ''}), "
      f"{args.runs} runs per figure: min / **median** / max. Took {data['took_seconds']:.0f} s.")
    w("")
    w(f"Machine: {m['nproc']} CPU(s), {m.get('cpu_model')}, {m.get('memory_gib')} GiB RAM, Linux {m['kernel']}; "
      f"load average at start {' '.join(m['loadavg_at_start'])}. Everything (Kafka, PostgreSQL, the api, "
      f"{len(data['roles'])} worker(s): {', '.join(data['roles'])}, and the load generators) shares these CPUs.")
    w("")
    stale = sorted(n for n, p in data["processes"].items() if p["stale_binary"])
    if stale:
        w(f"Note: {', '.join(stale)} ran a binary rebuilt after it started (older code than the checkout).")
        w("")
    w("## Figures")
    w("")
    w("| figure | min / **median** / max | unit |")
    w("|---|---|---|")
    rows = [
        ("broker raw rate, acks=all + idempotent, ~350 B (acked)", "broker_acked_per_s", 0, "msgs/s"),
        ("broker raw rate, produce -> consume end to end (the limit)", "broker_e2e_per_s", 0, "msgs/s"),
        ("bare Pistache endpoint, wrk keep-alive (the HTTP limit)", "bare_req_per_s", 0, "req/s"),
        ("api accepted orders (202 after the broker's ack), wrk", "api_accepted_per_s", 0, "orders/s"),
        ("api latency under that load, p50", "api_p50_ms", 1, "ms"),
        ("api latency under that load, p99", "api_p99_ms", 1, "ms"),
        ("api non-2xx answers under that load", "api_non_2xx", 0, "answers"),
        ("api accepted orders, wrk WITHOUT a Connection header (HTTP/1.1 default)", "api_noconn_accepted_per_s", 0,
         "orders/s"),
        ("api latency without a Connection header, p99", "api_noconn_p99_ms", 1, "ms"),
        ("without / with a Connection header (per interleaved pair)", "api_noconn_over_with", 3, "ratio"),
        ("end to end at saturation (flood accepted / time until all decided)", "e2e_saturated_per_s", 0, "decided/s"),
        ("highest fixed rate sustained with --follow (bisection, one value)", "e2e_sustained_rate", 0, "orders/s"),
        (f"fixed rate near max ({data['rates']['high']}/s): decided", "e2e_high_decided_per_s", 0, "decided/s"),
        (f"fixed rate near max ({data['rates']['high']}/s): 202 -> decision p50", "e2e_high_decision_p50_ms", 1, "ms"),
        (f"fixed rate near max ({data['rates']['high']}/s): 202 -> decision p99", "e2e_high_decision_p99_ms", 1, "ms"),
        (f"fixed rate near max ({data['rates']['high']}/s): POST p99 (from intended send)", "e2e_high_accept_p99_ms", 1, "ms"),
        (f"half the max ({data['rates']['half']}/s): decided", "e2e_half_decided_per_s", 0, "decided/s"),
        (f"half the max ({data['rates']['half']}/s): 202 -> decision p50", "e2e_half_decision_p50_ms", 1, "ms"),
        (f"half the max ({data['rates']['half']}/s): 202 -> decision p99", "e2e_half_decision_p99_ms", 1, "ms"),
        (f"half the max ({data['rates']['half']}/s): POST p99 (from intended send)", "e2e_half_accept_p99_ms", 1, "ms"),
        (f"near max ({data['rates']['high']}/s), server side: decided (DB, in the window)", "e2e_high_db_decided_per_s", 0, "decided/s"),
        (f"near max ({data['rates']['high']}/s), server side: placed -> decided p50 (DB)", "e2e_high_db_placed_to_decided_p50_ms", 1, "ms"),
        (f"near max ({data['rates']['high']}/s), server side: placed -> decided p99 (DB)", "e2e_high_db_placed_to_decided_p99_ms", 1, "ms"),
        (f"half ({data['rates']['half']}/s), server side: decided (DB, in the window)", "e2e_half_db_decided_per_s", 0, "decided/s"),
        (f"half ({data['rates']['half']}/s), server side: placed -> decided p50 (DB)", "e2e_half_db_placed_to_decided_p50_ms", 1, "ms"),
        (f"half ({data['rates']['half']}/s), server side: placed -> decided p99 (DB)", "e2e_half_db_placed_to_decided_p99_ms", 1, "ms"),
        (f"moderate fixed rate ({args.moderate_rate}/s): decided", "e2e_moderate_decided_per_s", 0, "decided/s"),
        (f"moderate fixed rate ({args.moderate_rate}/s): 202 -> decision p99", "e2e_moderate_decision_p99_ms", 1, "ms"),
        ("storefront mix at max throughput (64 connections): requests of the mix", "storefront_per_s", 0, "req/s"),
        (f"hot SKU flood ({100 * args.hot_share:.0f} % on one SKU, {args.loadgen_connections} connections): decided",
         "hot_sku_decided_per_s", 0, "decided/s"),
        ("hot SKU flood: accepted", "hot_sku_accepted_per_s", 0, "orders/s"),
        ("hot SKU flood: share of the orders on the hot SKU (1 line each)", "hot_sku_line_share", 2, "fraction"),
    ]
    for key in sorted(k for k in f if k.startswith("storefront_") and k.endswith("_p99_ms")):
        kind = key[len("storefront_"):-len("_p99_ms")]
        rows.append((f"storefront mix at max throughput: {kind} p99", key, 1, "ms"))
    for label, key, digits, unit in rows:
        w(f"| {label} | {mmm(f[key], digits)} | {unit} |")
    w("")
    w("Bisection for the highest sustained rate (decided/s >= 95 % of the rate, 202 -> decision p99 <= "
      f"{args.sustain_p99_ms:.0f} ms, {args.search_seconds} s runs): " +
      ", ".join(f"{p['rate']}/s {'ok' if p['sustained'] else 'no'} ({fmt(p['decided_per_s'])}/s, p99 "
                f"{fmt(p['decision_p99_ms'], 0)} ms)" for p in data["search"]) + ".")
    w("")
    w("Records per DB transaction (orderflow_batch_records sum/count delta), median of the runs:")
    w("")
    w(f"| worker | api flood + drain | storefront max + drain | near max | half | moderate {args.moderate_rate}/s |")
    w("|---|---|---|---|---|---|")
    for role, per in sorted(rep["batches"].items()):
        w(f"| {role} | " + " | ".join(fmt(per.get(ph, {}).get('median'), 1)
                                      for ph in ("saturated", "storefront", "high", "half", "moderate")) + " |")
    w("")
    w("PostgreSQL row writes per decided order (pg_stat_database tup_inserted + tup_updated + tup_deleted delta "
      "over the phase, drained, / orders decided in it), and the tables they went to (pg_stat_user_tables "
      "n_tup_ins + n_tup_upd + n_tup_del, top 10, median per decided order):")
    w("")
    w("| phase | row writes per decided order (min / **median** / max) | per table |")
    w("|---|---|---|")
    for ph, v in rep["row_writes_per_decided"].items():
        split = ", ".join(f"{t} {x:.2f}" for t, x in rep["table_writes_per_decided"][ph])
        w(f"| {ph} | {mmm(v, 2)} | {split} |")
    w("")
    w("CPU of the whole box per decided order (/proc/stat busy, other users included), ms: " +
      "; ".join(f"{ph} {mmm(v, 3)}" for ph, v in rep["cpu_ms_per_decided_machine"].items()) + ".")
    large = data.get("large_state")
    if large:
        fl = large["fill"]
        w("")
        w(f"Large state: +{fl['orders_added']:,} decided orders by bulk SQL ({fl['rows_added']:,} rows: order, line, "
          f"reservation, 2 processed-message rows each) in {fl['seconds']:.1f} s = {fl['orders_per_s']:,.0f} orders/s; "
          f"orders.orders then held {fl['orders_in_table']:,} rows. Then: saturated "
          f"{fmt(large['saturated'])} decided/s (fresh {fmt(f['e2e_saturated_per_s']['median'])}), highest sustained "
          f"{fmt(large['sustained'])}/s (fresh {fmt(data['rates']['sustained'])}); accepted "
          + ", ".join(fmt(r['accepted_per_s']) for r in large['api']) + "/s; probes: "
          + ", ".join(f"{p['rate']}/s {'ok' if p['sustained'] else 'no'}" for p in large["search"]) + ".")
    w("")
    w("CPU per accepted order in the api phase (flood + drain until every order is decided; CPU seconds of each "
      "process / accepted orders), median of the runs. `machine busy` is all CPU time of the box, other users included:")
    w("")
    w("| part | CPU ms per order | share of the stack |")
    w("|---|---|---|")
    per = rep["cpu_ms_per_order"]
    stack_total = sum(v for k, v in per.items() if k != "machine busy")
    for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
        share = "" if k == "machine busy" else f"{100 * v / stack_total:.0f} %" if stack_total else ""
        w(f"| {k} | {v:.3f} | {share} |")
    w("")
    w("Peak RSS (VmRSS, sampled every 0.2 s during the loaded phases):")
    w("")
    w("| process | peak RSS |")
    w("|---|---|")
    for name, v in sorted(rep["rss_peak_mb"].items()):
        w(f"| {name} | {v:.1f} MB |")
    w("")
    w("## Against the targets")
    w("")
    w("| target | measured | goal | verdict | detail |")
    w("|---|---|---|---|---|")
    for t in rep["targets"]:
        verdict = "reported" if t["goal"] is None else "met" if t["pass"] else "**NOT MET**"
        w(f"| {t['target']} | {fmt(t['value'], 3 if (t['value'] or 0) < 10 else 1)} | "
          f"{'-' if t['goal'] is None else t['goal']} | {verdict} | {t['detail']} |")
    w("")
    r = rep["ratios"]
    w(f"Ratios: api / bare Pistache = {fmt(r['api_over_bare'], 3)}; api / broker = {fmt(r['api_over_broker'], 3)}; "
      f"e2e saturated / broker = {fmt(r['e2e_saturated_over_broker'], 3)}; e2e saturated / api = "
      f"{fmt(r['e2e_saturated_over_api'], 3)}; e2e near max / broker = {fmt(r['e2e_high_over_broker'], 3)}.")
    w("")
    w("## How it was measured")
    w("")
    w(f"- broker: `orderflow-broker-bench --messages {args.broker_messages}` (own topic per run, 6 partitions, "
      "acks=all, idempotence, lz4, linger.ms=2 as the api's producer; first send to last read).")
    w(f"- bare: `orderflow-bare-pistache --threads {args.api_threads}` + `wrk -t{args.wrk_threads} "
      f"-c{args.wrk_connections} -d{args.bare_seconds}s -H 'Connection: keep-alive' -s tests/bench/wrk_keepalive.lua`.")
    w(f"- api: `wrk -t{args.wrk_threads} -c{args.wrk_connections} -d{args.api_seconds}s -s tests/bench/wrk_orders.lua` "
      "(POST /v1/orders, a unique Idempotency-Key per request, BENCH-0001..0100); accepted = 2xx answers. "
      "Saturated e2e = accepted / (time from the flood's start until no consumer lag, no PENDING order and an "
      "empty outbox).")
    w(f"- e2e: `orderflow-loadgen --rate R --warmup {args.warmup} --duration {args.e2e_seconds} --mix order=1 "
      f"--follow --sku-prefix BENCH-` at R = {args.high_fraction} and 0.5 x the highest sustained rate "
      "(open model: latency from the intended send time); decided/s = decisions read in the measured window.")
    w("- server side: from orders.orders, for the run's orders (Idempotency-Key lg-<run>-...): decisions whose "
      "transaction time (updated_at) falls in the window, and updated_at - placed_at (placed_at = the api's accept).")
    w(f"- storefront: `orderflow-loadgen --rate 0 --connections {args.loadgen_connections} --duration "
      f"{args.storefront_seconds} --mix {args.storefront_mix}` (closed loop), then until the pipeline caught up.")
    w("- records per transaction: each worker's /metrics scraped before and after each run; RSS: /proc/<pid>/status.")
    w("- no Connection header: the api flood again, right after each run with it, with `BENCH_NO_CONNECTION=1` "
      "(wrk_orders.lua sends no Connection header and wrk gets no `-H Connection`).")
    w(f"- hot SKU: `orderflow-loadgen --rate 0 --duration {args.hot_seconds} --mix order=1 --hot-fraction "
      f"{1 / BENCH_SKUS} --hot-share {args.hot_share} --max-lines 1` (1 of the 100 bench SKUs), then until caught up.")
    w("- large state: `--large-state N` (bulk INSERT ... SELECT FROM generate_series in one transaction, then "
      "ANALYZE), then the api flood and the bisection again.")
    w("")
    w("Raw outputs: `raw/` next to this file.")
    w("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------


def main():
    # SIGTERM (e.g. a CI timeout) unwinds like Ctrl-C, so that `finally` stops the bare Pistache server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=str(ROOT / "build"))
    p.add_argument("--out", default=str(ROOT / "bench-results"))
    p.add_argument("--runs", type=int, default=int(env("BENCH_RUNS", "3")))
    p.add_argument("--broker-messages", type=int, default=1_000_000)
    p.add_argument("--bare-seconds", type=int, default=10)
    p.add_argument("--api-seconds", type=int, default=5)
    p.add_argument("--e2e-seconds", type=int, default=15)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--high-fraction", type=float, default=0.9,
                   help="near-max fixed rate = this x the highest sustained rate")
    p.add_argument("--search-steps", type=int, default=5, help="bisection probes for the highest sustained rate")
    p.add_argument("--search-seconds", type=int, default=6)
    p.add_argument("--sustain-p99-ms", type=float, default=1000,
                   help="a probe is sustained when decided/s >= 95 %% of the rate and the decision p99 is below this")
    p.add_argument("--wrk-threads", type=int, default=2)
    p.add_argument("--wrk-connections", type=int, default=64)
    p.add_argument("--loadgen-connections", type=int, default=64)
    p.add_argument("--drain-timeout", type=float, default=150)
    p.add_argument("--storefront-seconds", type=int, default=5)
    p.add_argument("--storefront-mix", default="cart_add=20,checkout=5,order=60,status=10,cancel=5")
    p.add_argument("--moderate-rate", type=int, default=500,
                   help="the fixed moderate rate (orders/s, --follow) at which records per transaction are reported")
    p.add_argument("--hot-share", type=float, default=0.8, help="hot-SKU phase: share of the orders on one SKU")
    p.add_argument("--hot-seconds", type=int, default=3, help="hot-SKU phase: seconds of flood (then the drain)")
    p.add_argument("--large-state", type=int, default=None, metavar="N",
                   help="last step: add N decided orders with bulk SQL, then the saturation and sustained phases "
                        "again (0 = skip; --quick: 20000). The rows stay: `make clean-state` drops them")
    p.add_argument("--quick", action="store_true", help="1 run, short phases (a smoke test of the driver)")
    args = p.parse_args()
    global args_global
    args_global = args
    if args.quick:
        args.runs, args.broker_messages, args.bare_seconds, args.api_seconds, args.e2e_seconds = 1, 200_000, 3, 3, 5
        args.storefront_seconds, args.search_steps, args.search_seconds = 3, 2, 4
        if args.large_state is None:
            args.large_state = 20_000
    if args.large_state is None:
        args.large_state = 0

    started = datetime.datetime.now(datetime.timezone.utc)
    build = Path(args.build_dir)
    args.bin_loadgen = build / "tools" / "loadgen" / "orderflow-loadgen"
    args.bin_broker = build / "tests" / "bench" / "orderflow-broker-bench"
    args.bin_bare = build / "tests" / "bench" / "orderflow-bare-pistache"
    args.bin_probe = build / "tests" / "bench" / "orderflow-bench-probe"
    for b in (args.bin_loadgen, args.bin_broker, args.bin_bare, args.bin_probe):
        if not b.exists():
            sys.exit(f"bench: {b} not found: build first (make build)")
    if shutil.which("wrk") is None or shutil.which("psql") is None:
        sys.exit("bench: needs wrk and psql (make deps)")
    args.api_port = int(env("ORDERFLOW_API_PORT", "8080"))
    args.api_key = storefront_key()
    args.api_threads = int(env("ORDERFLOW_API_THREADS", "2"))
    args.brokers = env("ORDERFLOW_KAFKA_BROKERS", "127.0.0.1:19092")
    args.pg_dsn = env("ORDERFLOW_PG_DSN", "host=127.0.0.1 port=55432 user=orderflow dbname=orderflow")
    state_dir = env("ORDERFLOW_STATE_DIR", str(ROOT / ".run" / "local"))

    # Preflight: the stack of `make up` must run.
    try:
        status, _ = http_get(f"http://127.0.0.1:{args.api_port}/readyz")
    except OSError as e:
        sys.exit(f"bench: the api on 127.0.0.1:{args.api_port} does not answer ({e}): start the stack with make up")
    procs = find_processes(state_dir)
    roles = sorted(p["role"] for p in procs.values() if "role" in p)
    if "api" not in procs or not roles:
        sys.exit(f"bench: no api/worker pid files in {state_dir}/procs: start the stack with make up")
    for needed in ("orders", "inventory"):
        if needed not in roles:
            sys.exit(f"bench: the e2e benchmark needs the {needed} worker; running roles: {roles}. "
                     "Start them: ORDERFLOW_ROLES=\"inventory orders carts\" make up")
    pipeline = Pipeline(args, procs)
    args.cpu = CpuMeter(procs, state_dir)
    stale = sorted(name for name, p in procs.items() if p.get("stale_binary"))
    if stale:
        log(f"warning: {', '.join(stale)} run(s) a binary that was rebuilt since it started: the figures are "
            "those of the older code (restart: infra/pipeline.sh stop && infra/pipeline.sh start)")

    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out_dir = Path(args.out) / stamp
    args.raw = out_dir / "raw"
    args.raw.mkdir(parents=True, exist_ok=True)
    data = {"started_at": started.isoformat(timespec="seconds"), "command": "make bench",
            "machine": machine_info(), "git": git_info(), "roles": roles,
            "processes": {name: {"pid": p["pid"], "stale_binary": p.get("stale_binary", False)}
                          for name, p in procs.items()},
            "settings": {k: v for k, v in vars(args).items() if isinstance(v, (int, float, str, bool))}}
    log(f"results in {out_dir}; roles {roles}; {args.runs} run(s) per figure")

    # The bench catalog: 100 SKUs with stock that never runs out (1e9 each; added once).
    psql("INSERT INTO catalog.products (sku, name, price_cents) SELECT format('BENCH-%s', lpad(i::text, 4, '0')), "
         f"format('Bench product %s', i), 100 + i FROM generate_series(1, {BENCH_SKUS}) i ON CONFLICT DO NOTHING; "
         "INSERT INTO inventory.stock (sku, on_hand, available) SELECT format('BENCH-%s', lpad(i::text, 4, '0')), "
         f"{BENCH_STOCK}, {BENCH_STOCK} FROM generate_series(1, {BENCH_SKUS}) i ON CONFLICT DO NOTHING", args.pg_dsn)
    low = psql("SELECT count(*) FROM inventory.stock WHERE sku LIKE 'BENCH-%' AND available < 10000000", args.pg_dsn)
    if int(low):
        log(f"warning: {low} bench SKU(s) have less than 10M units available (orders may be REJECTED)")
    if pipeline.wait_caught_up(pipeline.db_now(), args.drain_timeout, "before starting: ") is None:
        log("warning: the pipeline has a backlog that does not drain; figures will be off")

    log("broker: raw rate for ~350-byte messages")
    data["broker"] = phase_broker(args)
    log("bare Pistache: the HTTP limit")
    data["bare"], data["bare_rss_mb"] = phase_bare(args)
    log("api: accepted orders/s under wrk, then until every order is decided")
    data["api"], data["api_noconn"] = phase_api(args, pipeline, procs)
    sat = statistics.median([r["e2e_saturated_per_s"] or 0 for r in data["api"]])
    if sat <= 0:
        sys.exit("bench: the pipeline never decided the flood's orders; see raw/ and the worker logs")
    log(f"e2e: the highest fixed rate sustained with --follow (bisection below the saturated {round(sat)}/s)")
    sustained, data["search"] = phase_search(args, pipeline, sat)
    data["rates"] = {"saturated": round(sat), "sustained": sustained,
                     "high": max(1, round(sustained * args.high_fraction)), "half": max(1, round(sustained * 0.5))}
    data["e2e"] = {}
    log(f"e2e near max: {data['rates']['high']}/s with --follow")
    data["e2e"]["high"] = phase_e2e(args, pipeline, procs, data["rates"]["high"], "high")
    log(f"e2e at half the max: {data['rates']['half']}/s with --follow")
    data["e2e"]["half"] = phase_e2e(args, pipeline, procs, data["rates"]["half"], "half")
    log(f"e2e at a moderate fixed rate: {args.moderate_rate}/s with --follow (batching at moderate load)")
    data["e2e"]["moderate"] = phase_e2e(args, pipeline, procs, args.moderate_rate, "moderate")
    log(f"hot SKU: a flood with {100 * args.hot_share:.0f} % of the orders on one SKU")
    data["hot_sku"] = phase_hot_sku(args, pipeline, procs)
    log("storefront mix at max throughput (all roles, carts included)")
    data["storefront"] = phase_storefront(args, pipeline, procs)
    pipeline.wait_caught_up(pipeline.db_now(), args.drain_timeout, "at the end: ")
    if args.large_state:
        # Last: the rows it adds stay in the tables of the stack.
        data["large_state"] = phase_large_state(args, pipeline, procs, args.large_state)

    data["took_seconds"] = time.monotonic() - T0
    rep = build_report(args, data)
    data["report"] = rep
    md = render_markdown(args, data, rep)
    (out_dir / "report.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    (out_dir / "report.md").write_text(md)
    shutil.copyfile(out_dir / "report.json", Path(args.out) / "latest.json")
    shutil.copyfile(out_dir / "report.md", Path(args.out) / "latest.md")
    print(md)
    log(f"report: {out_dir / 'report.md'} (and {Path(args.out) / 'latest.md'})")


if __name__ == "__main__":
    main()
