"""Read a submitted notebook and take the learner's definitions out of its code cells.

Only definitions are kept: imports, functions, classes and assignments to plain
names. Calls, prints, ``check(...)``, loops and magics are dropped, so the
notebook does not run top to bottom and the order of its cells does not
matter (the sandbox runs imports first, then the rest, retrying what failed
for a name defined later). When a name is defined twice, the last definition
in the notebook wins, as it would for a learner who ran the cells in order.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .exercises import EXERCISES, ExerciseSpec

MAX_NOTEBOOK_BYTES = 50 * 2**20
METADATA_KEY = "lstm_course"  # nb.metadata["lstm_course"]["exercise"] = "03_one_lstm_step"

# Cell magics whose body is Python; any other cell magic (%%bash, %%writefile, ...) is skipped.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
# Calls that are uses, not definitions, when they appear on the right of an assignment.
_USE_CALLS = {"check", "print", "display", "input", "breakpoint", "help"}


class NotebookError(Exception):
    """The file is not a notebook that can be graded; the message says why."""


@dataclass
class Snippet:
    """One top-level statement kept from a code cell."""

    code: str
    label: str  # "cell 4": also the file name of its code in tracebacks
    kind: str  # "import" or "definition"
    names: tuple = ()


@dataclass
class ParsedNotebook:
    snippets: list = field(default_factory=list)
    functions: dict = field(default_factory=dict)  # name -> label of the def that is used
    names: set = field(default_factory=set)  # every name the kept statements define
    notes: list = field(default_factory=list)  # what was skipped, and why
    metadata: dict = field(default_factory=dict)

    def close_matches(self, name: str) -> list[str]:
        return difflib.get_close_matches(name, sorted(self.functions), n=3, cutoff=0.6)


def read_notebook(path: Path) -> dict:
    """The notebook as a dict with a list of cells; NotebookError when it is not one."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise NotebookError(
                f"the file is {size / 2**20:.0f} MB, more than a notebook can be ({MAX_NOTEBOOK_BYTES // 2**20} MB)"
            )
        raw = path.read_bytes()
    except OSError as err:
        raise NotebookError(f"the file cannot be read: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotebookError("the file is not UTF-8 text, so not a notebook (.ipynb files are JSON)") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"the file is not valid JSON (line {err.lineno}, column {err.colno}: "
            f"{err.msg}), so not a notebook; was it saved from Jupyter?"
        ) from None
    except RecursionError:
        raise NotebookError("the file is not a notebook (JSON nested too deeply)") from None
    if isinstance(nb, dict) and "worksheets" in nb and "cells" not in nb:  # nbformat 3
        nb = {
            "cells": [c for ws in nb.get("worksheets") or [] for c in ws.get("cells", [])],
            "metadata": nb.get("metadata", {}),
        }
        for c in nb["cells"]:
            if isinstance(c, dict) and "input" in c and "source" not in c:
                c["source"] = c["input"]
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    if not isinstance(nb.get("metadata", {}), dict):
        nb["metadata"] = {}
    return nb


def cell_source(cell) -> str | None:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else None


def strip_magics(src: str) -> str | None:
    """Source with IPython syntax replaced by ``pass``; None for a non-Python cell magic."""
    lines = src.split("\n")
    first = lines[0].lstrip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in _PYTHON_CELL_MAGICS:
            return None
        lines = [""] + lines[1:]
    out = []
    for line in lines:
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        if body.startswith(("%", "!")) or re.match(r"^[\w.,\s]+=\s*[%!]", body) or re.match(r"^[\w.]+\?{1,2}$", body):
            out.append(indent + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def _targets(node) -> list | None:
    """The plain names an assignment defines; None when it assigns anything else."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = []
    for t in targets:
        elts = t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]
        for e in elts:
            if isinstance(e, ast.Starred):
                e = e.value
            if not isinstance(e, ast.Name):
                return None
            names.append(e.id)
    return names


def _is_grading_import(node) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("lstm_lib.grading") or (
            node.module == "lstm_lib" and any(a.name == "grading" for a in node.names)
        )
    return any(a.name.startswith("lstm_lib.grading") for a in node.names)


def _calls(node) -> set[str]:
    return {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def parse_definitions(nb: dict, graded: tuple = ()) -> ParsedNotebook:
    """The definitions of every code cell, as snippets ready for the sandbox.

    ``graded`` are the names of the graded functions: an assignment that calls
    one of them (``h, c, _ = lstm_cell_forward(...)``) is a use and is dropped.
    """
    parsed = ParsedNotebook(metadata=nb.get("metadata") or {})
    found = []  # (position, node, source lines, label, kind, names)
    cells = nb.get("cells", [])
    for n, cell in enumerate(cells, 1):
        src = cell_source(cell)
        if src is None or not src.strip():
            continue
        tree = None
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError):
            cleaned = strip_magics(src)
            if cleaned is None:
                parsed.notes.append(f"cell {n} is a cell magic that is not Python; skipped")
                continue
            try:
                tree = ast.parse(cleaned)
                src = cleaned
            except (SyntaxError, ValueError) as err:
                where = f"line {err.lineno}: " if getattr(err, "lineno", None) else ""
                parsed.notes.append(
                    f"cell {n} does not parse ({where}{getattr(err, 'msg', err)}); its definitions were skipped"
                )
                continue
        except RecursionError:
            parsed.notes.append(f"cell {n} is nested too deeply to parse; skipped")
            continue
        for node in tree.body:
            label = f"cell {n}"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if not _is_grading_import(node):
                    bound = tuple(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
                    found.append((node, src, label, "import", bound))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.append((node, src, label, "definition", (node.name,)))
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                names = _targets(node)
                if names and not (_calls(node.value) & (_USE_CALLS | set(graded))):
                    found.append((node, src, label, "definition", tuple(names)))
    # The last definition of a name wins; a statement all of whose names are
    # defined again later is dropped.
    last = {}
    for k, (*_, names) in enumerate(found):
        for name in names:
            last[name] = k
    counts = {}
    for node, *_ in found:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            counts[node.name] = counts.get(node.name, 0) + 1
    seen_imports = set()
    for k, (node, src, label, kind, names) in enumerate(found):
        if names and all(last[name] != k for name in names):
            continue
        code = _statement_source(src, node)
        if kind == "import":
            if code in seen_imports:
                continue
            seen_imports.add(code)
        parsed.snippets.append(Snippet(code, label, kind, names))
        parsed.names.update(names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            parsed.functions[node.name] = label
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Lambda):
            for name in names:
                parsed.functions[name] = label
    for name, c in counts.items():
        if c > 1 and name in graded:
            parsed.notes.append(
                f"{name} is defined {c} times; the grader used the last definition ({parsed.functions.get(name, '?')})"
            )
    return parsed


def _statement_source(src: str, node) -> str:
    """The statement's own lines, preceded by blank lines so that line numbers match the cell."""
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    lines = src.split("\n")[start - 1 : node.end_lineno]
    text = "\n".join(lines)
    try:
        alone = len(ast.parse(text).body) == 1
    except (SyntaxError, ValueError):
        alone = False
    if not alone:  # shares a line with another statement (a; b): rebuild it from the tree
        text = ast.unparse(node)
    return "\n" * (start - 1) + text


def identify_exercise(path: Path, nb: dict, parsed: ParsedNotebook | None = None) -> tuple[ExerciseSpec | None, str]:
    """Which exercise a notebook is, and how that was decided.

    By its file name (the stem contains the exercise key, e.g.
    ``jdoe_03_one_lstm_step.ipynb``), else by ``metadata["lstm_course"]["exercise"]``,
    else by the graded functions it defines.
    """
    stem = re.sub(r"[^a-z0-9]+", "_", Path(path).stem.lower())
    for key, ex in EXERCISES.items():
        if key in stem:
            return ex, "file name"
    meta = nb.get("metadata", {}).get(METADATA_KEY, {})
    key = meta.get("exercise") if isinstance(meta, dict) else None
    if isinstance(key, str) and key in EXERCISES:
        return EXERCISES[key], f"notebook metadata {METADATA_KEY}.exercise"
    if parsed is None:
        parsed = parse_definitions(nb)
    best, hits = None, 0
    for ex in EXERCISES.values():
        n = sum(f.name in parsed.names for f in ex.functions)
        if n > hits:
            best, hits = ex, n
    if best is not None:
        return best, "the functions it defines"
    return None, ""
