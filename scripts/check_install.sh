#!/usr/bin/env bash
# The product as a user installs it (CI, after `make test`): build a wheel, install it into a fresh virtual
# environment outside the checkout, and from an empty folder run demo, ingest (the README's sample files),
# report and serve until Streamlit's health check answers. Nothing of the checkout is on the path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
step() { printf '== %s\n' "$*"; }

step "wheel"
"$root/.venv/bin/pip" wheel -q --no-deps -w "$work/dist" "$root"
step "install into a fresh venv (versions of requirements.lock)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q -c "$root/requirements.lock" "$work"/dist/*.whl
careplan="$work/venv/bin/careplan"
py="$work/venv/bin/python"

mkdir "$work/empty" && cd "$work/empty"
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share"
unset CAREPLAN_DB_URL CAREPLAN_USER CAREPLAN_PASSWORD PYTHONPATH
"$careplan" --help | grep -q "$XDG_DATA_HOME/careplan/careplan.duckdb"   # the default it will use, said

step "careplan demo --scale small (default database in the user's data folder)"
"$careplan" demo --scale small
test -s "$XDG_DATA_HOME/careplan/careplan.duckdb"
CAREPLAN_USER=demo-admin CAREPLAN_PASSWORD=careplan-demo "$careplan" report adoption --format json > demo.json
"$py" -c 'import json; rows = json.load(open("demo.json")); assert len(rows) == 47, len(rows)'

step "careplan ingest (samples/) and careplan report adoption --format json"
db="duckdb:///$work/empty/samples.duckdb"
"$careplan" --db "$db" ingest offices "$root/samples/jigyosho_430.csv" "$root/samples/jigyosho_110.csv"
"$careplan" --db "$db" ingest registrations "$root/samples/registrations_2025-08-31.csv"
"$careplan" --db "$db" ingest exchanges "$root/samples/exchanges_2025-07_08.csv"
"$careplan" --db "$db" report adoption --as-of 2025-08-31 --format json > samples.json
"$py" -c 'import json; r = json.load(open("samples.json")); assert [(x["prefecture"], x["offices"], x["registered"]) for x in r] == [("和歌山県", 10, 5)], r'

step "careplan serve until /_stcore/health answers"
port=8765
"$careplan" serve --port "$port" > serve.log 2>&1 &
server=$!
"$py" - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/_stcore/health"
for _ in range(120):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.read().strip() == b"ok":
                print("health: ok"); sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit("the server did not answer " + url)
PY
step "installed package: all steps passed"
