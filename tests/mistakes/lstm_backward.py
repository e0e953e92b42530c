"""Plausible mistakes in ``lstm_backward``: each is the solution with one thing changed.

The context is the given forward pass and a right ``lstm_cell_backward`` (the reference
stands in for it while ``lstm_backward`` is graded).
"""

from . import mistake
from .lstm_cell_backward import CELL_BACKWARD_OK, FORWARD_GIVEN

CONTEXT = (FORWARD_GIVEN, CELL_BACKWARD_OK)

LAYER_OK = """
def lstm_backward(dhs, cache, dh_n=None, dc_n=None):
    T = len(cache.steps)
    dh = np.zeros_like(dhs[:, 0]) if dh_n is None else dh_n
    dc = np.zeros_like(dhs[:, 0]) if dc_n is None else dc_n
    dx = [None] * T
    grads = {name: np.zeros_like(value) for name, value in cache.steps[0].params.items()}
    for t in reversed(range(T)):
        dx[t], dh, dc, step_grads = lstm_cell_backward(dhs[:, t] + dh, dc, cache.steps[t])
        for name in grads:
            grads[name] = grads[name] + step_grads[name]
    return np.stack(dx, axis=1), dh, dc, grads
"""

LOOP = "for t in reversed(range(T)):"
CALL = "dx[t], dh, dc, step_grads = lstm_cell_backward(dhs[:, t] + dh, dc, cache.steps[t])"
DH0 = "dh = np.zeros_like(dhs[:, 0]) if dh_n is None else dh_n"
DC0 = "dc = np.zeros_like(dhs[:, 0]) if dc_n is None else dc_n"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = LAYER_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("lstm_backward", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("loop forwards in time", (LOOP, "for t in range(T):"), expect="runs forwards"),
    changed("dhs not added", (CALL, CALL.replace("dhs[:, t] + dh", "dh")), expect="dhs is not added"),
    changed(
        "dh from the future not added",
        (CALL, CALL.replace("dhs[:, t] + dh", "dhs[:, t]")),
        expect="dh from step t + 1 is not added",
    ),
    changed(
        "dc not carried",
        (CALL, "dx[t], dh, _, step_grads = lstm_cell_backward(dhs[:, t] + dh, dc, cache.steps[t])"),
        expect="dc is not carried",
    ),
    changed("dh_n ignored", (DH0, "dh = np.zeros_like(dhs[:, 0])"), expect="dh_n is ignored"),
    changed("dc_n ignored", (DC0, "dc = np.zeros_like(dhs[:, 0])"), expect="dc_n is ignored"),
    changed(
        "dh_n and dc_n ignored",
        (DH0, "dh = np.zeros_like(dhs[:, 0])"),
        (DC0, "dc = np.zeros_like(dhs[:, 0])"),
        expect="dh_n and dc_n are ignored",
    ),
    changed("None not handled", (DH0, "dh = dh_n"), (DC0, "dc = dc_n"), expect="None means zero"),
    changed(
        "grads overwritten, not summed",
        ("grads[name] = grads[name] + step_grads[name]", "grads[name] = step_grads[name]"),
        expect="not summed over the steps",
    ),
    changed(
        "dx in reverse order",
        ("dx = [None] * T\n", "dx = []\n"),
        (
            CALL,
            "dx_t, dh, dc, step_grads = lstm_cell_backward(dhs[:, t] + dh, dc, "
            "cache.steps[t])\n        dx.append(dx_t)",
        ),
        expect="reverse time order",
    ),
    changed("dx stacked time-major", ("np.stack(dx, axis=1)", "np.stack(dx, axis=0)"), expect="wrong axis"),
    changed(
        "only the last output's gradient",
        (
            CALL,
            "d_out = dhs[:, t] if t == T - 1 else 0\n        dx[t], dh, dc, step_grads"
            " = lstm_cell_backward(d_out + dh, dc, cache.steps[t])",
        ),
        expect="only the last step's dhs",
    ),
    changed(
        "dhs indexed on the wrong axis",
        (CALL, CALL.replace("dhs[:, t]", "dhs[t]")),
        expect=("dhs is (B, T, H)", "the output's gradient at step t"),
    ),
    changed(
        "grads accumulate in place into the step's dict",
        ("grads = {name: np.zeros_like(value) for name, value in cache.steps[0].params.items()}", "grads = None"),
        (
            "        for name in grads:\n            grads[name] = grads[name] + step_grads[name]",
            "        if grads is None:\n            grads = step_grads\n        else:\n"
            "            for name in grads:\n                grads[name] = 2 * step_grads[name]",
        ),
        expect=("sum of the steps' weight gradients", "not summed over the steps"),
        held_out=True,
    ),
]
