"""The grader at course scale: a generated class of notebooks through `lstm-course grade`.

Usage: python benchmarks/bench_grading.py [--n 300] [--jobs 2] [--timeout 10] [--keep DIR]

The class is made from the course's own notebooks: solutions/ as they are
(correct), with one solution changed into a known mistake (partly wrong),
exercises/ as handed out (blank), broken files (invalid JSON, truncated, not
a notebook, empty) and hostile ones (an infinite loop, os._exit, a huge
allocation, reading the solutions, writing outside the sandbox), about 10% of
each of the last three. It is graded in one batch through the real command,
and the script prints notebooks per minute, then checks that every notebook
has its row in grades.csv and its results.json, that no hostile write got
out, and that each kind scored as it should. It exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from lstm_lib.grading.assign import BEGIN, END  # noqa: E402
from lstm_lib.grading.cli import find_submissions, output_names  # noqa: E402

KINDS = ("correct", "partly wrong", "blank", "broken", "hostile")
BROKEN = ("invalid JSON", "truncated", "not a notebook", "empty")
HOSTILE = ("infinite loop", "os._exit", "huge allocation", "reads the solutions", "writes outside")
# (old, new): a known mistake in one function of a solution; the first that applies is used.
MISTAKES = (
    ("np.where(x >= 0, 1 / (1 + e), e / (1 + e))", "np.where(x >= 0, 1 / (1 + e), 1 / (1 + e))"),
    ("2 * sigmoid(2 * np.asarray(x)) - 1", "2 * sigmoid(np.asarray(x)) - 1"),
    ('params["bias_ih"][H:2 * H] = forget_bias', 'params["bias_ih"][:H] = forget_bias'),
    ("a_i, a_f, a_g, a_o = np.split", "a_f, a_i, a_g, a_o = np.split"),
    ("h = o * np.tanh(c)", "h = o * np.tanh(c_prev)"),
)
ESCAPE_PREFIX = "lstm_bench_escaped_"


def class_sizes(n: int) -> dict:
    """About 10% each of blank, broken and hostile; the rest correct and partly wrong, half each."""
    tenth = max(1, round(n / 10)) if n >= 5 else 0
    rest = n - 3 * tenth
    return {"correct": rest - rest // 2, "partly wrong": rest // 2, "blank": tenth, "broken": tenth, "hostile": tenth}


def _regions(nb) -> list:
    """(cell index, BEGIN line, END line, indent, enclosing function node) of each solution region."""
    found = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        lines = cell.source.split("\n")
        defs = [n for n in ast.walk(ast.parse(cell.source)) if isinstance(n, ast.FunctionDef)]
        begin = None
        for i, line in enumerate(lines):
            if line.strip().startswith(BEGIN):
                begin = i
            elif line.strip().startswith(END) and begin is not None:
                inside = [d for d in defs if d.lineno <= begin + 1 <= d.end_lineno]
                fn = max(inside, key=lambda d: d.lineno) if inside else None
                indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
                found.append((k, begin, i, indent, fn))
                begin = None
    return found


def _replace_region(nb, region, body: str, *, keep_solution: bool = False):
    """A copy of ``nb`` whose ``region`` is ``body`` (before the solution, if it is kept)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    k, begin, end, indent, _ = region
    lines = nb.cells[k].source.split("\n")
    new = [indent + line if line else line for line in body.strip("\n").split("\n")]
    kept = lines[begin + 1 : end] if keep_solution else []
    nb.cells[k].source = "\n".join(lines[:begin] + new + kept + lines[end + 1 :])
    return nb


def _call_args(fn: ast.FunctionDef) -> str:
    a = fn.args
    return ", ".join([p.arg for p in a.posonlyargs + a.args] + [f"{p.arg}={p.arg}" for p in a.kwonlyargs])


