"""Plausible mistakes in ``make_windows``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()  # make_windows needs nothing but NumPy

WINDOWS_OK = """
def make_windows(series, window, horizon=1):
    N = len(series) - window - horizon + 1
    X = np.stack([series[n:n + window] for n in range(N)])[:, :, None]
    y = series[window + horizon - 1:window + horizon - 1 + N][:, None]
    return X, y
"""

N = "N = len(series) - window - horizon + 1"
X = "X = np.stack([series[n:n + window] for n in range(N)])[:, :, None]"
Y = "y = series[window + horizon - 1:window + horizon - 1 + N][:, None]"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = WINDOWS_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("make_windows", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed(
        "target inside the window",
        (Y, "y = series[window + horizon - 2:window + horizon - 2 + N][:, None]"),
        expect="inside the window",
    ),
    changed(
        "target one step too far",
        (N, "N = len(series) - window - horizon"),
        (Y, "y = series[window + horizon:window + horizon + N][:, None]"),
        expect="one step too far",
    ),
    changed("last window missing", (N, "N = len(series) - window - horizon"), expect="last window is missing"),
    changed("horizon ignored", (Y, "y = series[window:window + N][:, None]"), expect="horizon is ignored"),
    changed(
        "no trailing axis on X",
        (X, "X = np.stack([series[n:n + window] for n in range(N)])"),
        expect="add the last axis",
    ),
    changed(
        "y without its axis",
        (Y, "y = series[window + horizon - 1:window + horizon - 1 + N]"),
        expect="add the last axis",
    ),
    changed(
        "windows do not overlap",
        (X, "X = np.stack([series[n:n + window] for n in range(0, N, window)])[:, :, None]"),
        (Y, "y = series[window + horizon - 1:window + horizon - 1 + N:window][:, None]"),
        expect="do not overlap",
    ),
    changed(
        "X transposed", (X, "X = np.stack([series[n:n + window] for n in range(N)])[:, None, :]"), expect="transposed"
    ),
    changed(
        "window backwards",
        (X, "X = np.stack([series[n:n + window][::-1] for n in range(N)])[:, :, None]"),
        expect="backwards",
    ),
    changed(
        "float64 always",
        (X, "X = np.array([series[n:n + window] for n in range(N)], dtype=float)[:, :, None]"),
        expect="dtype",
    ),
    changed(
        "window one value short",
        (X, "X = np.stack([series[n:n + window - 1] for n in range(N)])[:, :, None]"),
        expect="the inputs X",
        held_out=True,
    ),
    changed(
        "inputs shifted by one",
        (X, "X = np.stack([series[n + 1:n + 1 + window] for n in range(N)])[:, :, None]"),
        expect="the inputs X",
        held_out=True,
    ),
]
