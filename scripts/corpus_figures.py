"""Figures of an import of the reference pages, typed by the API models (scripts/corpus.sh).

    python3 scripts/corpus_figures.py WORK

WORK holds schemas/ (with api.model files), list.json (`conform list --format json` with
--schemas) and lint-cases.json (`conform lint --cases … --format json`).
"""
import collections
import glob
import json
import re
import sys

work = sys.argv[1]
rows = json.load(open(f"{work}/list.json"))
findings = json.load(open(f"{work}/lint-cases.json"))
by_code = collections.defaultdict(list)
for finding in findings:
    by_code[finding["code"]].append(finding)

short_names = set()
for path in glob.glob(f"{work}/schemas/**/api.model", recursive=True):
    model = json.load(open(path))["model"]
    short_names.update(name.rsplit(".", 1)[-1] for name in model["types"])


def share(part, whole):
    return f"{part} of {whole} ({100 * part / max(whole, 1):.1f} %)"


cases = len(rows)
untyped = len(by_code["C005"])
keys = named = 0
for row in rows:
    for placeholder in re.findall(r"\{([^}]*)\}", row["path"]):
        base = re.sub(r"-\d+$", "", placeholder)
        if base.endswith("-id") or base == "id":
            keys += 1
            named += base[:-3] in short_names
print(f"| cases typed by the model | {share(cases - untyped, cases)} |")
print(f"| paths with an API version | {share(cases - len(by_code['C007']), cases)} |")
print(f"| key placeholders named after a type of the models | {share(named, keys)} |")
print(f"| key placeholders of typed paths named unlike their type (C006) | {len(by_code['C006'])} |")
print(f"| cases with a schema | {share(sum(1 for r in rows if r['schema']), cases)} |")
served = [r for r in rows if r["operation"] in ("read", "list", "create")]
print(f"| typed read/list/create cases with a schema | {share(sum(1 for r in served if r['schema']), len(served))} |")
operations = collections.Counter(r["operation"] or "none" for r in rows)
print("| operations | " + ", ".join(f"{op} {n}" for op, n in operations.most_common()) + " |")
reasons = collections.Counter()
for finding in by_code["C005"]:
    match = re.search(r"cannot place `([^`]*)`: (.*)", finding["message"])
    if match:
        reasons[f"`{match.group(1)}`: {re.sub(r'`[^`]*`', '…', match.group(2))}"] += 1
for reason, count in reasons.most_common(10):
    print(f"| not typed: {reason} | {count} |")