def _hostile(nb, solution: Path, variant: str, marker: Path):
    region = _regions(nb)[0]
    fn = region[4]
    if variant == "infinite loop":
        return _replace_region(nb, region, "while True:\n    pass")
    if variant == "os._exit":
        return _replace_region(nb, region, "import os\nos._exit(3)")
    if variant == "huge allocation":
        return _replace_region(nb, region, "big = np.ones(10**10)\nreturn big")
    if variant == "reads the solutions":
        # Defines the solution's own functions from its file, and calls the right one.
        body = f"""
import json as _json
_ns = {{"np": np}}
for _c in _json.load(open({str(solution)!r}))["cells"]:
    _s = "".join(_c["source"]) if isinstance(_c["source"], list) else _c["source"]
    if _c["cell_type"] == "code" and _s.lstrip().startswith("def "):
        exec(_s, _ns)
return _ns[{fn.name!r}]({_call_args(fn)})
"""
        return _replace_region(nb, region, body)
    if variant == "writes outside":
        body = f"""
for _p in ({str(marker)!r}, "../../{marker.name}", "/tmp/{marker.name}"):
    try:
        with open(_p, "w") as _fh:
            _fh.write("escaped")
    except Exception:
        pass
"""
        return _replace_region(nb, region, body, keep_solution=True)
    raise ValueError(variant)


def _partly_wrong(nb, index: int):
    """``nb`` with one known mistake (the index picks which); a stub for one region otherwise."""
    options = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and BEGIN in cell.source:
            options += [(k, old, new) for old, new in MISTAKES if old in cell.source]
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    if options:
        k, old, new = options[index % len(options)]
        nb.cells[k].source = nb.cells[k].source.replace(old, new)
        return nb, f"{old} -> {new}"
    regions = _regions(nb)
    region = regions[index % len(regions)]
    return _replace_region(nb, region, 'raise NotImplementedError("not done")'), "one function left blank"


