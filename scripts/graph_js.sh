#!/usr/bin/env bash
# Microsoft's Graph JavaScript client (npm @microsoft/microsoft-graph-client, v3) against
# `conform mock` over HTTPS: do the workloads of the client's own live-service tests (users,
# groups, open extensions, OneNote, paging, delta, Excel, insights, large file upload) run against
# the reference server as they would against Graph?
#
#   bash scripts/graph_js.sh [CSDL]
#
# Installs the client into ${XDG_CACHE_HOME:-~/.cache}/conform/graph-js (reused while it is
# there), imports the metadata (default ../shared/graph-metadata/v1.0.csdl) into a temporary
# schemas folder with the release binary, serves it with `conform mock --tls` on a free port from
# a temporary folder (so that no `cases/` folder shapes the answers), runs scripts/graph_js.mjs
# against it on Node's built-in fetch, trusting the mock's authority through NODE_EXTRA_CA_CERTS
# (no verification is turned off), and exits with that script's status. Needs Node 20 and npm,
# and target/release/conform (`cargo build --release`), or the binary $CONFORM names; not part of
# `cargo test`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
csdl="${1:-$root/../shared/graph-metadata/v1.0.csdl}"
conform="${CONFORM:-$root/target/release/conform}"
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/conform/graph-js"
package="@microsoft/microsoft-graph-client"

[ -e "$csdl" ] || { echo "graph_js.sh: $csdl is not there" >&2; exit 2; }
command -v node >/dev/null || { echo "graph_js.sh: node is not installed (Node 20 or later)" >&2; exit 2; }
# The binary may be in the middle of a rebuild: wait for it a little.
for _ in $(seq 60); do [ -x "$conform" ] && break; sleep 5; done
[ -x "$conform" ] || { echo "graph_js.sh: $conform is not there (cargo build --release)" >&2; exit 2; }

# The client, in its own npm prefix. Version 3 runs on the global fetch of Node 18 and later.
if ! NODE_PATH="$prefix/node_modules" node -e "require('$package')" 2>/dev/null; then
  rm -rf "$prefix"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --silent --no-audit --no-fund "$package@3" >&2
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

# The mock prints its address as the first line of its output once it listens. It runs in an
# empty folder: the schemas alone say what it serves. Its certificate is for localhost and
# 127.0.0.1, signed by an authority it writes to authority.pem.
mkdir "$work/cwd"
(cd "$work/cwd" && exec "$conform" mock --port 0 --tls --tls-authority "$work/authority.pem" \
  --schemas "$work/schemas" >"$work/mock.out" 2>"$work/mock.err") &
mock_pid=$!
address=""
for _ in $(seq 100); do
  address="$(head -n 1 "$work/mock.out" | sed -n 's/^conform mock listening on \(https:[^ ]*\)$/\1/p')"
  [ -n "$address" ] && break
  kill -0 "$mock_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$address" ] || [ ! -s "$work/authority.pem" ]; then
  echo "graph_js.sh: conform mock did not start" >&2
  cat "$work/mock.err" >&2
  exit 2
fi
# The client sends its bearer token only to the hosts it is told about, by name: address the
# mock as localhost, which its certificate names too.
address="${address/127.0.0.1/localhost}"

status=0
NODE_PATH="$prefix/node_modules" NODE_EXTRA_CA_CERTS="$work/authority.pem" \
  node "$root/scripts/graph_js.mjs" "$address" || status=$?
exit "$status"
