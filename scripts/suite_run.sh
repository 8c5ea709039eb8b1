#!/usr/bin/env bash
# Runs a whole imported suite as a user would, twice, and prints what was sent, what passed and
# whose each failure is:
#   - against the embedded server, no values given (conform's own server: disposable);
#   - against a populated tenant's stand-in: a `conform mock` holding what the pages' reads
#     show, one of its users and groups given, no --reset (so the safety rule holds).
# Not part of `cargo test`.
#
#   bash scripts/suite_run.sh [PAGES] [CSDL] [BETA_CSDL]
#
# Defaults: ../shared/graph-docs-2020/beta-api, ../shared/graph-metadata/v1.0.csdl and
# ../shared/graph-metadata/beta-ussec.csdl (pass "" to model v1.0 alone).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
pages="${1:-$root/../shared/graph-docs-2020/beta-api}"
csdl="${2:-$root/../shared/graph-metadata/v1.0.csdl}"
beta="${3-$root/../shared/graph-metadata/beta-ussec.csdl}"
for input in "$pages" "$csdl"; do
  [ -e "$input" ] || { echo "suite_run.sh: $input is not there" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
conform="$root/target/release/conform"
work="$(mktemp -d)"
mock_pid=""
trap '[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

"$conform" schemas import --csdl "$csdl" --out schemas >/dev/null
[ -n "$beta" ] && "$conform" schemas import --csdl "$beta" --out schemas --api beta >/dev/null
"$conform" import "$pages" --out cases --schemas schemas 2>import.err >/dev/null || true
tail -n 1 import.err

# figures DIR LABEL: one row of the table from DIR/records.jsonl.
figures() {
  python3 - "$1" "$2" <<'EOF'
import collections, json, sys
records = [json.loads(line) for line in open(f"{sys.argv[1]}/records.jsonl")]
outcomes = collections.Counter(r["decision"] for r in records)
causes = collections.Counter(r.get("cause") for r in records if r["decision"] not in ("passed", "skipped"))
sent = len(records) - outcomes["skipped"] - outcomes["not-run"]
share = lambda part, whole: f"{part} ({100 * part / max(whole, 1):.1f} %)"
cause_text = ", ".join(f"{n} {c}" for c, n in causes.most_common())
passed = outcomes["passed"] + outcomes["flaky"]
print(f"| {sys.argv[2]} | {len(records)} | {share(sent, len(records))} | {share(passed, sent)} "
      f"| {outcomes['failed']} | {outcomes['error']} | {outcomes['skipped']} | {cause_text} |")
EOF
}

"$conform" run --report embedded >embedded.out 2>embedded.err || true

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$conform" mock --port "$port" --schemas schemas --cases cases --no-auth >mock.out 2>&1 &
mock_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 50); do curl -s "$base/_mock/stats" >/dev/null && break; sleep 0.1; done
first_id() { curl -s "$base/v1.0/$1?\$top=1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["value"][0]["id"])'; }
user=$(first_id users)
group=$(first_id groups)
CONFORM_TOKEN=stand-in "$conform" run --base-url "$base" --var "user-id=$user" --var "group-id=$group" \
  --report tenant >tenant.out 2>tenant.err || true

echo "| target | cases | sent | passed (of sent) | failed | could not run | skipped | not passed, by cause |"
echo "|---|---|---|---|---|---|---|---|"
figures embedded "embedded, no values"
figures tenant "tenant stand-in, a user and a group given"
grep -h "left behind" tenant.err embedded.err || echo "nothing left behind"
echo
echo "Coverage of the API (the suite, then each run):"
"$conform" coverage --schemas schemas --cases cases | head -n 2
/usr/bin/time -f "  (the ledger of the suite: %e s, %M KB)" "$conform" coverage --schemas schemas --cases cases >/dev/null
for run in embedded tenant; do
  echo "$run:"
  "$conform" coverage --report "$run" | head -n 2
done
