"""``lstm-course``: grade submissions, write the exercises from the solutions, make a Gradescope bundle.

lstm-course grade PATH... --out DIR [--seed N] [--jobs N] [--timeout S] [--memory MB] [--allow-unsandboxed]
lstm-course assign [--source solutions] [--dest exercises]
lstm-course autograder --out ZIP [--seed N] [--exercise KEY]... [--timeout S] [--memory MB] [--allow-unsandboxed]
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path


def find_submissions(paths) -> tuple[list[Path], list[str]]:
    """Notebooks under the given paths (folders are searched recursively), and problems."""
    found, problems = [], []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts and q.is_file())
        elif p.is_file():
            found.append(p)  # named explicitly: graded even if it is not a notebook
        else:
            problems.append(f"{p}: no such file or folder")
    unique, seen = [], set()
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique, problems


def output_names(paths: list[Path]) -> list[str]:
    """A folder name per submission: the notebook's stem, made unique with its parent folders."""

    def clean(s: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", s).strip("._") or "submission"

    names = [clean(p.stem) for p in paths]
    parts = [list(p.resolve().parts[:-1]) for p in paths]
    depth = 0
    while len(set(names)) < len(names) and depth < 64:
        depth += 1
        counts = {}
        for n in names:
            counts[n] = counts.get(n, 0) + 1
        for i, p in enumerate(paths):
            if counts[names[i]] > 1:
                prefix = parts[i][-depth:] if depth <= len(parts[i]) else parts[i]
                names[i] = "__".join(clean(x) for x in prefix + [p.stem])
    seen = {}
    for i, n in enumerate(names):  # last resort: number them
        if n in seen:
            seen[n] += 1
            names[i] = f"{n}__{seen[n]}"
        else:
            seen[n] = 1
    return names


def cmd_grade(args) -> int:
    from .grader import grade_notebook
    from .report import write_csv, write_submission
    from .sandbox import Limits, isolation, refusal

    paths, problems = find_submissions(args.paths)
    for p in problems:
        print(f"lstm-course grade: {p}", file=sys.stderr)
    if not paths:
        print("lstm-course grade: no notebooks found to grade", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    limits = Limits(timeout_s=args.timeout, memory_mb=args.memory, allow_unsandboxed=args.allow_unsandboxed)
    if not isolation().sealed:
        if not args.allow_unsandboxed:
            print(f"lstm-course grade: {refusal()}", file=sys.stderr)
            return 2
        print(f"lstm-course grade: warning: {isolation().description}", file=sys.stderr)
    names = output_names(paths)
    grades = [None] * len(paths)

    from tqdm import tqdm

    bar = tqdm(total=len(paths), desc="grading", unit="notebook", file=sys.stderr, disable=len(paths) < 2)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {
            pool.submit(grade_notebook, p, name=n, batch_seed=seed, limits=limits): i
            for i, (p, n) in enumerate(zip(paths, names, strict=True))
        }
        for fut in as_completed(futures):
            i = futures[fut]
            g = fut.result()  # grade_notebook catches everything per submission
            write_submission(g, out)
            grades[i] = g
            bar.update(1)
    bar.close()
    write_csv(grades, out / "grades.csv")
    failed = sum(g.status != "graded" for g in grades)
    full = sum(g.status == "graded" and g.score == g.max_score for g in grades)
    print(
        f"graded {len(grades)} submission(s) with seed {seed}: {full} at full marks, "
        f"{failed} not gradable; results in {out}/ (grades.csv)"
    )
    return 0


def _check_assigned(assign, AssignError, source: Path, dest: Path) -> int:
    """0 when ``dest`` holds exactly what ``assign`` makes of ``source``; else 1, naming the files."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        try:
            written = assign(source, Path(tmp))
        except AssignError as err:
            print(f"lstm-course assign: {err}", file=sys.stderr)
            return 2
        made = {p.name: p.read_bytes() for p in written}
    present = {p.name for p in dest.glob("*.ipynb")}
    stale = sorted(n for n in made if n not in present or (dest / n).read_bytes() != made[n])
    extra = sorted(present - set(made))
    for name in stale:
        print(f"{dest}/{name} is not what assign makes of {source}/{name}", file=sys.stderr)
    for name in extra:
        print(f"{dest}/{name} has no solution notebook in {source}/", file=sys.stderr)
    if stale or extra:
        print(f"run: lstm-course assign --source {source} --dest {dest}", file=sys.stderr)
        return 1
    print(f"{dest}/ is what assign makes of {source}/ ({len(made)} notebooks)")
    return 0


def cmd_assign(args) -> int:
    try:
        from .assign import AssignError, assign
    except ImportError as err:
        print(f"lstm-course assign: not available ({err})", file=sys.stderr)
        return 1
    if args.check:
        return _check_assigned(assign, AssignError, Path(args.source), Path(args.dest))
    try:
        written = assign(Path(args.source), Path(args.dest))
    except AssignError as err:
        print(f"lstm-course assign: {err}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} exercise notebook(s) to {args.dest}/: " + ", ".join(p.name for p in written))
    return 0


def cmd_autograder(args) -> int:
    from .gradescope import make_bundle

    seed = args.seed if args.seed is not None else secrets.randbits(32)
    try:
        out = make_bundle(
            Path(args.out),
            seed=seed,
            exercises=args.exercise,
            timeout_s=args.timeout,
            memory_mb=args.memory,
            allow_unsandboxed=args.allow_unsandboxed,
        )
    except (ValueError, OSError) as err:
        print(f"lstm-course autograder: {err}", file=sys.stderr)
        return 2
    print(
        f"wrote {out} with seed {seed}: upload it as the assignment's autograder on "
        "Gradescope. Every submission to it is graded on the same hidden inputs."
    )
    return 0


def _add_limits(parser) -> None:
    """The sandbox's limits, which grade and autograder both take."""
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="wall-clock seconds per graded function (default 10)"
    )
    parser.add_argument(
        "--memory", type=int, default=2048, metavar="MB", help="address-space limit of the sandbox (default 2048)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lstm-course", description="The LSTM course's command-line tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser(
        "grade",
        help="grade submitted notebooks in a sandbox",
        description="Grade notebooks (or folders of them, searched recursively) "
        "on hidden inputs; write DIR/<notebook>/results.json "
        "(Gradescope), DIR/<notebook>/feedback.md and "
        "DIR/grades.csv.",
    )
    g.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders")
    g.add_argument("--out", required=True, metavar="DIR", help="where to write the results")
    g.add_argument("--seed", type=int, default=None, help="seed of the hidden inputs (default: a random one, recorded)")
    g.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel workers")
    _add_limits(g)
    g.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="grade even where namespaces are unavailable, with the audit hook "
        "alone (the feedback says so); without it, grade refuses there",
    )
    g.set_defaults(func=cmd_grade)
    a = sub.add_parser("assign", help="write exercises/ from solutions/")
    a.add_argument("--source", default="solutions", help="solution notebooks (default solutions)")
    a.add_argument("--dest", default="exercises", help="where to write (default exercises)")
    a.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when --dest differs from what assign makes of --source",
    )
    a.set_defaults(func=cmd_assign)
    b = sub.add_parser(
        "autograder",
        help="write a Gradescope autograder bundle (a zip)",
        description="Write a zip to upload as a Gradescope programming "
        "assignment's autograder. It grades each submission with "
        "lstm-course grade, on hidden inputs drawn from one seed "
        "fixed in the bundle.",
    )
    b.add_argument("--out", required=True, metavar="ZIP", help="the zip to write")
    b.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the hidden inputs, the same for every submission "
        "(default: a random one, printed and written into the bundle)",
    )
    b.add_argument(
        "--exercise",
        action="append",
        metavar="KEY",
        help="an exercise the assignment grades, e.g. 03_one_lstm_step (repeat for several; default: every exercise)",
    )
    _add_limits(b)
    b.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="let the bundle grade where namespaces are unavailable, as in "
        "Gradescope's containers usually (see the instructor's guide)",
    )
    b.set_defaults(func=cmd_autograder)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "grade" and (args.jobs < 1 or args.timeout <= 0 or args.memory < 256):
        print("lstm-course grade: --jobs must be >= 1, --timeout > 0 and --memory >= 256", file=sys.stderr)
        return 2
    if args.command == "autograder" and (args.timeout <= 0 or args.memory < 256):
        print("lstm-course autograder: --timeout must be > 0 and --memory >= 256", file=sys.stderr)
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
