"""The synthetic tasks of the classic LSTM experiments, generated exactly as the papers state.

- :func:`adding_problem`: Hochreiter and Schmidhuber (1997), experiment 4.
- :func:`temporal_order`: the same paper, experiment 6a (two relevant symbols, four classes).
- :func:`embedded_reber_strings`, :func:`reber_stream`: the embedded Reber
  grammar, and the continual stream of Gers, Schmidhuber and Cummins (2000),
  with the set of symbols the grammar allows next at every step.

Every generator takes an explicit ``numpy.random.Generator`` (or a seed) and
returns NumPy arrays, batch-first, float64 inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def _rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def _count(name, n, least=1):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {n!r}")
    return int(n)


class SequenceTask(NamedTuple):
    """Padded input sequences, their lengths and one target per sequence."""

    x: np.ndarray  # (N, T_max, D), zero after each sequence's end
    lengths: np.ndarray  # (N,) int64
    y: np.ndarray  # (N,) targets: float64 values or int64 class indices


# --------------------------------------------------------------------- adding

ADDING_TOLERANCE = 0.04  # a sequence is processed correctly when |error| at its end is below this


def adding_problem(n, T=100, *, rng=None) -> SequenceTask:
    """The adding problem (Hochreiter and Schmidhuber, 1997, experiment 4).

    Each step is a pair: a value drawn from [-1, 1] and a marker. Sequences are
    T to T + T/10 steps long. Exactly two pairs are marked with 1.0: one of the
    first ten (value X1) and one of the first T/2 - 1 still unmarked ones (X2).
    The first and the last pair carry the marker -1.0 unless marked, all others
    0.0; when the first pair is marked, its value is set to 0. The target, given at the
    sequence's end only, is 0.5 + (X1 + X2) / 4, in [0, 1]; a sequence counts as
    correct when the absolute error there is below ``ADDING_TOLERANCE`` (0.04).

    Returns:
        ``SequenceTask``: x (n, T + T // 10, 2), lengths (n,), y (n,) float64.
    """
    n, T = _count("n", n), _count("T", T, least=20)
    rng = _rng(rng)
    longest = T + T // 10
    lengths = rng.integers(T, longest + 1, size=n)
    x = np.zeros((n, longest, 2))
    y = np.empty(n)
    for k, length in enumerate(lengths):
        x[k, :length, 0] = rng.uniform(-1.0, 1.0, size=length)
        x[k, 0, 1] = x[k, length - 1, 1] = -1.0
        first = int(rng.integers(0, 10))
        unmarked = [t for t in range(T // 2) if t != first][: T // 2 - 1]  # the first T/2 - 1 unmarked
        second = unmarked[int(rng.integers(0, len(unmarked)))]
        if 0 in (first, second):  # the paper: "where the first pair gets marked, we set X1 to zero"
            x[k, 0, 0] = 0.0
        x[k, [first, second], 1] = 1.0
        y[k] = 0.5 + (x[k, first, 0] + x[k, second, 0]) / 4.0
    return SequenceTask(x, lengths.astype(np.int64), y)


# ------------------------------------------------------------- temporal order

TEMPORAL_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "E", "B")
TEMPORAL_CLASSES = ("XX", "XY", "YX", "YY")


def temporal_order(n, *, length=(100, 110), t1=(10, 20), t2=(50, 60), rng=None) -> SequenceTask:
    """The temporal order problem (Hochreiter and Schmidhuber, 1997, experiment 6a).

    A sequence of ``length`` (drawn from the closed range) one-hot symbols starts
    with E and ends with B; the others are drawn from a, b, c, d, except at two
    positions, drawn from ``t1`` and ``t2``, which hold X or Y. The class is the
    order of those two: XX, XY, YX or YY (0 to 3).

    Returns:
        ``SequenceTask``: x (n, max length, 8) one-hot in the order of
        ``TEMPORAL_SYMBOLS``, lengths (n,), y (n,) int64 classes.
    """
    n = _count("n", n)
    rng = _rng(rng)
    lo, hi = length
    if not (t2[1] + 2 <= lo <= hi and 1 <= t1[0] <= t1[1] < t2[0] <= t2[1]):
        raise ValueError(f"need 1 <= t1 < t2 < length - 1, got t1={t1}, t2={t2}, length={length}")
    lengths = rng.integers(lo, hi + 1, size=n)
    x = np.zeros((n, hi, len(TEMPORAL_SYMBOLS)))
    y = np.empty(n, dtype=np.int64)
    for k, L in enumerate(lengths):
        symbols = rng.integers(0, 4, size=L)  # a, b, c, d
        symbols[0], symbols[L - 1] = 6, 7  # E ... B
        p1, p2 = int(rng.integers(t1[0], t1[1] + 1)), int(rng.integers(t2[0], t2[1] + 1))
        s1, s2 = rng.integers(0, 2, size=2)  # 0: X, 1: Y
        symbols[p1], symbols[p2] = 4 + s1, 4 + s2
        x[k, np.arange(L), symbols] = 1.0
        y[k] = 2 * s1 + s2
    return SequenceTask(x, lengths.astype(np.int64), y)


# ----------------------------------------------------------------- Reber grammar

REBER_SYMBOLS = ("B", "T", "P", "S", "X", "V", "E")
# The Reber grammar's graph: node -> ((symbol, next node), (symbol, next node)); node 5 ends with E.
_REBER = {
    0: (("T", 1), ("P", 2)),
    1: (("S", 1), ("X", 3)),
    2: (("T", 2), ("V", 4)),
    3: (("X", 2), ("S", 5)),
    4: (("P", 3), ("V", 5)),
}


def _reber_string(rng) -> tuple[list[str], list[set[str]]]:
    """One Reber string B ... E, and after each symbol the set of symbols allowed next."""
    out, allowed = ["B"], [{"T", "P"}]
    node = 0
    while node != 5:
        symbol, node = _REBER[node][int(rng.integers(0, 2))]
        out.append(symbol)
        allowed.append({s for s, _ in _REBER[node]} if node != 5 else {"E"})
    out.append("E")
    allowed.append(set())  # filled by the caller: what follows the inner string
    return out, allowed


def embedded_reber_strings(n, *, rng=None) -> list[tuple[list[str], list[set[str]]]]:
    """``n`` strings of the embedded Reber grammar, B (T|P) <Reber string> (T|P) E,
    the second T or P the same as the first, each with the sets of allowed next symbols.

    Predicting the symbol before the final E needs the symbol seen at the second
    step, across the whole inner string: the long-range dependency of the task.
    The allowed set after the final E is left empty (what follows is up to the caller).
    """
    n = _count("n", n)
    rng = _rng(rng)
    strings = []
    for _ in range(n):
        branch = "T" if rng.integers(0, 2) == 0 else "P"
        inner, inner_allowed = _reber_string(rng)
        inner_allowed[-1] = {branch}
        symbols = ["B", branch, *inner, branch, "E"]
        allowed = [{"T", "P"}, {"B"}, *inner_allowed, {"E"}, set()]
        strings.append((symbols, allowed))
    return strings


class ReberStream(NamedTuple):
    """A continual stream of embedded Reber strings, one-hot, with multi-hot next-symbol sets."""

    x: np.ndarray  # (N, 7) one-hot symbols in the order of REBER_SYMBOLS
    allowed: np.ndarray  # (N, 7) 1 where the grammar allows that symbol next
    string_end: np.ndarray  # (N,) bool, True at each string's final E


def reber_stream(n_strings, *, rng=None) -> ReberStream:
    """Embedded Reber strings one after another with no reset between them, as in the
    continual task of Gers, Schmidhuber and Cummins (2000): after a string's final E
    the next string's B follows. A prediction at step t is right when the symbols the
    network rates above 0.5 are exactly ``allowed[t]``.
    """
    strings = embedded_reber_strings(n_strings, rng=rng)
    index = {s: k for k, s in enumerate(REBER_SYMBOLS)}
    symbols, allowed, ends = [], [], []
    for s, a in strings:
        a = list(a)
        a[-1] = {"B"}
        symbols += s
        allowed += a
        ends += [False] * (len(s) - 1) + [True]
    x = np.zeros((len(symbols), len(REBER_SYMBOLS)))
    x[np.arange(len(symbols)), [index[s] for s in symbols]] = 1.0
    nxt = np.zeros_like(x)
    for t, a in enumerate(allowed):
        nxt[t, [index[s] for s in a]] = 1.0
    return ReberStream(x, nxt, np.array(ends))


__all__ = [
    "SequenceTask",
    "ADDING_TOLERANCE",
    "adding_problem",
    "TEMPORAL_SYMBOLS",
    "TEMPORAL_CLASSES",
    "temporal_order",
    "REBER_SYMBOLS",
    "embedded_reber_strings",
    "ReberStream",
    "reber_stream",
]
