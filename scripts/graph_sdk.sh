#!/usr/bin/env bash
# Microsoft's Graph SDK for Python (PyPI msgraph-sdk) against `conform mock`: does an
# application written with the SDK work against the reference server as it would against Graph?
#
#   bash scripts/graph_sdk.sh [CSDL]
#   THROUGH_PROXY=1 bash scripts/graph_sdk.sh [CSDL]
#
# With THROUGH_PROXY=1 the SDK talks to `conform proxy --upstream embedded --record`: every
# exchange is judged (the proxy's verdicts and reports are printed), and the recorded session
# is then replayed with `conform run` against a fresh embedded server.
#
# Installs the SDK into a virtual environment kept in ${XDG_CACHE_HOME:-~/.cache}/conform/
# (reused while it imports), imports the metadata (default ../shared/graph-metadata/v1.0.csdl)
# into a temporary schemas folder with the release binary, serves it with `conform mock` on a
# free port, runs scripts/graph_sdk.py against it and exits with that script's status. Needs
# target/release/conform (`cargo build --release`), or the binary $CONFORM names; not part of
# `cargo test`. KEEP_WORK=1 keeps the work folder (schemas, reports, the recorded session).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
csdl="${1:-$root/../shared/graph-metadata/v1.0.csdl}"
conform="${CONFORM:-$root/target/release/conform}"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/conform/graph-sdk-venv"

[ -e "$csdl" ] || { echo "graph_sdk.sh: $csdl is not there" >&2; exit 2; }
# The binary may be in the middle of a rebuild: wait for it a little.
for _ in $(seq 60); do [ -x "$conform" ] && break; sleep 5; done
[ -x "$conform" ] || { echo "graph_sdk.sh: $conform is not there (cargo build --release)" >&2; exit 2; }

# The SDK, in its own virtual environment.
# `deprecated`: the SDK's batch client imports it without declaring it.
if ! "$venv/bin/python" -c 'import msgraph, deprecated' 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check msgraph-sdk deprecated
fi

work="$(mktemp -d)"
mock_pid=""
cleanup() {
  if [ -n "$mock_pid" ]; then
    kill "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

"$conform" schemas import --csdl "$csdl" --out "$work/schemas" >"$work/import.log" 2>&1 \
  || { cat "$work/import.log" >&2; exit 2; }

# The server prints its address as the first line of its output once it listens.
if [ -n "${THROUGH_PROXY:-}" ]; then
  (cd "$work" && exec "$conform" proxy --upstream embedded --port 0 --schemas schemas \
    --record recorded --report proxy-reports >proxy.out 2>proxy.err) &
  server=proxy
else
  "$conform" mock --port 0 --schemas "$work/schemas" >"$work/mock.out" 2>"$work/mock.err" &
  server=mock
fi
mock_pid=$!
address=""
for _ in $(seq 100); do
  address="$(head -n 1 "$work/$server.out" | sed -n "s/^conform $server listening on \(http:[^ ]*\)$/\1/p")"
  [ -n "$address" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$address" ]; then
  echo "graph_sdk.sh: conform $server did not start" >&2
  cat "$work/$server.err" >&2
  exit 2
fi

status=0
"$venv/bin/python" "$root/scripts/graph_sdk.py" "$address/v1.0" || status=$?
if [ -n "${THROUGH_PROXY:-}" ]; then
  curl -s -X POST "$address/_proxy/stop" >/dev/null
  proxy_status=0
  wait "$mock_pid" || proxy_status=$?
  mock_pid=""
  echo "--- conform proxy (exit $proxy_status): the exchanges judged"
  grep -E "FAILED|^test result" "$work/proxy.out" || true
  cat "$work/proxy.err"
  echo "--- the recorded session replayed on a fresh embedded server"
  replay_status=0
  (cd "$work" && "$conform" run --cases recorded --schemas schemas --report replay >replay.out 2>&1) || replay_status=$?
  grep -E "FAILED|^test result|^decided|^error" "$work/replay.out" || tail -n 20 "$work/replay.out"
  echo "(replay exit $replay_status)"
  [ "$proxy_status" -eq 0 ] || status=1
fi
exit "$status"
