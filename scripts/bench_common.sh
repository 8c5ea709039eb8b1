# What the benchmarks that put wrk before a server share; sourced by them, not run.
# Sets root, conform (the release binary, or $CONFORM) and work (a folder removed on exit,
# with every process in pids and the nginx started from it stopped).
set -euo pipefail

script="$(basename "$0")"
root="$(cd "$(dirname "$0")/.." && pwd)"
conform="${CONFORM:-$root/target/release/conform}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "$script: $tool is not installed" >&2; exit 2; }
done
[ -x "$conform" ] || { echo "$script: $conform is not there (cargo build --release)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { echo $(( $(ps -o rss= -p "$1") / 1024 )); }

# listening OUT WHAT: waits (up to 10 s) for `conform WHAT`, writing to OUT and OUT.err, to say
# where it listens, and sets url to it.
listening() {
  url=""
  for _ in $(seq 100); do
    url="$(head -n 1 "$1" 2>/dev/null | sed -n "s/^conform $2 listening on \(http:[^ ]*\)\$/\1/p")"
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "$script: conform $2 did not start" >&2; cat "$1.err" >&2; exit 2
}
