"""The rules an exercise states, enforced the same way by ``check`` and by the grader.

* What the text forbids (``np.tanh`` inside ``tanh``, the reference, torch) is
  found in the function's parsed source, through any alias (``from numpy import
  tanh as t``, ``T = np.tanh``), so that both can say which line breaks the
  rule. At run time the sandbox blocks the same names (``banned``); in the
  learner's kernel ``banning`` does.
* A graded function is graded on its own: the graded functions it calls are
  the reference's while it runs (``standing_in``), so one mistake costs once.
* Inputs must not be modified: ``changed_paths`` compares a call's arguments
  with a copy taken before it.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import inspect
import sys
import textwrap
import threading
import types

import numpy as np

_MISSING = object()
_LEARNER = object()  # a name the notebook defines itself


class Banned(BaseException):
    """Raised in the learner's kernel when a graded function uses what its exercise forbids.

    A BaseException, so that the learner's own ``except Exception`` cannot hide it.
    """


# ---------------------------------------------------------------- finding names in source


def function_node(source: str, name: str):
    """The last top-level ``def name`` (or ``name = lambda``) in ``source``; None if absent."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    found = None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            found = node
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Lambda)
            and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        ):
            found = node
    return found


def _dotted(node) -> str | None:
    """``a.b.c`` for an attribute chain on a plain name (and ``getattr(a, "b")``)."""
    parts = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            parts.append(node.args[1].value)
            node = node.args[0]
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return None


def _import_aliases(nodes) -> dict[str, str]:
    """name -> dotted path, for the import statements among ``nodes``."""
    aliases = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    aliases[a.asname] = a.name
                else:
                    top = a.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                if a.name != "*":
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    return aliases


def _lookup(dotted: str, tops: frozenset):
    """The object a dotted path names, for the packages in ``tops`` only (nothing else is imported)."""
    parts = dotted.split(".")
    if parts[0] not in tops:
        return _MISSING
    try:
        obj = importlib.import_module(parts[0])
    except ImportError:
        return _MISSING
    for k, part in enumerate(parts[1:], 1):
        nxt = getattr(obj, part, _MISSING) if isinstance(obj, types.ModuleType) else _MISSING
        if nxt is _MISSING:
            try:
                nxt = importlib.import_module(".".join(parts[: k + 1]))
            except ImportError:
                return _MISSING
        obj = nxt
    return obj


def _targets(banned) -> tuple[dict, frozenset]:
    tops = frozenset(d.split(".")[0] for d in banned)
    objs = {}
    for dotted in banned:
        obj = _lookup(dotted, tops)
        if obj is not _MISSING:
            objs[id(obj)] = (dotted, obj)
    return objs, tops


def _package(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__.split(".")[0]
    mod = getattr(obj, "__module__", None)
    return mod.split(".")[0] if isinstance(mod, str) else ""


def rule_breaks(node, resolve, *, banned=(), forbidden=()) -> list[tuple[int, str, str]]:
    """Where the function ``node`` uses a banned name or a forbidden package.

    ``resolve(name)`` gives the object a global name stands for (or ``_MISSING``).
    Returns (line, what the code wrote, the rule's dotted name), one per line and name.
    """
    objs, tops = _targets(banned)
    local = _import_aliases(n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    # Parameters and variables of the function shadow the globals of the same name.
    assigned = {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)} | {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)
    }
    found, seen = [], set()

    def hit(line, text, rule):
        if (line, rule) not in seen:
            seen.add((line, rule))
            found.append((line, text, rule))

    for n in ast.walk(node):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
            for name in names:
                if name.split(".")[0] in forbidden:
                    hit(n.lineno, f"import {name}", name.split(".")[0])
            continue
        # ast.walk meets np.tanh before the np inside it, so a line reports the whole chain.
        if not isinstance(n, (ast.Name, ast.Attribute, ast.Call)):
            continue
        text = _dotted(n)
        if text is None or (isinstance(n, ast.Call) and not text):
            continue
        head, _, rest = text.partition(".")
        if head in local:
            obj = _lookup(local[head] + ("." + rest if rest else ""), tops | set(forbidden))
        elif head in assigned:
            continue
        else:
            obj = resolve(head)
            for part in rest.split(".") if rest else ():
                if obj is _MISSING or not isinstance(obj, types.ModuleType):
                    obj = _MISSING
                    break
                obj = getattr(obj, part, _MISSING)
        if obj is _MISSING or obj is _LEARNER:
            continue
        if id(obj) in objs and objs[id(obj)][1] is obj:
            hit(n.lineno, text, objs[id(obj)][0])
        elif forbidden and _package(obj) in forbidden:
            hit(n.lineno, text, _package(obj))
    return sorted(found)


