#!/usr/bin/env bash
# The monitoring that ships is checked, not just present:
#   1. infra/prometheus/alerts.yml is valid (promtool check rules) and its unit tests pass
#      (promtool test rules infra/prometheus/alerts.test.yml: each alert fires when it should, with its text);
#   2. every query of the Grafana dashboard (infra/grafana/orderflow-dashboard.json) is valid PromQL
#      (each is checked as a recording rule by promtool);
#   3. every orderflow_* metric the alerts and the dashboard use is one the code exports.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$root/infra/prometheus"
promtool check rules alerts.yml
promtool test rules alerts.test.yml

/usr/bin/python3 - "$root" "$work" <<'PY'
import json, pathlib, re, sys
root, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
dash = json.loads((root / "infra/grafana/orderflow-dashboard.json").read_text())
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
assert exprs, "the dashboard has no queries"
rules = "groups:\n  - name: dashboard\n    rules:\n" + "".join(
    f"      - record: dashboard:query_{i}\n        expr: {json.dumps(e)}\n" for i, e in enumerate(exprs))
(work / "dashboard-rules.yml").write_text(rules)
exported = set()
for f in list(root.glob("*/**/*.cpp")):
    if "build" in f.parts:
        continue
    exported |= set(re.findall(r'\.Name\("(orderflow_[a-z_]+)"\)', f.read_text(errors="replace")))
used = set(re.findall(r"orderflow_[a-z_]+", " ".join(exprs) + (root / "infra/prometheus/alerts.yml").read_text()))
base = {re.sub(r"_(bucket|count|sum)$", "", m) for m in used}
missing = sorted(m for m in base if m not in exported)
if missing:
    sys.exit(f"metrics used by the dashboard or alerts that no code exports: {missing}")
print(f"dashboard: {len(exprs)} queries; metrics used {len(base)}, all exported")
PY
promtool check rules "$work/dashboard-rules.yml"
