#!/usr/bin/env bash
# The reference server under an external load generator: `wrk -t2 -c16` creating group threads
# and reading one, against `conform mock` — over the shipped suite's URL space (from the
# project root) and over Graph's v1.0 metadata — and against a static nginx answering the
# same JSON, all on this machine. Prints requests a second, the ratio to nginx, the rate once
# 100,000 entities exist against the first seconds', and the server's RSS then.
#
#   bash scripts/server_bench.sh [SECONDS]
#
# Needs wrk and nginx (apt-get install -y wrk nginx-light) and target/release/conform (or the
# binary $CONFORM names); a benchmark, not part of `cargo test`.
source "$(dirname "$0")/bench_common.sh"
csdl="$root/../shared/graph-metadata/v1.0.csdl"
seconds="${1:-10}"

body='{"topic":"Benchmark","posts":[{"body":{"contentType":"html","content":"hello"}}]}'
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer t"
LUA
cat >"$work/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer t"
LUA
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:0;
  }
}
NGINX

rate() { # METHOD-SCRIPT URL SECONDS
  wrk -t2 -c16 -d"$3s" -s "$1" "$2" | sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p'
}

# A static nginx answering every request with 201 and a thread's JSON.
port="$(free_port)"
sed -i "s/listen 127.0.0.1:0;/listen 127.0.0.1:$port; location \/ { default_type application\/json; return 201 '{\"id\":\"AAQkAGI1\",\"topic\":\"Benchmark\",\"hasAttachments\":false,\"isLocked\":false}'; }/" "$work/nginx.conf"
nginx -c "$work/nginx.conf"
sleep 0.5
static_post="$(rate "$work/post.lua" "http://127.0.0.1:$port/beta/groups/g/threads" "$seconds")"
static_get="$(rate "$work/get.lua" "http://127.0.0.1:$port/beta/groups/g/threads/x" "$seconds")"
echo "static nginx: create $static_post/s, read $static_get/s"

serve() { # NAME ARGS...: starts conform mock, sets $base and $mock_pid
  local out="$work/$1.out"; shift
  "$conform" mock --port 0 "$@" >"$out" 2>"$out.err" &
  mock_pid=$!; pids+=("$mock_pid")
  listening "$out" mock
  base="$url"
}

# The collection to create threads in: the template's `{group}` a group made first.
collection_of() { # TEMPLATE
  case "$1" in
    *'{group}'*)
      local group
      group="$(curl -s -X POST -H 'authorization: Bearer t' -H 'content-type: application/json' \
        -d '{"displayName":"Bench","mailEnabled":false,"mailNickname":"bench","securityEnabled":true,"groupTypes":["Unified"]}' \
        "$base${1%%/groups/*}/groups" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
      echo "${1//\{group\}/$group}" ;;
    *) echo "$1" ;;
  esac
}

measure() { # NAME TEMPLATE SERVE-ARGS...
  local name="$1" collection
  local post get first later created id
  collection="$(collection_of "$2")"
  post="$(rate "$work/post.lua" "$base$collection" "$seconds")"
  id="$(curl -s -X POST -H 'authorization: Bearer t' -H 'content-type: application/json' -d '{"topic":"read"}' "$base$collection" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  get="$(rate "$work/get.lua" "$base$collection/$id" "$seconds")"
  echo "$name: create $post/s ($(python3 -c "print(round($post/$static_post,3))") of static), read $get/s ($(python3 -c "print(round($get/$static_get,3))") of static)"
  # The store growing: a fresh server, the first seconds' rate, then the rate once 100,000
  # threads exist (each thread is two entities: its conversation and itself).
  kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
  serve "$name-growth" "${@:3}"
  collection="$(collection_of "$2")"
  first="$(rate "$work/post.lua" "$base$collection" 2)"
  created="$(curl -s -H 'authorization: Bearer t' "$base$collection/\$count")"
  while [ "$created" -lt 100000 ]; do
    rate "$work/post.lua" "$base$collection" 5 >/dev/null
    created="$(curl -s -H 'authorization: Bearer t' "$base$collection/\$count")"
  done
  later="$(rate "$work/post.lua" "$base$collection" 2)"
  echo "$name: first 2 s $first/s, after $created threads $later/s ($(python3 -c "print(round($later/$first,3))")), RSS $(rss_mb "$mock_pid") MB"
  kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true
}

cd "$root"
serve suite
measure "shipped suite's URL space" /beta/groups/g/threads
if [ -e "$csdl" ]; then
  "$conform" schemas import --csdl "$csdl" --out "$work/schemas" >"$work/import.log" 2>&1
  serve v1 --schemas "$work/schemas" --empty
  measure "v1.0 metadata" '/v1.0/groups/{group}/threads' --schemas "$work/schemas" --empty
fi
