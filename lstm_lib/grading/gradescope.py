"""The grader as a Gradescope autograder: a bundle to upload, and what it runs per submission.

    lstm-course autograder --out autograder.zip [--seed N] [--exercise KEY ...]

writes a zip with, at its root (Gradescope's autograder specification):

``setup.sh``
    run once, as root, when Gradescope builds the autograder's image: installs
    Python 3.10+ if the image lacks it, makes ``/autograder/venv``, installs the
    grader's requirements from PyPI and this package from the wheel in the
    bundle, then grades a stub notebook as a self-check.
``run_autograder``
    run for each submission: ``python -m lstm_lib.grading.gradescope``, which
    finds the notebook(s) in ``/autograder/submission``, grades them with
    ``lstm-course grade`` (the same command an instructor runs locally) and
    writes ``/autograder/results/results.json``.
``config.json``
    the seed, the exercises and the limits, fixed when the bundle is made.
``requirements.txt`` and ``lstm_course-<version>-py3-none-any.whl``
    what the grader imports, and this package as it is installed here.

The seed. A bundle has one seed, drawn when it is made (or given with
``--seed``) and written into ``config.json``; every submission is graded with
it, under the exercise's own name whatever the student called the file. So
every student of the assignment gets the same hidden inputs, a regrade gives
the same marks, and identical notebooks get identical marks. A new bundle
draws new inputs unless it is made with the same seed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

GRADESCOPE_ROOT = Path("/autograder")
# What ``lstm-course grade`` imports besides the standard library: the lower bounds are
# pyproject's (a test keeps them equal). Matplotlib and ipywidgets are not needed;
# statsmodels is, for the sunspot numbers that exercise 7's hidden cases train on, and
# sktime for the Japanese vowels of exercises 8 and 9.
REQUIREMENTS = ("numpy>=1.24", "nbformat>=5.7", "tqdm>=4.60", "statsmodels>=0.14", "sktime>=0.30")
# What an exercise needs on top: exercise 9 runs the learner's PyTorch in the sandbox,
# which holds the grader's own torch (the CPU build: the sandbox has no GPU).
EXERCISE_REQUIREMENTS = {
    "09_lstm_in_pytorch": ("--extra-index-url https://download.pytorch.org/whl/cpu", "torch>=2.4"),
}


def requirements_for(keys) -> list:
    """requirements.txt's lines for a bundle that grades the exercises ``keys``."""
    extra = [r for k in keys for r in EXERCISE_REQUIREMENTS.get(k, ())]
    return list(REQUIREMENTS) + list(dict.fromkeys(extra))


# Gradescope stops an autograder after 10 minutes unless the assignment allows more;
# the grader gets less, so that a results.json is always written in time.
DEFAULT_DEADLINE_S = 480
MAX_NOTEBOOK_BYTES = 50 * 2**20
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so that the same inputs make the same bytes

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. It
# installs the LSTM course's grader into /autograder/venv from the files beside it.
set -euo pipefail
cd "$(dirname "$0")"