def uses_name(node, name: str) -> bool:
    """Whether the function ``node`` refers to the global ``name`` at all."""
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def notebook_resolver(snippets, tops) -> callable:
    """``resolve`` for the grader: what the notebook's imports and assignments bind, by name.

    Only packages in ``tops`` (those of the rules) are looked up; a name the
    notebook defines itself, or that is bound to anything else, resolves to nothing.
    """
    tops = frozenset(tops)
    aliases: dict = {}
    for s in snippets:
        try:
            tree = ast.parse(s.code)
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                aliases.update(_import_aliases([node]))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                aliases[node.name] = _LEARNER
            elif isinstance(node, ast.Assign):
                text = _dotted(node.value)
                if text is not None:
                    head, _, rest = text.partition(".")
                    base = aliases.get(head)
                    value = (base + ("." + rest if rest else "")) if isinstance(base, str) else _LEARNER
                else:
                    value = _LEARNER
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        aliases[t.id] = value

    def resolve(name):
        value = aliases.get(name, _MISSING)
        if value is _MISSING or value is _LEARNER:
            return value
        return _lookup(value, tops)

    return resolve


def kernel_resolver(fn) -> callable:
    """``resolve`` for ``check``: what a name is in the function's own globals, or a builtin."""
    g = getattr(fn, "__globals__", None) or {}

    def resolve(name):
        if name in g:
            return g[name]
        return getattr(builtins, name, _MISSING)

    return resolve


def source_node(fn):
    """The parsed ``def`` of a live function (None when its source is unavailable)."""
    try:
        src = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    name = getattr(fn, "__name__", "")
    node = function_node(src, name)
    if node is None:  # a lambda, or a function stored under another name
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError):
            return None
        node = tree.body[0] if tree.body else None
    if node is not None:
        first = fn.__code__.co_firstlineno if hasattr(fn, "__code__") else 1
        ast.increment_lineno(node, first - 1)  # line numbers as the learner sees them
        node.source_lines = src.splitlines()
        node.first_line = first
    return node


def line_text(node, line: int) -> str:
    """The code on ``line`` of the function ``node``, from the source ``source_node`` kept."""
    lines = getattr(node, "source_lines", [])
    k = line - getattr(node, "first_line", 1)
    return lines[k].strip() if 0 <= k < len(lines) else ""


# ---------------------------------------------------------------- the learner's kernel

_reference = threading.local()  # depth of reference code running inside a checked call


def _in_reference() -> bool:
    return getattr(_reference, "depth", 0) > 0


def _proxy(name: str, ref):
    def stand_in(*args, **kwargs):
        _reference.depth = getattr(_reference, "depth", 0) + 1
        try:
            return ref(*args, **kwargs)
        finally:
            _reference.depth -= 1

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"The course's {name}, standing in for yours while another function is checked."
    return stand_in


@contextlib.contextmanager
def standing_in(fn, refs: dict):
    """Bind each reference in ``refs`` (name -> function) in ``fn``'s globals, then restore.

    Only names the learner defined are replaced: a name their notebook lacks stays
    missing, as it would be in the grader.
    """
    g = getattr(fn, "__globals__", None)
    saved = {}
    if isinstance(g, dict):
        for name, ref in refs.items():
            mine = g.get(name, _MISSING)
            if mine is not _MISSING and callable(mine) and mine is not ref:
                saved[name] = mine
                g[name] = _proxy(name, ref)
    try:
        yield dict(saved)
    finally:
        for name, value in saved.items():
            g[name] = value


@contextlib.contextmanager
def banning(banned: dict):
    """Make each dotted name in ``banned`` raise ``Banned(message)`` while the block runs.

    Reference code standing in for a graded function may still use them.
    """
    saved = []
    for dotted, message in banned.items():
        modname, _, attr = dotted.rpartition(".")
        mod = sys.modules.get(modname)
        orig = getattr(mod, attr, _MISSING) if mod is not None else _MISSING
        if orig is _MISSING:
            continue

        def trap(*args, _orig=orig, _message=message, **kwargs):
            if _in_reference():
                return _orig(*args, **kwargs)
            raise Banned(_message)

        setattr(mod, attr, trap)
        saved.append((mod, attr, orig))
    try:
        yield
    finally:
        for mod, attr, orig in reversed(saved):
            setattr(mod, attr, orig)


def snapshot(value):
    """A deep copy of a call's arguments, as far as arrays, dicts, lists and tuples go."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):  # a cache
        return type(value)(*(snapshot(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(snapshot(v) for v in value)
    return value


def changed_paths(before, after, path: str) -> list[str]:
    """The paths (``args[0]``, ``args[3]['bias_ih']``) whose arrays or containers changed."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape or after.dtype != before.dtype:
            return [path]
        same = (after == before) | (np.isnan(after) & np.isnan(before)) if before.dtype.kind == "f" else after == before
        return [] if bool(np.all(same)) else [path]
    if isinstance(before, dict):
        if not isinstance(after, dict) or set(after) != set(before):
            return [path]
        return [p for k in before for p in changed_paths(before[k], after[k], f"{path}[{k!r}]")]
    if isinstance(before, list):
        if not isinstance(after, list) or len(after) != len(before):
            return [path]
        return [
            p for k, (b, a) in enumerate(zip(before, after, strict=True)) for p in changed_paths(b, a, f"{path}[{k}]")
        ]
    if isinstance(before, tuple):
        return [
            p for k, (b, a) in enumerate(zip(before, after, strict=True)) for p in changed_paths(b, a, f"{path}[{k}]")
        ]
    return []
