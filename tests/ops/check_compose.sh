#!/usr/bin/env bash
# docker-compose.yml as `docker compose up --scale worker-orders=3` needs it, checked on the parsed
# config (`docker-compose config`: anchors, merges and ${VARIABLES} resolved; no Docker engine needed):
#   1. it parses, with and without the settings of .env.example;
#   2. no orderflow service (built from infra/docker/Dockerfile) publishes a host port, names its
#      container or fixes a static group member id: any of them makes a second instance fail;
#   3. every long-running service has a healthcheck, and the orderflow ones ask /readyz (Kafka and
#      PostgreSQL reachable), not only /healthz;
#   4. the image runs as a non-root user, and no service overrides that with root;
#   5. every ${VARIABLE} the file reads is in .env.example, and .env.example sets nothing it does not read;
#   6. a Grafana service provisions the dashboard: infra/grafana/orderflow-dashboard.json mounted where
#      its dashboard provider reads, and a Prometheus data source that is the compose prometheus service.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root"
[[ -f .env.example ]] || { echo "FAIL .env.example is missing" >&2; exit 1; }
docker-compose -f docker-compose.yml config -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An empty env file: the defaults of docker-compose.yml alone (a developer's .env must not matter).
: >"$work/empty.env"
docker-compose --env-file "$work/empty.env" -f docker-compose.yml config >"$work/defaults.yml"
docker-compose --env-file .env.example -f docker-compose.yml config >"$work/example.yml"

/usr/bin/python3 - "$root" "$work" <<'PY'
import pathlib, re, sys, yaml
root, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
failures = []
def fail(msg): failures.append(msg)

for name in ("defaults.yml", "example.yml"):
    services = yaml.safe_load((work / name).read_text())["services"]
    ours = {s: v for s, v in services.items() if v.get("build", {}).get("dockerfile") == "infra/docker/Dockerfile"}
    if not any(s.startswith("worker-") for s in ours):
        fail(f"{name}: no worker service built from infra/docker/Dockerfile")
    for s, v in ours.items():
        long_running = v.get("restart") != "no"
        if not long_running:
            continue
        if v.get("ports"):
            fail(f"{name}: {s} publishes host ports {v['ports']}: a second instance cannot bind them")
        if "container_name" in v:
            fail(f"{name}: {s} has a container_name: instances would share it")
        if (v.get("environment") or {}).get("ORDERFLOW_GROUP_INSTANCE_ID"):
            fail(f"{name}: {s} fixes ORDERFLOW_GROUP_INSTANCE_ID: instances would fence each other")
        test = " ".join(map(str, (v.get("healthcheck") or {}).get("test", [])))
        if "/readyz" not in test:
            fail(f"{name}: {s}'s healthcheck does not ask /readyz: {test or 'none'}")
    for s, v in services.items():
        if v.get("restart") != "no" and not v.get("healthcheck"):
            fail(f"{name}: {s} has no healthcheck")
        if str(v.get("user", "")).split(":")[0] in ("root", "0"):
            fail(f"{name}: {s} runs as root")

dockerfile = (root / "infra/docker/Dockerfile").read_text()
final_stage = re.split(r"(?m)^FROM\s", dockerfile)[-1]
users = re.findall(r"(?m)^USER\s+(\S+)", final_stage)
if not users or users[-1].split(":")[0] in ("root", "0"):
    fail(f"infra/docker/Dockerfile: the final stage runs as {users[-1] if users else 'root (no USER)'}")

compose = (root / "docker-compose.yml").read_text()
read = set(re.findall(r"\$\{([A-Z0-9_]+)", compose))
example = set(re.findall(r"(?m)^#?\s*([A-Z0-9_]+)=", (root / ".env.example").read_text()))
for v in sorted(read - example):
    fail(f".env.example does not mention {v}, which docker-compose.yml reads")
for v in sorted(example - read):
    fail(f".env.example sets {v}, which docker-compose.yml does not read")

# 6. Grafana: the dashboard file where the provisioned provider looks, the data source the prometheus service.
def mounts(service):
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            parts = v.split(":")
            yield parts[0], parts[1]
        else:
            yield v.get("source", ""), v.get("target", "")

services = yaml.safe_load((work / "defaults.yml").read_text())["services"]
grafana = [v for v in services.values() if str(v.get("image", "")).startswith("grafana/grafana:")]
if len(grafana) != 1:
    fail(f"docker-compose.yml: {len(grafana)} Grafana services (grafana/grafana:<version>), want one")
else:
    g = dict(mounts(grafana[0]))
    provisioning = next((t for s, t in g.items() if s.endswith("infra/grafana/provisioning")), None)
    dashboard = next((t for s, t in g.items() if s.endswith("infra/grafana/orderflow-dashboard.json")), None)
    if provisioning != "/etc/grafana/provisioning":
        fail("grafana: infra/grafana/provisioning is not mounted at /etc/grafana/provisioning")
    providers = yaml.safe_load((root / "infra/grafana/provisioning/dashboards/orderflow.yml").read_text())["providers"]
    paths = [p["options"]["path"].rstrip("/") for p in providers]
    if dashboard is None or dashboard.rsplit("/", 1)[0] not in paths:
        fail(f"grafana: the dashboard is mounted at {dashboard}, outside the provider paths {paths}")
    sources = yaml.safe_load((root / "infra/grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"]
    prom = [d for d in sources if d.get("type") == "prometheus"]
    host = re.match(r"https?://([^:/]+):(\d+)", prom[0].get("url", "")) if prom else None
    if not host or host.group(1) not in services or host.group(2) != "9090":
        fail(f"grafana: no data source of type prometheus at the compose prometheus service: {prom}")

for f in failures:
    print("FAIL", f, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"compose ok: {len(services)} services, {len(read)} variables in .env.example")
PY
