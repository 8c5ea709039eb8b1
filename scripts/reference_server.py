"""The reference server over Graph's whole v1.0 metadata, judged by conform itself.

    python3 scripts/reference_server.py [CSDL]

Imports the metadata (schemas and API model) into a temporary folder, writes one case file per
entity set, per contained collection one level below it and per contained collection of a
singleton — create (capturing the id), read
it back, list the collection, each judged by the schema of the collection's type — and runs
them with `conform run` against `conform mock` serving that folder. Prints how many cases
passed and the failures by kind. Not part of `cargo test`: it needs the metadata in
../shared/graph-metadata/.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

root = pathlib.Path(__file__).resolve().parent.parent
csdl = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else root / "../shared/graph-metadata/v1.0.csdl")
subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=root, check=True)
conform = root / "target/release/conform"
work = pathlib.Path(tempfile.mkdtemp())
schemas, cases = work / "schemas", work / "cases"
subprocess.run([conform, "schemas", "import", "--csdl", csdl, "--out", schemas], check=True, capture_output=True)
model = json.load(open(schemas / "api.model"))["model"]
types = model["types"]


def lineage(ty):
    while ty:
        yield ty
        ty = types.get(ty, {}).get("base")


def contained_collections(ty):
    for t in lineage(ty):
        for m in types.get(t, {}).get("members", []):
            if m["kind"] == "contained" and m["collection"]:
                yield m["name"], m["ty"]


def restricted(name):
    return any(r["target"].endswith("/" + name) and r.get("insertable") is False for r in model["restrictions"])


def stem(ty):
    return ty[len("microsoft.graph."):] if ty.startswith("microsoft.graph.") else ty


def toml_string(text):
    return json.dumps(text)


def case(name, setup, path, ty):
    """Create in `path`, read it back, list `path`; `setup` creates the parents first."""
    schema = stem(ty)
    create = [f'[[case]]\nname = "create_{name}"\n']
    for index, (step_path, variable) in enumerate(setup):
        create.append(
            f"[[case.setup]]\nmethod = \"POST\"\npath = {toml_string(step_path)}\njson = '{{}}'\n"
            f"capture = {{ {variable} = \"/id\" }}\n"
        )
    create.append(
        f"[case.request]\nmethod = \"POST\"\npath = {toml_string(path)}\njson = '{{}}'\n"
        f"capture = {{ item = \"/id\" }}\n[case.expect]\nstatus = 201\nschema = {toml_string(schema)}\n"
    )
    create.append(
        f"[[case.teardown]]\nmethod = \"GET\"\npath = {toml_string(path + '/{item}')}\n"
    )
    listing = [f'[[case]]\nname = "list_{name}"\n']
    for step_path, variable in setup:
        listing.append(
            f"[[case.setup]]\nmethod = \"POST\"\npath = {toml_string(step_path)}\njson = '{{}}'\n"
            f"capture = {{ {variable} = \"/id\" }}\n"
        )
    listing.append(
        f"[case.request]\nmethod = \"GET\"\npath = {toml_string(path)}\n[case.expect]\nstatus = 200\n"
        f"schema = {toml_string(schema)}\ncollection = true\n"
    )
    return "".join(create) + "\n" + "".join(listing)


files = {}
for root_def in model["roots"]:
    if not root_def["collection"]:
        # A singleton's contained collections (`/me/messages`).
        name, ty = root_def["name"], root_def["ty"]
        files[name] = [
            case(f"{name}_{nav}", [], f"/v1.0/{name}/{nav}", nav_ty)
            for nav, nav_ty in contained_collections(ty)
            if not restricted(nav)
        ]
        continue
    if restricted(root_def["name"]):
        continue
    name, ty = root_def["name"], root_def["ty"]
    path = f"/v1.0/{name}"
    files[name] = [case(name, [], path, ty)]
    for nav, nav_ty in contained_collections(ty):
        if restricted(nav):
            continue
        setup = [(path, "parent")]
        files[name].append(case(f"{name}_{nav}", setup, path + "/{parent}/" + nav, nav_ty))
cases.mkdir()
count = 0
for name, texts in files.items():
    if not texts:
        continue
    (cases / f"{re.sub('[^A-Za-z0-9_]', '_', name)}.toml").write_text("\n".join(texts))
    count += 2 * len(texts)

mock = subprocess.Popen([conform, "mock", "--port", "0", "--schemas", schemas], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
base = mock.stdout.readline().strip().rsplit(" ", 1)[-1]
started = time.time()
run = subprocess.run(
    [conform, "run", "--base-url", base, "--cases", cases, "--schemas", schemas, "--report", work / "reports", "-q"],
    env={**os.environ, "CONFORM_TOKEN": "t"}, capture_output=True, text=True,
)
mock.terminate()
if run.returncode not in (0, 1):
    sys.exit(f"conform run could not run (exit {run.returncode}):\n{run.stderr[-2000:]}")
report = json.load(open(work / "reports/report.json"))
outcomes = {}
kinds = {}
for record in report["cases"]:
    outcomes[record["decision"]] = outcomes.get(record["decision"], 0) + 1
    for failure in record.get("failures", []):
        kinds[failure.get("kind", "?")] = kinds.get(failure.get("kind", "?"), 0) + 1
print(f"| cases written | {count} (entity sets and their contained collections) |")
print(f"| outcomes | {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))} |")
print(f"| failures by kind | {', '.join(f'{k} {v}' for k, v in sorted(kinds.items())) or 'none'} |")
print(f"| run time | {time.time() - started:.1f} s |")
for record in [r for r in report["cases"] if r["decision"] == "failed"][:15]:
    first = (record.get("failures") or [{}])[0]
    print(f"| failed: {record['name']} | {first.get('kind')}: {str(first.get('message'))[:160]} |")
