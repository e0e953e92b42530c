"""Plausible mistakes in ``seasonal_naive_forecast``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def seasonal_naive_forecast(history, season, horizon):
    T = len(history)
    k = np.arange(horizon)
    return history[T - season + k % season]
"""

RET = "return history[T - season + k % season]"


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("seasonal_naive_forecast", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed("repeats the last value", (RET, "return np.full(horizon, history[-1])"), expect="last value"),
    changed("season from the start", (RET, "return history[k % season]"), expect="start of the history"),
    changed("off by one season", (RET, "return history[T - 2 * season + k % season]"), expect="off by one season"),
    changed("one step too early", (RET, "return history[T - season - 1 + k % season]"), expect="one step too early"),
    changed("one step too late", (RET, "return history[T - season + 1 + k % season]"), expect="past the end"),
    changed("one season only", (RET, "return history[T - season:]"), expect="one season long"),
    changed(
        "tiled, not cut",
        (RET, "return np.tile(history[T - season:], horizon // season + 1)"),
        expect="longer than the horizon",
    ),
    changed(
        "not repeated", (RET, "return history[T - season:T - season + horizon]"), expect="repeated as often as needed"
    ),
    changed("reversed season", (RET, "return history[T - 1 - k % season]"), expect="reversed"),
    changed(
        "float64 always", (RET, "return np.array(history[T - season + k % season], dtype=np.float64)"), expect="dtype"
    ),
    changed("repeats by the horizon", (RET, "return history[T - season + k % horizon]"), expect="past the end"),
    changed(
        "last season from a fixed 12",
        (RET, "return history[T - 12 + k % season]"),
        expect="which values are repeated",
        held_out=True,
    ),
]
