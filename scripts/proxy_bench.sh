#!/usr/bin/env bash
# What `conform proxy` costs: requests a second through the proxy (judging every answer
# against Graph's v1.0 schemas, spooling its reports) to a static upstream against the same
# upstream directly, 16 in flight (goal: at least 0.5 of direct); the median latency it adds
# with one request in flight (goal: at most 1 ms); and its memory after 10,000 and after
# 100,000 exchanges (goal: flat). The upstream is nginx answering a user's JSON.
#
#   bash scripts/proxy_bench.sh [SECONDS] [CSDL]
#
# Needs wrk and nginx (apt-get install -y wrk nginx-light) and target/release/conform (or the
# binary $CONFORM names); a benchmark, not part of `cargo test`.
source "$(dirname "$0")/bench_common.sh"
seconds="${1:-10}"
csdl="${2:-$root/../shared/graph-metadata/v1.0.csdl}"

port="$(free_port)"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      add_header request-id 7f1c-bench always;
      return 200 '{"id":"87d349ed-44d7-43e1-9a83-5f2406dee5bd","displayName":"Adele Vance","userPrincipalName":"AdeleV@contoso.com","businessPhones":[],"mail":"AdeleV@contoso.com"}';
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"
"$conform" schemas import --csdl "$csdl" --out "$work/schemas" >/dev/null

# The subshell execs conform: its pid is the proxy's.
(cd "$work" && exec "$conform" proxy --upstream "http://127.0.0.1:$port" --port 0 --schemas schemas \
  --report reports >proxy.out 2>proxy.out.err) &
proxy_pid=$!; pids+=("$proxy_pid")
listening "$work/proxy.out" proxy
proxy="$url"
path="/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd"

rate() { wrk -t2 -c16 -d"${2}s" -H 'Authorization: Bearer t' "$1" | sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p'; }
median_ms() { # the 50% latency of one request in flight, in ms
  wrk -t1 -c1 -d"${2}s" --latency -H 'Authorization: Bearer t' "$1" \
    | awk '$1 == "50%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } print v }'
}
exchanges() { curl -s "$proxy/_proxy/report" | python3 -c 'import json,sys; print(json.load(sys.stdin)["exchanges"])'; }

direct="$(rate "http://127.0.0.1:$port$path" "$seconds")"
through="$(rate "$proxy$path" "$seconds")"
echo "16 in flight: direct $direct/s, through the proxy $through/s ($(python3 -c "print(round($through/$direct, 3))") of direct; goal 0.5)"
direct_ms="$(median_ms "http://127.0.0.1:$port$path" "$seconds")"
through_ms="$(median_ms "$proxy$path" "$seconds")"
echo "1 in flight: median direct ${direct_ms} ms, through the proxy ${through_ms} ms (adds $(python3 -c "print(round($through_ms - $direct_ms, 3))") ms; goal 1)"
while [ "$(exchanges)" -lt 10000 ]; do rate "$proxy$path" 1 >/dev/null; done
at_10k="$(rss_mb "$proxy_pid")"
while [ "$(exchanges)" -lt 100000 ]; do rate "$proxy$path" 5 >/dev/null; done
echo "memory: $at_10k MB after 10,000 exchanges, $(rss_mb "$proxy_pid") MB after $(exchanges)"
curl -s -X POST "$proxy/_proxy/stop" >/dev/null
wait "$proxy_pid" 2>/dev/null || true
tail -n 3 "$work/proxy.out.err"