def make_class(folder: Path, n: int, *, seed: int = 0, escape_dir: Path | None = None) -> dict:
    """Write ``n`` notebooks into ``folder``; {file name: (kind, variant)}.

    Hostile writers aim at ``escape_dir`` (default: ``folder``'s parent).
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    escape_dir = escape_dir or folder.parent
    solutions = sorted((ROOT / "solutions").glob("*.ipynb"))
    exercises = {p.name: p for p in (ROOT / "exercises").glob("*.ipynb")}
    if not solutions:
        raise SystemExit("no solution notebooks in solutions/")
    kinds = [kind for kind, count in class_sizes(n).items() for _ in range(count)]
    rng.shuffle(kinds)
    manifest, counters = {}, Counter()
    for i, kind in enumerate(kinds):
        j = counters[kind]
        counters[kind] += 1
        solution = solutions[(i + j) % len(solutions)]
        key = solution.stem
        # Half the names carry the exercise key; the others are recognised by the notebook itself.
        name = f"student{i:04d}_{key}.ipynb" if i % 2 == 0 or kind == "broken" else f"student{i:04d}.ipynb"
        path = folder / name
        nb = nbformat.read(solution, as_version=4)
        variant = ""
        if kind == "correct":
            shutil.copyfile(solution, path)
        elif kind == "partly wrong":
            nb, variant = _partly_wrong(nb, j)
            nbformat.write(nb, path)
        elif kind == "blank":
            shutil.copyfile(exercises.get(solution.name, solution), path)
        elif kind == "broken":
            variant = BROKEN[j % len(BROKEN)]
            text = solution.read_text(encoding="utf-8")
            path.write_text(
                {
                    "invalid JSON": '{"cells": [{"cell_type": "code", source: oops}]}',
                    "truncated": text[: rng.randrange(len(text) // 4, 3 * len(text) // 4)],
                    "not a notebook": "def sigmoid(x):\n    return x\n",
                    "empty": "",
                }[variant],
                encoding="utf-8",
            )
        else:
            variant = HOSTILE[j % len(HOSTILE)]
            marker = escape_dir / f"{ESCAPE_PREFIX}{i:04d}.txt"
            nbformat.write(_hostile(nb, solution, variant, marker), path)
        manifest[name] = (kind, variant)
    return manifest


def grade_class(folder: Path, out: Path, *, jobs: int, timeout: float, seed: int = 1) -> tuple:
    """Run `lstm-course grade` on the folder; (seconds, completed process)."""
    cmd = [
        sys.executable,
        "-m",
        "lstm_lib.grading.cli",
        "grade",
        str(folder),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--timeout",
        str(timeout),
        "--seed",
        str(seed),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    return time.perf_counter() - t0, proc


def check_class(folder: Path, out: Path, manifest: dict, escape_dir: Path) -> tuple[list, list, dict]:
    """(problems, observations, rows of grades.csv by file name).

    A problem fails the benchmark: a lost row or results.json, a hostile write that got
    out, a score that is impossible for its kind. An observation is printed only: a
    partly wrong notebook that lost every mark (one mistake that cost more than once).
    """
    problems, observations = [], []
    with open(out / "grades.csv", newline="", encoding="utf-8") as fh:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(fh)}
    paths, _ = find_submissions([folder])
    for path, name in zip(paths, output_names(paths), strict=True):
        if path.name not in rows:
            problems.append(f"{path.name}: no row in grades.csv")
        results = out / name / "results.json"
        try:
            data = json.loads(results.read_text(encoding="utf-8"))
            if not isinstance(data.get("score"), (int, float)) or not isinstance(data.get("tests"), list):
                problems.append(f"{path.name}: {results} lacks a score or tests")
        except (OSError, ValueError) as err:
            problems.append(f"{path.name}: no readable results.json ({err})")
    if len(rows) != len(manifest) or len(paths) != len(manifest):
        problems.append(f"{len(manifest)} notebooks, {len(paths)} found, {len(rows)} rows in grades.csv")
    for leak in (*escape_dir.glob(ESCAPE_PREFIX + "*"), *Path("/tmp").glob(ESCAPE_PREFIX + "*")):
        problems.append(f"a hostile notebook wrote {leak}")
    for name, (kind, variant) in manifest.items():
        row = rows.get(name)
        if row is None:
            continue
        total, best = float(row["total"]), float(row["max_score"] or 0)
        graded = row["status"] == "graded"
        what = f"{name} ({kind}{': ' + variant if variant else ''}) scored {total:g} / {best:g}, status {row['status']}"
        if kind == "correct" and not (graded and best > 0 and total == best):
            problems.append(what)
        elif kind == "partly wrong" and not (graded and total < best):
            problems.append(what)
        elif kind == "partly wrong" and total == 0:
            observations.append(what)
        elif kind in ("blank", "broken") and total != 0:
            problems.append(what)
        # A writer keeps the solution after its blocked writes, so it may earn full marks.
        elif kind == "hostile" and variant != "writes outside" and best > 0 and total == best:
            problems.append(what)
    return problems, observations, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="class size (default 300)")
    parser.add_argument("--jobs", type=int, default=2, help="lstm-course grade --jobs (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="lstm-course grade --timeout, seconds per function (default 10)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated class")
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the class and the results here (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = args.keep or Path(tmp)
        folder, out, escape = base / "class" / "submissions", base / "graded", base / "class"
        for d in (folder, out):
            if d.exists():
                shutil.rmtree(d)
        manifest = make_class(folder, args.n, seed=args.seed, escape_dir=escape)
        kinds = Counter(kind for kind, _ in manifest.values())
        print(f"class of {len(manifest)}: " + ", ".join(f"{kinds[k]} {k}" for k in KINDS))
        seconds, proc = grade_class(folder, out, jobs=args.jobs, timeout=args.timeout)
        print(proc.stdout.strip())
        if proc.returncode != 0:
            print(f"lstm-course grade failed (exit {proc.returncode}):\n{proc.stderr}", file=sys.stderr)
            return 1
        problems, observations, rows = check_class(folder, out, manifest, escape)
        print(
            f"graded {len(manifest)} notebooks in {seconds:.1f} s with --jobs {args.jobs}: "
            f"{len(manifest) / seconds * 60:.1f} notebooks per minute"
        )
        print(
            f"grades.csv: {len(rows)} rows; results.json: "
            f"{sum((out / n / 'results.json').is_file() for n in output_names(find_submissions([folder])[0]))}"
        )
        by_kind = defaultdict(list)
        for name, (kind, _) in manifest.items():
            if name in rows:
                r = rows[name]
                by_kind[kind].append((float(r["total"]), float(r["max_score"] or 0), r["status"]))
        for kind in KINDS:
            scores = by_kind[kind]
            if scores:
                frac = sum(t / m if m else 0 for t, m, _ in scores) / len(scores)
                statuses = Counter(s for *_, s in scores)
                print(
                    f"  {kind:13s} {len(scores):4d}  mean {100 * frac:5.1f}% of the marks  "
                    + ", ".join(f"{c} {s}" for s, c in sorted(statuses.items()))
                )
        if observations:
            print(f"{len(observations)} partly wrong notebook(s) lost every mark:", *observations[:20], sep="\n  ")
        if problems:
            print(f"{len(problems)} problem(s):", *problems[:50], sep="\n  ", file=sys.stderr)
            return 1
        print("every notebook has its row and its results.json; no hostile write got out")
        if args.keep:
            print(f"class and results kept in {args.keep}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
