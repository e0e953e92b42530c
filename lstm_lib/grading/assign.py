"""Make exercise notebooks from solution notebooks.

A solution notebook marks each part that a learner writes, inside a code cell::

    def sigmoid(x):
        \"\"\"Logistic sigmoid, elementwise.\"\"\"
        ### BEGIN SOLUTION
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ### END SOLUTION

``assign_notebook`` replaces every such region, markers included, with one line
at the indentation of ``### BEGIN SOLUTION``::

        raise NotImplementedError("sigmoid: replace this line with your code")

Text after the marker (``### BEGIN SOLUTION use exp(-|x|)``) becomes the hint
instead. Outputs and execution counts are cleared, so an exercise never shows
what the solution printed. The output is a pure function of the input, so
``exercises/`` can be compared byte for byte with what ``assign`` makes of
``solutions/``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat

from .notebook import METADATA_KEY

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

# Notebook metadata that belongs to one run of one notebook, not to the exercise.
_RUN_METADATA = ("widgets", "execution", "papermill", "vscode", "toc-autonumbering")
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(")


class AssignError(ValueError):
    """What stops ``assign``: a missing folder, a notebook that cannot be read, markers that
    do not pair up. Its text is one line that names the file, for the command line to print."""


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    """Name of the innermost ``def`` above ``lines[index]`` that contains that indentation."""
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None


def _stub(indent: str, hint: str) -> str:
    literal = f'"{hint}"' if '"' not in hint and "\\" not in hint else repr(hint)
    return f"{indent}raise NotImplementedError({literal})"


def strip_solutions(source: str, *, where: str = "cell") -> str:
    """``source`` with every solution region replaced by a ``NotImplementedError`` stub.

    Raises AssignError (naming ``where``) when the markers do not pair up.
    """
    lines = source.split("\n")
    out: list[str] = []
    begin_line = None  # index into ``lines`` of the open BEGIN marker
    for k, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            if begin_line is not None:
                raise AssignError(
                    f"{where}, line {k + 1}: {BEGIN} inside another solution region (opened on line {begin_line + 1})"
                )
            begin_line = k
            indent = line[: len(line) - len(line.lstrip())]
            hint = stripped[len(BEGIN) :].strip(" :")
            if not hint:
                name = _enclosing_function(lines, k, indent)
                hint = f"{name}: replace this line with your code" if name else "replace this line with your code"
            out.append(_stub(indent, hint))
        elif stripped.startswith(END):
            if begin_line is None:
                raise AssignError(f"{where}, line {k + 1}: {END} without a {BEGIN} before it")
            begin_line = None
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise AssignError(f"{where}, line {begin_line + 1}: {BEGIN} is never closed by {END}")
    return "\n".join(out)


def assign_notebook(nb):
    """The exercise version of the solution notebook ``nb`` (which is left unchanged).

    Solution regions become stubs, outputs and execution counts are cleared,
    and per-run metadata (widget state, execution times) is dropped.
    """
    nb = copy.deepcopy(nb)
    for key in _RUN_METADATA:
        nb.metadata.pop(key, None)
    for index, cell in enumerate(nb.cells):
        for key in ("execution", "collapsed", "scrolled"):
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, where=f"cell {index}")
            cell.outputs = []
            cell.execution_count = None
        elif BEGIN in cell.source or END in cell.source:
            raise AssignError(f"cell {index}: solution markers belong in code cells, found in a {cell.cell_type} cell")
    return nb


def _set_exercise(nb, stem: str, path: Path) -> None:
    meta = nb.metadata.get(METADATA_KEY, {})
    if not isinstance(meta, dict):
        raise AssignError(f"{path}: metadata {METADATA_KEY} should be a mapping, not {type(meta).__name__}")
    marked = meta.get("exercise")
    if marked not in (None, stem):
        raise AssignError(f"{path}: metadata says exercise {marked!r}, but the file is {stem!r}")
    nb.metadata[METADATA_KEY] = {**meta, "exercise": stem}


def _ensure_cell_ids(nb, stem: str) -> None:
    # Fixed ids keep the output reproducible; nbformat would draw random ones.
    for index, cell in enumerate(nb.cells):
        if not cell.get("id"):
            cell["id"] = f"{stem[:50]}-{index}"


def _first_line(err: Exception) -> str:
    text = str(err).strip().split("\n")[0] or type(err).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _read_solution(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise AssignError(f"{path}: cannot be read ({_first_line(err)})") from None
    if not text.strip():
        raise AssignError(f"{path}: the file is empty, not a notebook")
    try:
        data = json.loads(text)
    except ValueError as err:
        raise AssignError(f"{path}: not valid JSON ({_first_line(err)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise AssignError(f"{path}: valid JSON, but not a Jupyter notebook (no list of cells)")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # noqa: BLE001 - nbformat raises several kinds for a bad notebook
        raise AssignError(f"{path}: not a valid notebook ({_first_line(err)})") from None
    return nb


def assign(source: Path, dest: Path) -> list[Path]:
    """Write the exercise version of every notebook in ``source`` into ``dest``.

    Returns the paths written, sorted. Files in ``dest`` without a solution
    are left alone. Raises AssignError, and writes nothing, when a folder is
    missing or any solution notebook is broken.
    """
    source, dest = Path(source), Path(dest)
    if not source.is_dir():
        raise AssignError(
            f"{source}: no such folder"
            if not source.exists()
            else f"{source}: not a folder (give the folder of solution notebooks)"
        )
    if dest.exists() and not dest.is_dir():
        raise AssignError(f"{dest}: exists and is not a folder")
    if dest.resolve() == source.resolve():
        raise AssignError(f"{dest}: the exercises would overwrite the solutions; give another --dest")
    paths = sorted(p for p in source.glob("*.ipynb") if p.is_file())
    if not paths:
        raise AssignError(f"{source}: no notebooks (*.ipynb) in this folder")
    exercises = []
    for path in paths:
        nb = _read_solution(path)
        _set_exercise(nb, path.stem, path)
        _ensure_cell_ids(nb, path.stem)
        try:
            exercise = assign_notebook(nb)
            nbformat.validate(exercise)
        except AssignError as err:
            raise AssignError(f"{path}: {err}") from None
        except Exception as err:  # noqa: BLE001 - a validation error, in one line
            raise AssignError(f"{path}: the exercise would not be a valid notebook ({_first_line(err)})") from None
        exercises.append((dest / path.name, exercise))
    # Write only once every notebook has been read and stripped without error.
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for path, exercise in exercises:
            text = nbformat.writes(exercise, version=4)
            path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as err:
        raise AssignError(f"{err.filename or dest}: cannot write ({err.strerror or err})") from None
    return [path for path, _ in exercises]
