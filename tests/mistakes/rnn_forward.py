"""Plausible mistakes in ``rnn_forward``: each is the solution with one thing changed.

The notebook's own ``rnn_step_forward`` (right, here) is the context; the course's
stands in for it while ``rnn_forward`` is graded.
"""

from . import mistake
from .rnn_step_forward import STEP_OK

CONTEXT = (STEP_OK,)

FORWARD_OK = """
def rnn_forward(x, h0, params):
    B, T, _ = x.shape
    H = params["weight_hh"].shape[0]
    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0
    hs = np.zeros((B, T, H), dtype=x.dtype)
    caches = []
    for t in range(T):
        h, cache = rnn_step_forward(x[:, t], h, params)
        hs[:, t] = h
        caches.append(cache)
    return hs, h, caches
"""

LOOP = """        h, cache = rnn_step_forward(x[:, t], h, params)
        hs[:, t] = h"""


def changed(name, *edits, expect, held_out=False, needs=()):
    src = FORWARD_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("rnn_forward", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed(
        "h_prev not carried",
        (
            LOOP,
            """        h_t, cache = rnn_step_forward(x[:, t], h, params)
        hs[:, t] = h_t""",
        ),
        ("return hs, h,", "return hs, hs[:, -1],"),
        expect="not carried",
    ),
    changed("h0 ignored", ("if h0 is None else h0", ""), expect="h0 is ignored"),
    changed(
        "h0=None not handled", ("np.zeros((B, H), dtype=x.dtype) if h0 is None else h0", "h0"), expect="h0 may be None"
    ),
    changed("reversed time order", ("for t in range(T):", "for t in reversed(range(T)):"), expect="wrong time order"),
    changed(
        "reversed time order, stored in processing order",
        ("for t in range(T):", "for s, t in enumerate(reversed(range(T))):"),
        ("hs[:, t] = h", "hs[:, s] = h"),
        expect="wrong time order",
    ),
    changed(
        "stores the previous state",
        (
            LOOP,
            """        hs[:, t] = h
        h, cache = rnn_step_forward(x[:, t], h, params)""",
        ),
        expect="state before step t",
    ),
    changed("h_n is the first state", ("return hs, h,", "return hs, hs[:, 0],"), expect="h_n is the first state"),
    changed("h_n is h0", ("return hs, h,", "return hs, h0,"), expect=("h_n is h0", "h0 may be None")),
    changed(
        "time-major hs",
        ("hs = np.zeros((B, T, H)", "hs = np.zeros((T, B, H)"),
        ("hs[:, t] = h", "hs[t] = h"),
        expect="batch-first",
    ),
    changed("x indexed on the batch axis", ("x[:, t]", "x[t]"), expect=("x[:, t]", "x[t]")),
    changed(
        "float32 promoted",
        ("hs = np.zeros((B, T, H), dtype=x.dtype)", "hs = np.zeros((B, T, H))"),
        expect="dtype=x.dtype",
    ),
    changed("only the last state", ("return hs, h,", "return h, h,"), expect="every step"),
    changed(
        "h0 modified in place",
        ("hs[:, t] = h", "hs[:, t] = h\n        if t == 0 and h0 is not None:\n            h0[:] = h"),
        expect="writes into",
        needs=("modified",),
    ),
    changed("last step skipped", ("for t in range(T):", "for t in range(T - 1):"), expect="hs[:, ", held_out=True),
    changed(
        "state doubled between steps",
        ("hs[:, t] = h", "hs[:, t] = h\n        h = 0.5 * h"),
        expect="carries the state",
        held_out=True,
    ),
]
