"""Docstrings that show the gate equations, whose text lives once in :mod:`lstm_lib.conventions`."""

from __future__ import annotations

import re
import textwrap

from ..conventions import EQUATIONS

_MARKER = re.compile(r"^([ \t]*)\{EQUATIONS\}[ \t]*$", re.MULTILINE)


def fill_equations(doc):
    """``doc`` with its line ``{EQUATIONS}`` replaced by the gate equations.

    The equations take that line's indentation, so that ``help()`` and
    ``inspect.getdoc`` dedent them with the rest of a class's docstring.
    """
    if doc is None:  # python -OO drops docstrings
        return None
    filled, n = _MARKER.subn(lambda m: textwrap.indent(EQUATIONS.strip("\n"), m.group(1)), doc)
    if n != 1:
        raise ValueError(f"expected one {{EQUATIONS}} line in the docstring, found {n}")
    return filled


def with_equations(cls):
    """Class decorator: :func:`fill_equations` applied to the class's docstring."""
    cls.__doc__ = fill_equations(cls.__doc__)
    return cls