py_ok() { command -v python3 >/dev/null && python3 -c \
  'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; }
if ! py_ok; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    python3 python3-venv python3-pip
fi
if ! py_ok; then
  echo "setup.sh: the grader needs Python 3.10 or newer with venv; choose a newer base" \
       "image (Ubuntu 22.04 or later) in the assignment's autograder settings" >&2
  exit 1
fi

python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install -r requirements.txt
/autograder/venv/bin/python -m pip install --no-deps ./{wheel}
# Grade a stub notebook now: a broken image fails here, in the build log the
# instructor reads, and not on the first student's submission.
/autograder/venv/bin/python -I -m lstm_lib.grading.gradescope --self-check "$PWD/config.json"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, as root, in /autograder. exec hands
# this process to the grader, so bash never reads this file again after this line.
exec /autograder/venv/bin/python -I -m lstm_lib.grading.gradescope /autograder/source/config.json
"""


# ---------------------------------------------------------------- making the bundle


def _package_files() -> list[tuple[str, bytes]]:
    """(path in the wheel, bytes) of every file of the installed ``lstm_lib`` package."""
    import lstm_lib

    root = Path(lstm_lib.__file__).resolve().parent
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root.parent)
        if (
            path.is_symlink()
            or not path.is_file()
            or "__pycache__" in rel.parts
            or path.suffix in (".pyc", ".pyo")
            or any(p.startswith(".") for p in rel.parts)
        ):
            continue
        files.append((rel.as_posix(), path.read_bytes()))
    return files


def _zip_write(zf: zipfile.ZipFile, name: str, data: bytes, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so that unzip applies the mode below
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    zf.writestr(info, data)


def wheel_name(version: str) -> str:
    return f"lstm_course-{version}-py3-none-any.whl"


def build_wheel(version: str) -> bytes:
    """A pure-Python wheel of this package, written directly (no build backend, no network).

    Its requirements are only what the grader needs (REQUIREMENTS); the wheel's
    console script is ``lstm-course``, as in pyproject.toml.
    """
    dist_info = f"lstm_course-{version}.dist-info"
    metadata = "\n".join(
        [
            "Metadata-Version: 2.1",
            "Name: lstm-course",
            f"Version: {version}",
            "Summary: The LSTM course's grader, as shipped in a Gradescope autograder bundle",
            "Requires-Python: >=3.10",
            *[f"Requires-Dist: {r}" for r in REQUIREMENTS],
            "",
            "",
        ]
    )
    files = _package_files() + [
        (f"{dist_info}/METADATA", metadata.encode()),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: lstm-course autograder\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n",
        ),
        (f"{dist_info}/entry_points.txt", b"[console_scripts]\nlstm-course = lstm_lib.grading.cli:main\n"),
    ]
    record = []
    for name, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            _zip_write(zf, name, data)
    return buf.getvalue()


def make_bundle(
    out: Path,
    *,
    seed: int,
    exercises: list[str] | None = None,
    timeout_s: float = 10.0,
    memory_mb: int = 2048,
    allow_unsandboxed: bool = False,
    deadline_s: int = DEFAULT_DEADLINE_S,
) -> Path:
    """Write the autograder zip to ``out``; the same arguments give the same bytes."""
    import lstm_lib

    from .exercises import EXERCISES

    keys = list(exercises) if exercises else list(EXERCISES)
    unknown = [k for k in keys if k not in EXERCISES]
    if unknown:
        raise ValueError(f"no exercise {', '.join(unknown)}; the exercises are {', '.join(EXERCISES)}")
    version = lstm_lib.__version__
    config = {
        "seed": int(seed),
        "exercises": list(dict.fromkeys(keys)),
        "timeout_s": float(timeout_s),
        "memory_mb": int(memory_mb),
        "allow_unsandboxed": bool(allow_unsandboxed),
        "deadline_s": int(deadline_s),
        "lstm_course_version": version,
    }
    wheel = wheel_name(version)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w") as zf:
        _zip_write(zf, "setup.sh", SETUP_SH.replace("{wheel}", wheel).encode(), executable=True)
        _zip_write(zf, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _zip_write(zf, "config.json", (json.dumps(config, indent=2) + "\n").encode())
        _zip_write(zf, "requirements.txt", ("\n".join(requirements_for(config["exercises"])) + "\n").encode())
        _zip_write(zf, wheel, build_wheel(version))
    os.replace(tmp, out)
    return out


# ---------------------------------------------------------------- grading one submission


def load_config(path: Path) -> dict:
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    for key, kind in (
        ("seed", int),
        ("exercises", list),
        ("timeout_s", (int, float)),
        ("memory_mb", int),
        ("allow_unsandboxed", bool),
    ):
        if not isinstance(config.get(key), kind):
            raise ValueError(f"{path}: {key} is missing or not a {getattr(kind, '__name__', kind)}")
    config.setdefault("deadline_s", DEFAULT_DEADLINE_S)
    return config


def submitted_files(folder: Path) -> list[Path]:
    """Regular files under ``folder`` (links are not followed), leaving out editor leftovers."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in (".ipynb_checkpoints", "__MACOSX"))
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if not path.is_symlink() and path.is_file():
                found.append(path)
    return found


def _identify(path: Path) -> tuple[str | None, str]:
    """The exercise a submitted notebook is (key or None), and how that was decided."""
    from .notebook import NotebookError, identify_exercise, parse_definitions, read_notebook

    try:
        try:
            nb = read_notebook(path)
        except NotebookError:
            nb = {"cells": []}  # its file name may still tell; the grader explains the rest
        ex, how = identify_exercise(path, nb, parse_definitions(nb))
    except Exception:  # noqa: BLE001 - an odd file is graded, and explained, by the grader
        return None, ""
    return (ex.key if ex else None), how


def match_notebooks(files: list[Path], keys: list[str], root: Path) -> tuple[dict, list[str]]:
    """Which submitted notebook to grade for each exercise: {key: (path or None, how)}, notes."""
    notebooks = [f for f in files if f.suffix.lower() == ".ipynb"]
    who = {nb: _identify(nb) for nb in notebooks}
    chosen, notes = {}, []
    for key in keys:
        candidates = [nb for nb in notebooks if who[nb][0] == key]
        # A notebook whose own name says the exercise wins over one recognised by its content.
        candidates.sort(key=lambda nb: (who[nb][1] != "file name", str(nb)))
        if candidates:
            chosen[key] = (candidates[0], f"recognised by its {who[candidates[0]][1]}")
            for other in candidates[1:]:
                notes.append(
                    f"{other.relative_to(root)} also looks like exercise {key}; "
                    f"only {candidates[0].relative_to(root)} was graded"
                )
        elif len(keys) == 1 and len(notebooks) == 1:
            nb = notebooks[0]
            said = who[nb][0]
            how = (
                (f"it looks like exercise {said} ({who[nb][1]}), not {key}: was the right notebook uploaded?")
                if said
                else "the only notebook submitted"
            )
            chosen[key] = (nb, how)
        else:
            chosen[key] = (None, "")
    return chosen, notes


def _empty_notebook() -> bytes:
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def grade_command(config: dict, in_dir: Path, out_dir: Path, jobs: int) -> list[str]:
    cmd = [
        sys.executable,
        "-I",
        "-m",
        "lstm_lib.grading.cli",
        "grade",
        str(in_dir),
        "--out",
        str(out_dir),
        "--seed",
        str(config["seed"]),
        "--jobs",
        str(jobs),
        "--timeout",
        str(config["timeout_s"]),
        "--memory",
        str(config["memory_mb"]),
    ]
    if config["allow_unsandboxed"]:
        cmd.append("--allow-unsandboxed")
    return cmd


def _zero_results(config: dict, text: str, started: float) -> dict:
    return {
        "score": 0.0,
        "execution_time": round(time.monotonic() - started, 3),
        "output": text,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"seed": config.get("seed"), "status": "grader error"},
    }


