"""lstm-course grade on real notebooks: correct ones, blank ones and hostile ones.

The hostile submissions of issue 3 are graded in one batch, through the real
command line in a separate process, so that a submission which could stop the
grader would fail every test here. Each test then reads that batch's
grades.csv, results.json and feedback.md.
"""

import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_lib.grading.exercises import EXERCISES, LSTM_CELL_FORWARD, SIGMOID, public_cases
from lstm_lib.grading.notebook import parse_definitions

ROOT = Path(__file__).resolve().parents[1]
PROCESS_MARKER = "7919.25"  # sleep's argument in the background-process submission

IMPORTS = "import numpy as np\nfrom lstm_lib.grading import check"
SIGMOID_OK = """
def sigmoid(x):
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
"""
TANH_OK = "def tanh(x):\n    return 2 * sigmoid(2 * x) - 1"
# A tanh that needs no sigmoid: the other function of a hostile notebook, at full marks.
TANH_ALONE = """
def tanh(x):
    e = np.exp(-2 * np.abs(x))
    return np.sign(x) * (1 - e) / (1 + e)
"""
INIT_OK = """
def init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, forget_bias=1.0):
    rng = np.random.default_rng(rng)
    D, H = input_size, hidden_size
    k = 1 / np.sqrt(H)
    shapes = {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,),
              "bias_hh": (4 * H,)}
    params = {n: rng.uniform(-k, k, size=s).astype(dtype) for n, s in shapes.items()}
    if forget_bias is not None:
        params["bias_ih"][H:2 * H] = forget_bias
        params["bias_hh"][H:2 * H] = 0
    return params
"""
CELL_BODY = """
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T \\
        + params["bias_hh"]
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
"""
CELL_OK = "def lstm_cell_forward(x, h_prev, c_prev, params):" + CELL_BODY + "    return h, c, None\n"


def notebook(path: Path, *cells, exercise=None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip("\n")) for c in cells]
    if exercise:
        nb.metadata["lstm_course"] = {"exercise": exercise}
    nbformat.write(nb, str(path))
    return path


def hardcoded_sigmoid_source() -> str:
    """A sigmoid that only knows the public cases' answers (from the reference)."""
    from lstm_lib.numpy import sigmoid

    table = [(c.calls[0].args[0].tolist(), sigmoid(c.calls[0].args[0]).tolist()) for c in public_cases(SIGMOID)]
    return (
        "PUBLIC = " + repr(table) + "\n\n"
        "def sigmoid(x):\n"
        "    for xs, ys in PUBLIC:\n"
        "        if np.shape(xs) == np.shape(x) and np.array_equal(np.array(xs), x):\n"
        "            return np.array(ys, dtype=x.dtype)\n"
        "    return np.zeros_like(x)\n"
    )


