"""exercises/ is generated from solutions/ by assign; these tests keep it so."""

from __future__ import annotations

import ast
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lstm_lib.grading.assign import BEGIN, END, AssignError, assign, assign_notebook, strip_solutions
from lstm_lib.grading.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
REGENERATE = "regenerate it with `lstm-course assign` (writes exercises/ from solutions/)"


def _solution_regions(source: str) -> list[list[str]]:
    regions, current = [], None
    for line in source.split("\n"):
        if line.strip().startswith(BEGIN):
            current = []
        elif line.strip().startswith(END):
            regions.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return regions


def test_exercises_are_exactly_what_assign_makes_of_solutions(tmp_path):
    written = assign(SOLUTIONS, tmp_path)
    expected = sorted(p.name for p in written)
    actual = sorted(p.name for p in EXERCISES.glob("*.ipynb"))
    assert actual == expected, f"exercises/ holds {actual}, solutions/ makes {expected}: {REGENERATE}"
    for path in written:
        assert (EXERCISES / path.name).read_bytes() == path.read_bytes(), (
            f"exercises/{path.name} differs from what assign makes of solutions/{path.name}: {REGENERATE}"
        )


def test_assign_is_deterministic(tmp_path):
    first = [p.read_bytes() for p in assign(SOLUTIONS, tmp_path / "a")]
    second = [p.read_bytes() for p in assign(SOLUTIONS, tmp_path / "b")]
    assert first == second


