"""The Gradescope autograder bundle: its files, and its run_autograder on real submissions.

The bundle is run as Gradescope runs it: unzipped into /autograder/source,
run_autograder copied to /autograder, the submission in /autograder/submission,
results read from /autograder/results/results.json. /autograder is a temporary
folder bind-mounted in a private mount namespace, so the host's /autograder (if
any) is never touched. setup.sh is checked, not run: it installs from PyPI;
here the bundle's own wheel goes into a venv that borrows this environment's
packages (numpy, nbformat, tqdm).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from lstm_lib.grading.cli import main
from lstm_lib.grading.gradescope import REQUIREMENTS, grade_command, match_notebooks, wheel_name

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
KEY = "03_one_lstm_step"
SEED = 7
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def _bundle(tmp_path, name="autograder.zip", *args) -> Path:
    out = tmp_path / name
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["autograder", "--out", str(out), *map(str, args)]) == 0
    return out


def _extract(bundle: Path, dest: Path) -> None:
    """Unzip keeping each file's mode, as Gradescope's unzip does (ZipFile.extractall does not)."""
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                path.chmod(mode)


# ---------------------------------------------------------------- the bundle's files


def test_bundle_has_setup_and_run_autograder_at_its_root_executable_and_valid_bash(tmp_path):
    bundle = _bundle(tmp_path, "a.zip", "--seed", SEED)
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
        setup = zf.read("setup.sh").decode()
        config = json.loads(zf.read("config.json"))
    assert {"setup.sh", "run_autograder", "config.json", "requirements.txt"} <= set(names)
    assert all("/" not in n for n in names), "everything at the zip's root"
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    import lstm_lib

    assert wheel_name(lstm_lib.__version__) in names and f"./{wheel_name(lstm_lib.__version__)}" in setup
    assert config["seed"] == SEED and config["allow_unsandboxed"] is False
    _extract(bundle, tmp_path / "src")
    for script in ("setup.sh", "run_autograder"):
        path = tmp_path / "src" / script
        assert os.access(path, os.X_OK)
        assert path.read_text().startswith("#!/usr/bin/env bash\n")
        proc = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert "exec /autograder/venv/bin/python" in (tmp_path / "src" / "run_autograder").read_text()


def test_the_seed_is_fixed_in_the_bundle_and_the_same_arguments_make_the_same_bytes(tmp_path):
    a = _bundle(tmp_path, "a.zip", "--seed", 11).read_bytes()
    b = _bundle(tmp_path, "b.zip", "--seed", 11).read_bytes()
    c = _bundle(tmp_path, "c.zip", "--seed", 12)
    assert a == b
    assert json.loads(zipfile.ZipFile(c).read("config.json"))["seed"] == 12
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["autograder", "--out", str(tmp_path / "d.zip")]) == 0
    drawn = json.loads(zipfile.ZipFile(tmp_path / "d.zip").read("config.json"))["seed"]
    assert f"with seed {drawn}" in out.getvalue(), "a drawn seed is printed, to be given again"


def test_bundle_options_reach_its_config_and_the_grade_command(tmp_path):
    bundle = _bundle(
        tmp_path, "a.zip", "--seed", 3, "--exercise", KEY, "--timeout", 4, "--memory", 1024, "--allow-unsandboxed"
    )
    config = json.loads(zipfile.ZipFile(bundle).read("config.json"))
    assert config["exercises"] == [KEY] and config["timeout_s"] == 4 and config["memory_mb"] == 1024
    cmd = grade_command(config, Path("in"), Path("out"), jobs=1)
    assert cmd[cmd.index("--seed") + 1] == "3" and "--allow-unsandboxed" in cmd
    assert cmd[cmd.index("--timeout") + 1] == "4.0" and cmd[cmd.index("--memory") + 1] == "1024"
    assert "--allow-unsandboxed" not in grade_command(
        {**config, "allow_unsandboxed": False}, Path("in"), Path("out"), jobs=1
    )


def test_an_unknown_exercise_is_a_one_line_error(tmp_path, capsys):
    assert main(["autograder", "--out", str(tmp_path / "a.zip"), "--exercise", "03_nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lstm-course autograder: no exercise 03_nope") and err.count("\n") == 1
    assert not (tmp_path / "a.zip").exists()


def test_wheel_holds_every_module_with_a_valid_record(tmp_path):
    import lstm_lib

    bundle = _bundle(tmp_path, "a.zip", "--seed", 1)
    wheel = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(bundle).read(wheel_name(lstm_lib.__version__))))
    names = set(wheel.namelist())
    package = Path(lstm_lib.__file__).parent
    modules = {p.relative_to(package.parent).as_posix() for p in package.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names and not any(n.endswith(".pyc") for n in names)
    dist_info = f"lstm_course-{lstm_lib.__version__}.dist-info"
    record = list(csv.reader(io.StringIO(wheel.read(f"{dist_info}/RECORD").decode())))
    assert {r[0] for r in record} == names
    for name, digest, size in record:
        if name.endswith("RECORD"):
            continue
        data = wheel.read(name)
        assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert int(size) == len(data)
    assert "lstm-course = lstm_lib.grading.cli:main" in wheel.read(f"{dist_info}/entry_points.txt").decode()


# The book's figures, widgets and speed measurements: modules the grader never imports.
BOOK_ONLY = {"viz.py", "explorers.py", "speed.py"}


def test_requirements_are_pyprojects_and_cover_what_the_grader_imports():
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert set(REQUIREMENTS) <= set(deps)
    provided = {r.split(">")[0].split("=")[0] for r in REQUIREMENTS} | {"lstm_lib"}
    # The grader and the reference it compares with; the torch half is never imported there.
    files = [
        *(ROOT / "lstm_lib" / "grading").rglob("*.py"),
        *(ROOT / "lstm_lib" / "numpy").rglob("*.py"),
        *(ROOT / "lstm_lib").glob("*.py"),
    ]
    missing = set()
    for path in files:
        if path.name in BOOK_ONLY:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in provided:
                    missing.add(f"{path.relative_to(ROOT)} imports {top}")
    assert not missing, f"not in the bundle's requirements: {sorted(missing)}"


# ---------------------------------------------------------------- matching submitted notebooks


def _write_nb(path: Path, *sources, exercise=None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    if exercise:
        nb.metadata["lstm_course"] = {"exercise": exercise}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_each_exercise_takes_the_notebook_that_is_it(tmp_path):
    one = _write_nb(tmp_path / "a" / "mine.ipynb", "def sigmoid(x):\n    return x")
    two = _write_nb(tmp_path / "b.ipynb", exercise="03_one_lstm_step")
    also = _write_nb(tmp_path / "old_03_one_lstm_step.ipynb")
    (tmp_path / "notes.txt").write_text("not a notebook")
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    chosen, notes = match_notebooks(files, ["02_gates_and_memory_cell", KEY], tmp_path)
    assert chosen["02_gates_and_memory_cell"][0] == one
    assert "functions it defines" in chosen["02_gates_and_memory_cell"][1]
    assert chosen[KEY][0] == also, "a notebook named for the exercise wins"
    assert notes == [
        f"{two.relative_to(tmp_path)} also looks like exercise {KEY}; only {also.relative_to(tmp_path)} was graded"
    ]


def test_a_lone_notebook_of_another_exercise_is_graded_and_the_mix_up_explained(tmp_path):
    nb = _write_nb(tmp_path / "02_gates_and_memory_cell.ipynb", "def sigmoid(x):\n    return x")
    chosen, _ = match_notebooks([nb], [KEY], tmp_path)
    assert chosen[KEY][0] == nb and "looks like exercise 02_gates_and_memory_cell" in chosen[KEY][1]
    chosen, _ = match_notebooks([], [KEY], tmp_path)
    assert chosen[KEY] == (None, "")


# ---------------------------------------------------------------- run_autograder, as on Gradescope

HARNESS = r"""
set -euo pipefail
AG="$1"; CASES="$2"; OUT="$3"; PY="$4"
mkdir -p /autograder  # exists already: the test made it if the host had none
mount --bind "$AG" /autograder
cp /autograder/source/run_autograder /autograder/run_autograder
"$PY" -m venv --without-pip /autograder/venv
SITE=$(/autograder/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$SITE/_course_env.pth"
"$PY" -m pip --python /autograder/venv/bin/python install -q --no-deps --no-index \
  /autograder/source/lstm_course-*.whl
/autograder/venv/bin/python -I -c 'import lstm_lib; print(lstm_lib.__file__)' > "$OUT/lstm_lib_file"
CONFIG=/autograder/source/config.json
set +e
/autograder/venv/bin/python -I -m lstm_lib.grading.gradescope --self-check $CONFIG \
  > "$OUT/self-check.log" 2>&1
echo $? > "$OUT/self-check.rc"
LSTM_COURSE_NO_NAMESPACES=1 /autograder/venv/bin/python -I -m lstm_lib.grading.gradescope \
  --self-check $CONFIG > "$OUT/self-check-no-namespaces.log" 2>&1
echo $? > "$OUT/self-check-no-namespaces.rc"
cp $CONFIG "$OUT/config.json"
for c in "$CASES"/*; do
  name=$(basename "$c")
  rm -rf /autograder/submission /autograder/results
  cp -r "$c/submission" /autograder/submission
  mkdir /autograder/results
  cp "$OUT/config.json" $CONFIG
  if [ -e "$c/allow_unsandboxed" ]; then
    sed -i 's/"allow_unsandboxed": false/"allow_unsandboxed": true/' $CONFIG
  fi
  (cd /autograder && env $(cat "$c/env" 2>/dev/null) ./run_autograder) > "$OUT/$name.log" 2>&1
  echo $? > "$OUT/$name.rc"
  cp /autograder/results/results.json "$OUT/$name.json"
done
stat -c %a /autograder/source > "$OUT/source.mode"
stat -c %a "$(dirname "$(cat "$OUT/lstm_lib_file")")" > "$OUT/package.mode"
"""


def _partly_wrong(source: str) -> str:
    swapped = source.replace("a_i, a_f, a_g, a_o = np.split", "a_f, a_i, a_g, a_o = np.split")
    assert swapped != source, "the solution no longer splits the gates this way; change the mutation"
    return swapped


def _case(folder: Path, name: str, *, env: str = "", allow_unsandboxed: bool = False) -> Path:
    sub = folder / name / "submission"
    sub.mkdir(parents=True)
    if env:
        (folder / name / "env").write_text(env)
    if allow_unsandboxed:
        (folder / name / "allow_unsandboxed").touch()
    return sub


def _cases(folder: Path) -> None:
    solution = SOLUTIONS / f"{KEY}.ipynb"
    shutil.copy(solution, _case(folder, "correct") / "jdoe lstm (final).ipynb")
    nb = nbformat.read(solution, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "np.split" in cell.source:
            cell.source = _partly_wrong(cell.source)
    nbformat.write(nb, _case(folder, "partly_wrong") / "submission.ipynb")
    (_case(folder, "broken") / f"{KEY}.ipynb").write_text('{"cells": [{"cell_type": "code", "sou')
    (_case(folder, "empty") / "README.txt").write_text("forgot the notebook")
    # Gradescope's containers, usually: no namespaces.
    no_ns = "LSTM_COURSE_NO_NAMESPACES=1"
    shutil.copy(solution, _case(folder, "no_namespaces_refused", env=no_ns) / "mine.ipynb")
    shutil.copy(solution, _case(folder, "no_namespaces_allowed", env=no_ns, allow_unsandboxed=True) / "mine.ipynb")


@pytest.fixture(scope="module")
def gradescope_runs(tmp_path_factory):
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private mount namespace")
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    created = False
    if not os.path.isdir("/autograder"):
        try:
            os.mkdir("/autograder")
            created = True
        except OSError as err:
            pytest.skip(f"no /autograder to mount over, and none can be made: {err}")
    tmp = tmp_path_factory.mktemp("gradescope")
    bundle = _bundle(tmp, "autograder.zip", "--seed", SEED, "--exercise", KEY, "--timeout", 5)
    ag, cases, out = tmp / "autograder", tmp / "cases", tmp / "out"
    out.mkdir()
    _extract(bundle, ag / "source")
    _cases(cases)
    harness = tmp / "harness.sh"
    harness.write_text(HARNESS)
    try:
        proc = subprocess.run(
            [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "bash",
                str(harness),
                str(ag),
                str(cases),
                str(out),
                sys.executable,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        if created:
            with contextlib.suppress(OSError):  # another run may be using it; it is empty either way
                os.rmdir("/autograder")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, ag, created


def _results(out: Path, case: str) -> dict:
    assert (out / f"{case}.rc").read_text().strip() == "0", (out / f"{case}.log").read_text()
    res = json.loads((out / f"{case}.json").read_text())
    assert isinstance(res["score"], (int, float)) and isinstance(res["output"], str)
    assert res["visibility"] in VISIBILITY and res["stdout_visibility"] in VISIBILITY
    assert res["tests"], "one test per graded function"
    for t in res["tests"]:
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert 0 <= t["score"] <= t["max_score"] and t["visibility"] in VISIBILITY
    assert res["score"] == pytest.approx(sum(t["score"] for t in res["tests"]))
    return res


def test_run_autograder_uses_the_bundles_own_copy_of_the_grader(gradescope_runs):
    out = gradescope_runs[0]
    assert (out / "lstm_lib_file").read_text().startswith("/autograder/venv/")


def test_setup_self_check_grades_a_stub_notebook(gradescope_runs):
    out = gradescope_runs[0]
    assert (out / "self-check.rc").read_text().strip() == "0", (out / "self-check.log").read_text()
    assert "self-check passed: 2 graded function(s), seed 7" in (out / "self-check.log").read_text()


def test_correct_notebook_scores_full_marks_whatever_its_name(gradescope_runs):
    res = _results(gradescope_runs[0], "correct")
    assert res["score"] == 6 and all(t["score"] == t["max_score"] for t in res["tests"])
    assert {t["name"] for t in res["tests"]} == {f"init_lstm_params ({KEY})", f"lstm_cell_forward ({KEY})"}
    assert res["output"].startswith(f"Graded jdoe lstm (final).ipynb as exercise {KEY}")
    assert res["extra_data"]["seed"] == SEED
    assert res["extra_data"]["exercises"][KEY]["file"] == "jdoe lstm (final).ipynb"


def test_partly_wrong_notebook_loses_only_the_wrong_function(gradescope_runs):
    res = _results(gradescope_runs[0], "partly_wrong")
    tests = {t["name"].split()[0]: t for t in res["tests"]}
    assert tests["init_lstm_params"]["score"] == 2
    assert tests["lstm_cell_forward"]["score"] == 0 and res["score"] == 2
    assert "gate" in tests["lstm_cell_forward"]["output"]


def test_broken_notebook_scores_zero_with_the_reason(gradescope_runs):
    res = _results(gradescope_runs[0], "broken")
    assert res["score"] == 0 and "not valid JSON" in res["output"]
    assert [t["max_score"] for t in res["tests"]] == [2, 4]


def test_a_submission_without_a_notebook_says_what_to_upload(gradescope_runs):
    res = _results(gradescope_runs[0], "empty")
    assert res["score"] == 0
    assert f"No notebook for exercise {KEY}" in res["output"] and "README.txt" in res["output"]


def test_without_namespaces_the_bundle_refuses_unless_made_to_allow_it(gradescope_runs):
    out = gradescope_runs[0]
    refused = json.loads((out / "no_namespaces_refused.json").read_text())
    assert (out / "no_namespaces_refused.rc").read_text().strip() == "0", "results.json is written"
    assert refused["score"] == 0 and refused["tests"] == []
    assert "could not grade" in refused["output"] and "--allow-unsandboxed" in refused["output"]
    allowed = _results(out, "no_namespaces_allowed")
    assert allowed["score"] == 6, allowed["output"]
    assert "LSTM_COURSE_NO_NAMESPACES=1" in allowed["output"], "the feedback says how it ran"


def test_a_build_without_namespaces_fails_its_self_check_and_says_what_to_do(gradescope_runs):
    out = gradescope_runs[0]
    assert (out / "self-check-no-namespaces.rc").read_text().strip() == "1"
    log = (out / "self-check-no-namespaces.log").read_text()
    assert "self-check FAILED" in log and "Make the bundle again" in log and "--allow-unsandboxed" in log


def test_the_bundle_and_the_grader_are_closed_to_other_users(gradescope_runs):
    out = gradescope_runs[0]
    if os.geteuid() != 0:
        pytest.skip("only root closes them")
    assert (out / "source.mode").read_text().strip() == "700"
    assert (out / "package.mode").read_text().strip() == "700"


def test_every_submission_gets_the_same_hidden_inputs(gradescope_runs):
    seeds = {
        json.loads((gradescope_runs[0] / f"{c}.json").read_text())["extra_data"]["exercises"][KEY]["seed"]
        for c in ("correct", "partly_wrong", "broken", "empty")
    }
    assert len(seeds) == 1


def test_the_log_for_the_instructor_holds_the_feedback(gradescope_runs):
    log = (gradescope_runs[0] / "partly_wrong.log").read_text()
    assert "feedback.md" in log and "lstm_cell_forward" in log and "score 2" in log


def test_the_host_autograder_folder_is_left_alone(gradescope_runs):
    _, ag, created = gradescope_runs
    assert (ag / "results" / "results.json").exists(), "the runs wrote into the bind-mounted folder"
    if created:  # gone, or (while another run uses it) still empty
        assert not os.path.isdir("/autograder") or not os.listdir("/autograder")
