#!/usr/bin/env bash
# Microsoft's Graph SDK for Python (PyPI msgraph-sdk) against `conform mock`: does an
# application written with the SDK work against the reference server as it would against Graph?
#
#   bash scripts/graph_sdk.sh [CSDL]
#
# Installs the SDK into a virtual environment kept in ${XDG_CACHE_HOME:-~/.cache}/conform/
# (reused while it imports), imports the metadata (default ../shared/graph-metadata/v1.0.csdl)
# into a temporary schemas folder with the release binary, serves it with `conform mock` on a
# free port, runs scripts/graph_sdk.py against it and exits with that script's status. Needs
# target/release/conform (`cargo build --release`), or the binary $CONFORM names; not part of
# `cargo test`.
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
  rm -rf "$work"
}
trap cleanup EXIT

"$conform" schemas import --csdl "$csdl" --out "$work/schemas" >"$work/import.log" 2>&1 \
  || { cat "$work/import.log" >&2; exit 2; }

# The mock prints its address as the first line of its output once it listens.
"$conform" mock --port 0 --schemas "$work/schemas" >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
address=""
for _ in $(seq 100); do
  address="$(head -n 1 "$work/mock.out" | sed -n 's/^conform mock listening on \(http:[^ ]*\)$/\1/p')"
  [ -n "$address" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$address" ]; then
  echo "graph_sdk.sh: conform mock did not start" >&2
  cat "$work/mock.err" >&2
  exit 2
fi

status=0
"$venv/bin/python" "$root/scripts/graph_sdk.py" "$address/v1.0" || status=$?
exit "$status"