@pytest.mark.parametrize("solution", sorted(SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_solution_text_leaks_into_the_exercise(solution):
    sol = nbformat.read(solution, as_version=4)
    exercise = nbformat.read(EXERCISES / solution.name, as_version=4)
    exercise_text = "\n".join(cell.source for cell in exercise.cells)
    regions = [r for cell in sol.cells if cell.cell_type == "code" for r in _solution_regions(cell.source)]
    assert regions, f"{solution.name} has no {BEGIN} region"
    for region in regions:
        for line in region:
            code = line.strip()
            # Every line that carries code (not a bare bracket or keyword) must be gone.
            if len(code) > 12 and not code.startswith("#"):
                assert code not in exercise_text, f"solution line leaked into the exercise: {code!r}"
    assert BEGIN not in exercise_text and END not in exercise_text


@pytest.mark.parametrize("exercise", sorted(EXERCISES.glob("*.ipynb")), ids=lambda p: p.stem)
def test_exercise_is_marked_cleared_and_valid_python(exercise):
    nb = nbformat.read(exercise, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["lstm_course"] == {"exercise": exercise.stem}
    assert "widgets" not in nb.metadata
    stubs = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
        ast.parse(cell.source)  # every stub keeps the cell valid Python
        stubs += cell.source.count("raise NotImplementedError(")
    assert stubs >= 1


@pytest.mark.parametrize("solution", sorted(SOLUTIONS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_solution_is_marked_with_its_exercise(solution):
    nb = nbformat.read(solution, as_version=4)
    assert nb.metadata.get("lstm_course") == {"exercise": solution.stem}


def test_stub_keeps_indentation_and_names_the_function():
    source = (
        "def sigmoid(x):\n"
        '    """Doc."""\n'
        "    ### BEGIN SOLUTION\n"
        "    e = np.exp(-np.abs(x))\n"
        "    return e\n"
        "    ### END SOLUTION\n"
        "\n"
        "print('after')"
    )
    assert strip_solutions(source) == (
        "def sigmoid(x):\n"
        '    """Doc."""\n'
        '    raise NotImplementedError("sigmoid: replace this line with your code")\n'
        "\n"
        "print('after')"
    )


def test_text_after_the_marker_becomes_the_hint():
    source = "def f(x):\n        ### BEGIN SOLUTION use np.exp\n        return x\n        ### END SOLUTION"
    assert strip_solutions(source) == 'def f(x):\n        raise NotImplementedError("use np.exp")'


def test_regions_in_a_nested_function_take_the_inner_name():
    source = "def outer():\n    def inner():\n        ### BEGIN SOLUTION\n        pass\n        ### END SOLUTION"
    assert "inner: replace" in strip_solutions(source)


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n### END SOLUTION", "without a"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another"),
    ],
)
def test_unpaired_markers_are_an_error(source, message):
    with pytest.raises(AssignError, match=message):
        strip_solutions(source)


def _notebook_with(source, outputs=True):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.id = "c0"
    if outputs:
        cell.outputs = [nbformat.v4.new_output("stream", text="secret output\n")]
        cell.execution_count = 7
    nb.cells.append(cell)
    nb.metadata["widgets"] = {"state": "from a run"}
    return nb


def test_assign_notebook_clears_outputs_and_leaves_its_input_alone():
    nb = _notebook_with("def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION")
    exercise = assign_notebook(nb)
    cell = exercise.cells[0]
    assert cell.outputs == [] and cell.execution_count is None
    assert "return 42" not in cell.source
    assert "widgets" not in exercise.metadata
    assert "return 42" in nb.cells[0].source and nb.cells[0].execution_count == 7


def test_markers_in_a_markdown_cell_are_an_error():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\nthe answer\n### END SOLUTION"))
    with pytest.raises(AssignError, match="markdown"):
        assign_notebook(nb)


def test_assign_marks_each_notebook_with_its_stem(tmp_path):
    source = tmp_path / "solutions"
    source.mkdir()
    nb = _notebook_with("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")
    nbformat.write(nb, source / "07_example.ipynb")
    (written,) = assign(source, tmp_path / "exercises")
    assert nbformat.read(written, as_version=4).metadata["lstm_course"] == {"exercise": "07_example"}


def test_assign_writes_nothing_when_a_notebook_is_broken(tmp_path):
    source = tmp_path / "solutions"
    source.mkdir()
    nbformat.write(
        _notebook_with("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"), source / "01_good.ipynb"
    )
    nbformat.write(_notebook_with("### BEGIN SOLUTION\nx = 1"), source / "02_bad.ipynb")
    with pytest.raises(AssignError, match="02_bad"):
        assign(source, tmp_path / "exercises")
    assert not (tmp_path / "exercises").exists()


def _run_assign(source, dest, *, in_process=True):
    """``lstm-course assign``: in this process (fast), or as a command (the real thing)."""
    argv = ["assign", "--source", str(source), "--dest", str(dest)]
    if not in_process:
        return subprocess.run(
            [sys.executable, "-m", "lstm_lib.grading.cli", *argv], capture_output=True, text=True, timeout=120, cwd=ROOT
        )
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _solutions_with(tmp_path, files: dict) -> Path:
    source = tmp_path / "solutions"
    source.mkdir()
    for name, content in files.items():
        if isinstance(content, str):
            (source / name).write_text(content)
        else:
            nbformat.write(content, source / name)
    return source


GOOD = _notebook_with("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")


@pytest.mark.parametrize(
    "files, culprit, problem",
    [
        (
            {"01_good.ipynb": GOOD, "02_open.ipynb": _notebook_with("def f():\n    ### BEGIN SOLUTION\n    x = 1")},
            "02_open.ipynb",
            "cell 0, line 2: ### BEGIN SOLUTION is never closed",
        ),
        (
            {"03_stray.ipynb": _notebook_with("x = 1\n### END SOLUTION")},
            "03_stray.ipynb",
            "line 2: ### END SOLUTION without a ### BEGIN SOLUTION",
        ),
        (
            {"04_nested.ipynb": _notebook_with("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION")},
            "04_nested.ipynb",
            "inside another solution region",
        ),
        ({"05_json.ipynb": '{"cells": [', "06_fine.ipynb": GOOD}, "05_json.ipynb", "not valid JSON"),
        ({"07_empty.ipynb": ""}, "07_empty.ipynb", "empty"),
        ({"08_list.ipynb": "[1, 2]"}, "08_list.ipynb", "not a Jupyter notebook"),
        (
            {"09_bad.ipynb": '{"cells": [{"cell_type": "code"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'},
            "09_bad.ipynb",
            "not a valid notebook",
        ),
    ],
    ids=["unclosed", "stray-end", "nested", "invalid-json", "empty", "not-a-notebook", "invalid-cell"],
)
def test_assign_reports_a_broken_solution_in_one_line_with_exit_code_2(tmp_path, files, culprit, problem):
    source = _solutions_with(tmp_path, files)
    proc = _run_assign(source, tmp_path / "exercises")
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().split("\n")
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"lstm-course assign: {source / culprit}: "), lines[0]
    assert problem in lines[0]
    assert not (tmp_path / "exercises").exists(), "nothing is written when a solution is broken"


@pytest.mark.parametrize(
    "case", ["missing-source", "source-is-a-file", "no-notebooks", "dest-is-a-file", "dest-is-source"]
)
def test_assign_reports_a_missing_or_wrong_folder_in_one_line_with_exit_code_2(tmp_path, case):
    source, dest = tmp_path / "solutions", tmp_path / "exercises"
    if case != "missing-source":
        source.mkdir()
    if case == "source-is-a-file":
        source.rmdir()
        source.write_text("not a folder")
    if case in ("dest-is-a-file", "dest-is-source"):
        nbformat.write(GOOD, source / "01_good.ipynb")
    if case == "dest-is-a-file":
        dest.write_text("not a folder")
    if case == "dest-is-source":
        dest = source
    proc = _run_assign(source, dest)
    named = dest if case.startswith("dest") else source
    expected = {
        "missing-source": "no such folder",
        "source-is-a-file": "not a folder",
        "no-notebooks": "no notebooks",
        "dest-is-a-file": "exists and is not a folder",
        "dest-is-source": "the exercises would overwrite the solutions",
    }[case]
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == proc.stderr.strip().split("\n")[0]
    assert proc.stderr.startswith(f"lstm-course assign: {named}: {expected}"), proc.stderr
    if case == "dest-is-source":
        assert "### BEGIN SOLUTION" in (source / "01_good.ipynb").read_text(), "the solution is untouched"


def test_assign_command_says_what_it_wrote_and_broken_input_gives_no_traceback(tmp_path):
    proc = _run_assign(tmp_path / "nowhere", tmp_path / "exercises", in_process=False)
    assert proc.returncode == 2 and proc.stderr == f"lstm-course assign: {tmp_path / 'nowhere'}: no such folder\n"
    proc = _run_assign(SOLUTIONS, tmp_path / "exercises", in_process=False)
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
    assert f"wrote {len(names)} exercise notebook(s)" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "exercises").glob("*.ipynb")) == names


def test_assign_check_names_a_stale_or_extra_exercise_and_writes_nothing(tmp_path):
    import shutil
    import subprocess
    import sys

    dest = tmp_path / "exercises"
    assign(SOLUTIONS, dest)
    cmd = [
        sys.executable,
        "-m",
        "lstm_lib.grading.cli",
        "assign",
        "--check",
        "--source",
        str(SOLUTIONS),
        "--dest",
        str(dest),
    ]
    ok = subprocess.run(cmd, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    stale = sorted(dest.glob("*.ipynb"))[0]
    stale.write_text(stale.read_text().replace("NotImplementedError", "NotImplementedErr", 1))
    shutil.copy(stale, dest / "99_orphan.ipynb")
    before = {p.name: p.read_bytes() for p in dest.glob("*.ipynb")}
    bad = subprocess.run(cmd, capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"{stale.name} is not what assign makes" in bad.stderr
    assert "99_orphan.ipynb has no solution notebook" in bad.stderr
    assert {p.name: p.read_bytes() for p in dest.glob("*.ipynb")} == before  # nothing written