def grade_submission(config: dict, submission: Path, work: Path) -> tuple[dict, str]:
    """Grade the files in ``submission`` as the bundle's exercises; (results.json, log text)."""
    started = time.monotonic()
    keys = config["exercises"]
    files = submitted_files(submission)
    chosen, notes = match_notebooks(files, keys, submission)
    in_dir, out_dir = work / "submission", work / "graded"
    in_dir.mkdir(parents=True)
    for key, (path, _) in chosen.items():
        # Under the exercise's name: the grader takes it for that exercise, and nothing about
        # the grading depends on what the student called the file.
        target = in_dir / f"{key}.ipynb"
        if path is None:
            target.write_bytes(_empty_notebook())
        elif path.stat().st_size > MAX_NOTEBOOK_BYTES:
            target.write_bytes(b"")  # the grader reports the file as unreadable
            notes.append(
                f"{path.relative_to(submission)} is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB and was not read"
            )
        else:
            shutil.copyfile(path, target)
    cmd = grade_command(config, in_dir, out_dir, jobs=max(1, min(len(keys), os.cpu_count() or 1)))
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            cwd=work,
            timeout=max(30, config["deadline_s"] - (time.monotonic() - started)),
        )
        log = f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}"
        failed = proc.returncode != 0 and f"exit code {proc.returncode}: {proc.stderr.strip()[-2000:]}"
    except subprocess.TimeoutExpired:
        log, failed = (
            f"$ {' '.join(cmd)}\n(stopped after {config['deadline_s']} s)",
            f"it did not finish within {config['deadline_s']} s",
        )
    if failed:
        return _zero_results(
            config,
            "The autograder could not grade this submission "
            f"({failed}). This is a problem with the autograder, not with your "
            "work: please tell the course staff.",
            started,
        ), log

    names = [f.relative_to(submission).as_posix() for f in files[:10]]
    names += [f"and {len(files) - 10} more"] if len(files) > 10 else []
    result = {
        "score": 0.0,
        "execution_time": 0.0,
        "output": "",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {"seed": config["seed"], "exercises": {}},
    }
    sections = []
    for key, (path, how) in chosen.items():
        res = json.loads((out_dir / key / "results.json").read_text(encoding="utf-8"))
        feedback = out_dir / key / "feedback.md"
        if feedback.is_file():
            log += f"\n----- feedback.md for exercise {key} -----\n" + feedback.read_text(encoding="utf-8")
        if path is None:
            head = (
                f"No notebook for exercise {key} was found in your submission "
                f"({'you uploaded: ' + ', '.join(names) if names else 'it is empty'}). "
                f"Upload your completed {key}.ipynb."
            )
        else:
            head = f"Graded {path.relative_to(submission).as_posix()} as exercise {key} ({how})."
        sections.append(head + "\n" + str(res.get("output", "")))
        result["score"] += float(res.get("score", 0.0))
        result["execution_time"] += float(res.get("execution_time", 0.0))
        result["tests"] += list(res.get("tests", []))
        extra = dict(res.get("extra_data") or {})
        extra["file"] = path.relative_to(submission).as_posix() if path else None
        result["extra_data"]["exercises"][key] = extra
    if notes:
        sections.append("Notes:\n" + "\n".join(f"  - {n}" for n in notes))
    result["score"] = round(result["score"], 4)
    result["execution_time"] = round(result["execution_time"], 3)
    result["output"] = "\n\n".join(sections)
    return result, log


