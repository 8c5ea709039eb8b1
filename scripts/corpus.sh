#!/usr/bin/env bash
# Runs conform over Microsoft's own sources, as a user would: schemas and API models from
# Graph's v1.0 metadata and a beta metadata, then import (with and without --unannotated), list
# and lint of the 2020 beta reference pages. Prints a Markdown table of what came out and what
# each step cost. Not part of `cargo test`.
#
#   bash scripts/corpus.sh [CSDL] [PAGES] [BETA_CSDL]
#
# Defaults: ../shared/graph-metadata/v1.0.csdl, ../shared/graph-docs-2020/beta-api and
# ../shared/graph-metadata/beta-ussec.csdl (pass "" to import v1.0 alone).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
csdl="${1:-$root/../shared/graph-metadata/v1.0.csdl}"
pages="${2:-$root/../shared/graph-docs-2020/beta-api}"
beta="${3-$root/../shared/graph-metadata/beta-ussec.csdl}"
for input in "$csdl" "$pages"; do
  [ -e "$input" ] || { echo "corpus.sh: $input is not there" >&2; exit 2; }
done

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
conform="$root/target/release/conform"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# step NAME COMMAND...: runs COMMAND, stdout to $work/NAME.out, stderr to $work/NAME.err;
# records wall time and peak memory (when GNU time is installed) in $work/NAME.cost.
step() {
  local name="$1"; shift
  local status=0
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -o "$work/$name.time" -f "%e s, %M KB" "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
    # The last line: GNU time puts "Command exited with non-zero status N" before it.
    tail -n 1 "$work/$name.time" | awk -F', ' '{ printf "%s, %.0f MB", $1, $2 / 1024 }' >"$work/$name.cost"
  else
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/$name.out" 2>"$work/$name.err" || status=$?
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }' >"$work/$name.cost"
  fi
  echo "$status" >"$work/$name.status"
}

step schemas "$conform" schemas import --csdl "$csdl" --out "$work/schemas" --check
if [ -n "$beta" ]; then
  step schemas-beta "$conform" schemas import --csdl "$beta" --out "$work/schemas" --api beta
fi
step import "$conform" import "$pages" --out "$work/cases" --schemas "$work/schemas"
step import-unannotated "$conform" import "$pages" --out "$work/cases-unannotated" --schemas "$work/schemas" --unannotated
step list "$conform" list --cases "$work/cases" --schemas "$work/schemas" --format json
step lint "$conform" lint --docs "$pages" --schemas "$work/schemas" --cases "$work/no-cases" --format json
step lint-cases "$conform" lint --cases "$work/cases" --schemas "$work/schemas" --format json
cp "$work/list.out" "$work/list.json"
cp "$work/lint-cases.out" "$work/lint-cases.json"

count() { grep -o "$1" "$2" | wc -l | tr -d ' '; }
page_count=$(find "$pages" -name '*.md' | wc -l | tr -d ' ')
annotated=$(grep -rl --include='*.md' '"blockType"' "$pages" | wc -l | tr -d ' ')
cases=$(count '"name":' "$work/list.out")
without_schema=$(count '"schema":null' "$work/list.out")
with_schema=$((cases - without_schema))
typed_no_schema=$(grep -rho 'No schema matches `@odata.type`' "$work/cases" | wc -l | tr -d ' ')
collections=$(grep -rh '^collection = true' "$work/cases" | wc -l | tr -d ' ')
files=$(find "$work/cases" -name '*.toml' | wc -l | tr -d ' ')

echo "| measure | figure |"
echo "|---|---|"
echo "| metadata | $(grep 'schema(s) written' "$work/schemas.out" | sed -e "s| to .* from | from |" -e "s| in [0-9.]* s||") |"
echo "| API models | $(grep -h 'API model of' "$work"/schemas*.out | sed -e 's| written to [^:]*:||' | paste -sd ';' -) |"
echo "| pages | $page_count ($annotated with an annotation) |"
echo "| case files written | $files (exit $(cat "$work/import.status")); \`conform list\` exit $(cat "$work/list.status") |"
echo "| cases | $cases |"
echo "| cases with a schema | $with_schema; $typed_no_schema name an \`@odata.type\` the metadata does not define |"
echo "| collections | $collections |"
grep 'no case file:' "$work/import.err" \
  | sed -e 's/^.*no case file: //' -e 's/line [0-9]*/line N/' -e 's/(and [0-9]* more)/(and more)/' \
  | sort | uniq -c | sort -rn \
  | awk '{ n = $1; $1 = ""; printf "| pages without a case file:%s | %d |\n", $0, n }'
unannotated_pages=$(grep -o '[0-9]* page(s) had blocks paired' "$work/import-unannotated.err" | grep -o '^[0-9]*')
echo "| with --unannotated | $(tail -n 2 "$work/import-unannotated.err" | head -n 1 | sed 's/^import: //'); $unannotated_pages page(s) paired without annotations |"
python3 "$root/scripts/corpus_figures.py" "$work"
grep -o '"code": *"[A-Z][0-9]*"' "$work/lint.out" | grep -o '[A-Z][0-9]*' | sort | uniq -c \
  | awk '{ printf "| lint %s | %d |\n", $2, $1 }'
for name in schemas schemas-beta import import-unannotated list lint lint-cases; do
  [ -e "$work/$name.cost" ] || continue
  echo "| time, peak memory: $name | $(cat "$work/$name.cost") |"
done