# name -> (cells, metadata exercise or None); every stem names its exercise (01_/02_ key).
def hostile_submissions(tmp: Path) -> dict:
    escape = tmp / "escaped.txt"
    subs = {
        "correct_02_gates_and_memory_cell": [IMPORTS, SIGMOID_OK, TANH_OK, "check(sigmoid)"],
        "correct_03_one_lstm_step": [IMPORTS, SIGMOID_OK, INIT_OK, CELL_OK, "check(lstm_cell_forward)"],
        "loop_02_gates_and_memory_cell": [IMPORTS, TANH_ALONE, "def sigmoid(x):\n    while True:\n        pass"],
        "exit_02_gates_and_memory_cell": [IMPORTS, TANH_ALONE, "import os\n\ndef sigmoid(x):\n    os._exit(3)"],
        "alloc_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            "def sigmoid(x):\n    big = np.ones(10**9)\n    return big[:x.size]",
        ],
        "patch_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            """
            np.allclose = lambda *a, **k: True
            np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
            np.testing.assert_allclose = lambda *a, **k: None
            np.array_equal = lambda *a, **k: True
            """,
            """
            def sigmoid(x):
                np.allclose = lambda *a, **k: True
                np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), bool)
                np.array_equal = lambda *a, **k: True
                return np.zeros_like(x)
            """,
        ],
        "recheck_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            "def check(fn, **kwargs):\n    return True",
            "check = lambda *a, **k: True",
            "def sigmoid(x):\n    return x",
            "check(sigmoid)",
        ],
        "reference_02_gates_and_memory_cell": [
            IMPORTS,
            "def sigmoid(x):\n    from lstm_lib.numpy import sigmoid as s\n    return s(x)",
            """
            import importlib

            def tanh(x):
                return importlib.import_module("lstm_lib.numpy").tanh(x)
            """,
        ],
        "refimport_02_gates_and_memory_cell": ["from lstm_lib.numpy import sigmoid, tanh"],
        "refpath_03_one_lstm_step": [
            IMPORTS,
            INIT_OK,
            f"""
            import importlib.util

            def lstm_cell_forward(x, h_prev, c_prev, params):
                path = {str(ROOT / "lstm_lib" / "numpy" / "cell.py")!r}
                spec = importlib.util.spec_from_file_location("cell", path)
                mod = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(mod)
                return mod.lstm_cell_forward(x, h_prev, c_prev, params)
            """,
        ],
        "torch_03_one_lstm_step": [
            IMPORTS,
            INIT_OK,
            """
            def lstm_cell_forward(x, h_prev, c_prev, params):
                import torch
                cell = torch.nn.LSTMCell(x.shape[1], h_prev.shape[1]).double()
                with torch.no_grad():
                    for k, v in params.items():
                        getattr(cell, k).copy_(torch.from_numpy(v))
                    h, c = cell(torch.from_numpy(x), (torch.from_numpy(h_prev),
                                                      torch.from_numpy(c_prev)))
                return h.numpy(), c.numpy(), None
            """,
        ],
        "shape_03_one_lstm_step": [
            IMPORTS,
            SIGMOID_OK,
            INIT_OK,
            "def lstm_cell_forward(x, h_prev, c_prev, params):" + CELL_BODY + "    return h.reshape(-1), c, None\n",
        ],
        "renamed_03_one_lstm_step": [
            IMPORTS,
            SIGMOID_OK,
            INIT_OK,
            "def lstm_cell_fwd(x, h_prev, c_prev, params):" + CELL_BODY + "    return h, c, None",
        ],
        "hardcoded_02_gates_and_memory_cell": [IMPORTS, TANH_ALONE, hardcoded_sigmoid_source()],
        "printer_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            SIGMOID_OK.replace(
                "def sigmoid(x):\n", "def sigmoid(x):\n    print('spam ' * 2_000_000)  # 10 MB a call, 50 MB in all\n"
            ),
        ],
        "writer_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            f"""
            import os

            def sigmoid(x):
                for path in ({str(escape)!r}, "../../../escaped_relative.txt"):
                    try:
                        with open(path, "w") as fh:
                            fh.write("escaped")
                    except OSError:
                        pass
                fd = os.open({str(escape)!r}, os.O_WRONLY | os.O_CREAT)
                os.write(fd, b"escaped")
                return 1 / (1 + np.exp(-x))
            """,
        ],
        "spawner_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            f"""
            import os
            import subprocess

            def sigmoid(x):
                try:
                    subprocess.Popen(["sleep", "{PROCESS_MARKER}"], start_new_session=True)
                except Exception:
                    pass
                try:
                    if os.fork() == 0:
                        os.execvp("sleep", ["sleep", "{PROCESS_MARKER}"])
                except Exception:
                    pass
                os.system("sleep {PROCESS_MARKER} &")
                return x
            """,
        ],
        "parentkiller_02_gates_and_memory_cell": [
            IMPORTS,
            TANH_ALONE,
            """
            import os
            import signal

            def sigmoid(x):
                for pid in (os.getppid(), 0, -1):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except Exception:
                        pass
                try:
                    os.killpg(os.getpgid(0), signal.SIGKILL)
                except Exception:
                    pass
                import ctypes
                ctypes.CDLL(None).kill(os.getppid(), 9)
                return x
            """,
        ],
    }
    paths = {name: notebook(tmp / f"{name}.ipynb", *cells) for name, cells in subs.items()}
    paths["notjson"] = tmp / "notjson.ipynb"
    paths["notjson"].write_text('{"cells": [this is not json')
    paths["notnotebook_02_gates_and_memory_cell"] = tmp / "notnotebook_02_gates_and_memory_cell.ipynb"
    paths["notnotebook_02_gates_and_memory_cell"].write_text('{"just": "json"}')
    return paths


def run_cli(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "lstm_lib.grading.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def read_batch(out: Path) -> dict:
    with open(out / "grades.csv", newline="") as fh:
        rows = {Path(r["file"]).stem: r for r in csv.DictReader(fh)}
    return rows


def results(out: Path, name: str) -> dict:
    return json.loads((out / name / "results.json").read_text())


def feedback(out: Path, name: str) -> str:
    return (out / name / "feedback.md").read_text()


def graded_test(res: dict, function: str) -> dict:
    return next(t for t in res["tests"] if t["name"].startswith(function + " "))


def sleeping_processes() -> list:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if PROCESS_MARKER in cmd and "pytest" not in cmd:
                found.append((d.name, cmd))
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("subs")
    paths = hostile_submissions(tmp)
    out = tmp_path_factory.mktemp("graded")
    proc = run_cli("grade", tmp, "--out", out, "--seed", 12345, "--jobs", 2, "--timeout", 4)
    return {"tmp": tmp, "paths": paths, "out": out, "proc": proc, "rows": read_batch(out)}


def test_batch_is_graded_to_the_end_with_exit_code_0(batch):
    assert batch["proc"].returncode == 0, batch["proc"].stderr
    assert set(batch["rows"]) == set(batch["paths"]), "every submission has a row"
    assert "seed 12345" in batch["proc"].stdout


def test_correct_submissions_score_full_marks(batch):
    for name in ("correct_02_gates_and_memory_cell", "correct_03_one_lstm_step"):
        row = batch["rows"][name]
        assert row["status"] == "graded"
        assert float(row["total"]) == float(row["max_score"]) > 0, feedback(batch["out"], name)


def test_results_json_is_in_gradescope_format(batch):
    res = results(batch["out"], "correct_03_one_lstm_step")
    assert {"score", "max_score", "execution_time", "output", "tests"} <= set(res)
    assert res["score"] == res["max_score"] == EXERCISES["03_one_lstm_step"].max_score
    names = [t["name"] for t in res["tests"]]
    assert any("init_lstm_params" in n for n in names)
    assert any("lstm_cell_forward" in n for n in names)
    for t in res["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(t)
    assert res["extra_data"]["seed"] == 12345


def test_grades_csv_has_a_column_per_graded_function(batch):
    with open(batch["out"] / "grades.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[0] == "file" and header[-3:] == ["total", "max_score", "status"]
    for name in ("sigmoid", "tanh", "init_lstm_params", "lstm_cell_forward"):
        assert name in header


def test_invalid_json_scores_zero_with_a_clear_message(batch):
    row = batch["rows"]["notjson"]
    assert row["status"] == "unreadable" and float(row["total"]) == 0
    assert "not valid JSON" in results(batch["out"], "notjson")["output"]
    res = results(batch["out"], "notnotebook_02_gates_and_memory_cell")
    assert res["score"] == 0 and "not a Jupyter notebook" in res["output"]
    assert res["max_score"] == 3  # the name told the exercise: both functions at 0


def affected(batch, name, function, *, why, other=None):
    """``function`` scored 0 with ``why`` in its feedback; ``other`` scored full marks."""
    row = batch["rows"][name]
    res = results(batch["out"], name)
    test = graded_test(res, function)
    assert row["status"] == "graded"
    assert float(row[function]) == 0 and test["score"] == 0, test["output"]
    for w in [why] if isinstance(why, str) else why:
        assert w in test["output"], test["output"]
    assert w in feedback(batch["out"], name)
    if other:
        assert float(row[other]) == graded_test(res, other)["max_score"] > 0, graded_test(res, other)["output"]
    return test["output"]


def test_infinite_loop_times_out(batch):
    affected(
        batch,
        "loop_02_gates_and_memory_cell",
        "sigmoid",
        why=["did not finish in time", "time limit of 4 s"],
        other="tanh",
    )


def test_os_exit_inside_the_function(batch):
    affected(batch, "exit_02_gates_and_memory_cell", "sigmoid", why="exit code 3 (os._exit", other="tanh")


def test_allocating_1e9_floats_hits_the_memory_limit(batch):
    affected(batch, "alloc_02_gates_and_memory_cell", "sigmoid", why="MemoryError", other="tanh")


def test_monkeypatched_numpy_comparisons_do_not_help(batch):
    affected(batch, "patch_02_gates_and_memory_cell", "sigmoid", why="differs", other="tanh")


def test_redefining_check_does_not_help(batch):
    affected(batch, "recheck_02_gates_and_memory_cell", "sigmoid", why="differs", other="tanh")


def test_calling_the_reference_directly_or_through_importlib_is_blocked(batch):
    name = "reference_02_gates_and_memory_cell"
    affected(batch, name, "sigmoid", why="import of lstm_lib.numpy is not allowed")
    # importlib.import_module skips the import audit event; reading the files is blocked too.
    affected(batch, name, "tanh", why="not allowed in this exercise")
    res = results(batch["out"], "refimport_02_gates_and_memory_cell")
    assert res["score"] == 0 and "import of lstm_lib.numpy is not allowed" in res["output"]


def test_loading_the_reference_by_its_file_path_is_blocked(batch):
    affected(batch, "refpath_03_one_lstm_step", "lstm_cell_forward", why="is not allowed", other="init_lstm_params")


def test_torch_lstmcell_is_unavailable(batch):
    affected(
        batch,
        "torch_03_one_lstm_step",
        "lstm_cell_forward",
        why="import of torch is not allowed",
        other="init_lstm_params",
    )


def test_right_values_in_the_wrong_shape(batch):
    out = affected(batch, "shape_03_one_lstm_step", "lstm_cell_forward", why="h has shape (", other="init_lstm_params")
    assert "the values are right, the shape is not" in out


def test_renamed_function_names_what_was_looked_for(batch):
    out = affected(
        batch,
        "renamed_03_one_lstm_step",
        "lstm_cell_forward",
        why="no function named lstm_cell_forward",
        other="init_lstm_params",
    )
    assert "lstm_cell_fwd" in out and "renamed" in out


def test_hard_coded_public_outputs_score_zero(batch):
    from lstm_lib.grading import check

    ns = {"np": np}
    exec(hardcoded_sigmoid_source(), ns)
    assert check(ns["sigmoid"], show=False).passed, "it does pass the public cases"
    affected(batch, "hardcoded_02_gates_and_memory_cell", "sigmoid", why="differs", other="tanh")


def test_printing_50_mb_keeps_results_small(batch):
    name = "printer_02_gates_and_memory_cell"
    path = batch["out"] / name / "results.json"
    assert path.stat().st_size < 2**20
    assert (batch["out"] / name / "feedback.md").stat().st_size < 2**20
    assert re.search(r"it printed 5\d{7} bytes", results(batch["out"], name)["output"])
    assert batch["rows"][name]["status"] == "graded"


def test_writing_outside_its_folder_leaves_nothing_behind(batch):
    assert not (batch["tmp"] / "escaped.txt").exists()
    assert not any(Path("/").glob("escaped_relative.txt"))
    assert not any(Path("/tmp").glob("escaped_relative.txt"))
    affected(batch, "writer_02_gates_and_memory_cell", "sigmoid", why="is not allowed", other="tanh")


def test_background_processes_do_not_survive_grading(batch):
    assert sleeping_processes() == []
    affected(
        batch, "spawner_02_gates_and_memory_cell", "sigmoid", why="is not allowed in the grader's sandbox", other="tanh"
    )


def test_killing_its_parent_does_not_stop_the_batch(batch):
    affected(batch, "parentkiller_02_gates_and_memory_cell", "sigmoid", why="is not allowed", other="tanh")
    assert batch["rows"]["correct_03_one_lstm_step"]["status"] == "graded"


def test_hidden_inputs_change_with_the_seed(batch, tmp_path):
    """The same submission graded twice with different seeds sees different inputs."""
    from lstm_lib.grading.exercises import hidden_cases

    a = hidden_cases(LSTM_CELL_FORWARD, 1)[0].calls[0].args[0]
    b = hidden_cases(LSTM_CELL_FORWARD, 2)[0].calls[0].args[0]
    p = public_cases(LSTM_CELL_FORWARD)[0].calls[0].args[0]
    assert a.shape != b.shape or not np.array_equal(a, b)
    assert a.shape != p.shape or not np.array_equal(a, p)
    res = results(batch["out"], "correct_02_gates_and_memory_cell")
    assert "seed" in res["tests"][0]["output"]


def test_no_input_is_a_usage_error(tmp_path):
    proc = run_cli("grade", tmp_path / "nothing-here", "--out", tmp_path / "out")
    assert proc.returncode != 0 and "no notebooks found" in proc.stderr
    (tmp_path / "empty").mkdir()
    assert run_cli("grade", tmp_path / "empty", "--out", tmp_path / "out").returncode != 0


def test_without_namespaces_the_feedback_says_so(tmp_path):
    sub = notebook(tmp_path / "02_gates_and_memory_cell.ipynb", IMPORTS, SIGMOID_OK, TANH_OK)
    allow = [f for f in ("--allow-unsandboxed",) if f in run_cli("grade", "--help").stdout]
    proc = run_cli("grade", sub, "--out", tmp_path / "out", "--seed", 1, *allow, env={"LSTM_COURSE_NO_NAMESPACES": "1"})
    assert proc.returncode == 0, proc.stderr
    fb = feedback(tmp_path / "out", "02_gates_and_memory_cell")
    assert "namespaces are unavailable" in fb and "3 / 3" in fb


def test_parser_ignores_calls_magics_and_cell_order():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(c)
        for c in [
            "check(lstm_cell_forward)\nh, c, _ = lstm_cell_forward(1, 2, 3, 4)",
            "def lstm_cell_forward(x, h_prev, c_prev, params):\n    return helper(x)",
            "%matplotlib inline\n!pip install nothing\nSCALE = 2.0",
            "def helper(x):\n    return x * SCALE",
            "def broken(:\n    pass",
            "%%bash\necho hi",
            "import numpy as np\nprint('hello')\nfor i in range(3):\n    pass",
        ]
    ]
    parsed = parse_definitions(nb, ("lstm_cell_forward",))
    codes = "\n".join(s.code for s in parsed.snippets)
    assert {"lstm_cell_forward", "helper", "SCALE", "np"} <= parsed.names
    assert "check(" not in codes and "print(" not in codes and "for i" not in codes
    assert "h, c, _" not in codes
    assert any("cell 5 does not parse" in n for n in parsed.notes)
    assert any("cell 6" in n for n in parsed.notes)


def _exercise_notebooks(folder: str) -> list:
    nbs = sorted((ROOT / folder).glob("*.ipynb"))
    if not nbs:
        pytest.skip(f"{folder}/ has no notebooks yet (they are written from solutions/)")
    return nbs


def test_solution_notebooks_grade_at_full_marks(tmp_path):
    nbs = _exercise_notebooks("solutions")
    proc = run_cli("grade", *nbs, "--out", tmp_path, "--jobs", 2)
    assert proc.returncode == 0, proc.stderr
    rows = read_batch(tmp_path)
    assert len(rows) == len(nbs)
    for name, row in rows.items():
        assert row["status"] == "graded" and row["exercise"], row
        assert float(row["total"]) == float(row["max_score"]) > 0, feedback(tmp_path, name)


def test_blank_exercises_score_zero_without_crashing(tmp_path):
    nbs = _exercise_notebooks("exercises")
    proc = run_cli("grade", *nbs, "--out", tmp_path, "--jobs", 2)
    assert proc.returncode == 0, proc.stderr
    rows = read_batch(tmp_path)
    assert len(rows) == len(nbs)
    for name, row in rows.items():
        assert row["status"] == "graded" and float(row["total"]) == 0, row
        assert "not implemented yet" in feedback(tmp_path, name)


def _in_sandbox_without_hook(tmp_path, code):
    """Run plain python (no audit hook) under the sandbox's namespaces and mounts."""
    from lstm_lib.grading.sandbox import isolation, sandbox_command

    if not isolation()[0]:
        pytest.skip("namespaces are unavailable on this machine")
    work = tmp_path / "work"
    work.mkdir()
    cmd = sandbox_command(work, [sys.executable, "-I", "-c", code, str(work), str(tmp_path)])
    return isolation(), subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_namespaces_hide_the_grader_and_leave_only_the_sandbox_folder_writable(tmp_path):
    code = textwrap.dedent("""
        import os, sys
        work, outside = sys.argv[1], sys.argv[2]
        open(os.path.join(work, "inside.txt"), "w").write("ok")
        try:
            open(os.path.join(outside, "outside.txt"), "w").write("escaped")
        except OSError:
            pass
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
        print(os.getppid(), len(pids))
    """)
    (_, read_only, _), proc = _in_sandbox_without_hook(tmp_path, code)
    assert proc.returncode == 0, proc.stderr
    ppid, n = map(int, proc.stdout.split())
    assert ppid == 0 and n <= 3, "the grader's processes are out of sight"
    assert (tmp_path / "work" / "inside.txt").exists()
    if read_only:
        assert not (tmp_path / "outside.txt").exists()