def write_results(results: dict, results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "results.json"
    tmp = results_dir / ".results.json.part"
    tmp.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def lock_down(config_path: Path, root: Path = GRADESCOPE_ROOT) -> list[Path]:
    """As root, close the bundle's folder and this package's folder to other users.

    Where Gradescope's container gives no namespaces, a submission runs as nobody behind
    the audit hook alone; past the hook, it would find the seed in config.json and the
    reference implementation here. The grader runs as root and still reads both. Only
    folders inside ``root`` are touched, never a checkout that happens to run this.
    """
    import lstm_lib

    if os.geteuid() != 0:
        return []
    closed = []
    for folder in (Path(config_path).resolve().parent, Path(lstm_lib.__file__).resolve().parent):
        if folder.is_relative_to(Path(root).resolve()) and folder != Path(root).resolve():
            folder.chmod(0o700)
            closed.append(folder)
    return closed


def run(config_path: Path, root: Path = GRADESCOPE_ROOT) -> int:
    """What ``run_autograder`` does: grade ``root/submission`` into ``root/results``.

    A results.json is written whatever happens, as Gradescope asks; the log goes to
    stdout, which Gradescope shows to the instructor only.
    """
    started = time.monotonic()
    config = {}
    try:
        config = load_config(config_path)
        lock_down(config_path, root)
        with tempfile.TemporaryDirectory(prefix="lstm-gradescope-") as tmp:
            results, log = grade_submission(config, root / "submission", Path(tmp))
    except Exception:  # noqa: BLE001 - Gradescope must get a results.json in any case
        log = traceback.format_exc()
        results = _zero_results(
            config,
            "The autograder failed on this submission. This is a "
            "problem with the autograder, not with your work: please tell "
            "the course staff.",
            started,
        )
    print(log)
    write_results(results, root / "results")
    print(f"score {results['score']:g}; results in {root / 'results' / 'results.json'}")
    return 0


def self_check(config_path: Path) -> int:
    """Grade a stub notebook of each exercise once, as setup.sh does when the image is built."""
    from .exercises import EXERCISES

    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="lstm-selfcheck-") as tmp:
        root = Path(tmp)
        sub = root / "submission"
        sub.mkdir()
        for key in config["exercises"]:
            stubs = [f"def {f.name}(*args, **kwargs):\n    return None" for f in EXERCISES[key].functions]
            nb = {
                "cells": [
                    {
                        "cell_type": "code",
                        "id": f"c{k}",
                        "metadata": {},
                        "outputs": [],
                        "execution_count": None,
                        "source": s,
                    }
                    for k, s in enumerate(stubs)
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
            (sub / f"{key}.ipynb").write_text(json.dumps(nb))
        results, log = grade_submission(config, sub, root / "work")
    print(log)
    status = results.get("extra_data", {}).get("status")
    if status == "grader error" or not results["tests"]:
        print(f"self-check FAILED: {results['output']}", file=sys.stderr)
        if not config["allow_unsandboxed"] and "--allow-unsandboxed" in log:
            print(
                "This machine gives the grader no namespaces, so it refuses to run "
                "submissions. Make the bundle again with lstm-course autograder "
                "--allow-unsandboxed to grade here behind the audit hook alone (read the "
                "instructor's guide, 'What the sandbox guarantees', first).",
                file=sys.stderr,
            )
        return 1
    print(f"self-check passed: {len(results['tests'])} graded function(s), seed {config['seed']}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lstm_lib.grading.gradescope", description="Grade a Gradescope submission (run_autograder)."
    )
    parser.add_argument("config", type=Path, help="the bundle's config.json")
    parser.add_argument("--root", type=Path, default=GRADESCOPE_ROOT, help="Gradescope's folder (default /autograder)")
    parser.add_argument(
        "--self-check", action="store_true", help="grade a stub notebook of each exercise and report (setup.sh)"
    )
    args = parser.parse_args(argv)
    return self_check(args.config) if args.self_check else run(args.config, args.root)


if __name__ == "__main__":
    sys.exit(main())
