"""Plausible mistakes in ``adding_correct``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def adding_correct(pred, target, tol=0.04):
    pred = np.asarray(pred).reshape(-1)
    target = np.asarray(target).reshape(-1)
    return np.abs(pred - target) < tol
"""

RET = "return np.abs(pred - target) < tol"


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("adding_correct", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed("<= instead of <", (RET, "return np.abs(pred - target) <= tol"), expect="strict"),
    changed("no absolute value", (RET, "return pred - target < tol"), expect="absolute value is missing"),
    changed(
        "no absolute value, target - pred", (RET, "return target - pred < tol"), expect="absolute value is missing"
    ),
    changed(
        "(N, 1) against (N,) broadcast to (N, N)",
        ("pred = np.asarray(pred).reshape(-1)\n    target = np.asarray(target).reshape(-1)\n", ""),
        expect="(N, N)",
    ),
    changed("only pred flattened", ("    target = np.asarray(target).reshape(-1)\n", ""), expect="(N, N)"),
    changed("both made columns", ("reshape(-1)", "reshape(-1, 1)"), expect="(N, 1)"),
    changed("tol ignored", (RET, "return np.abs(pred - target) < 0.04"), expect="tol is ignored"),
    changed("squared error", (RET, "return (pred - target) ** 2 < tol"), expect="squared"),
    changed(
        "relative error", (RET, "return np.abs(pred - target) / np.abs(target) < tol"), expect="divided by the target"
    ),
    changed("floats instead of bools", (RET, "return (np.abs(pred - target) < tol).astype(float)"), expect="dtype"),
    changed(
        "the fraction instead of the bools", (RET, "return np.mean(np.abs(pred - target) < tol)"), expect="one number"
    ),
    changed("inverted", (RET, "return np.abs(pred - target) >= tol"), expect="inverted"),
    changed(
        "half the tolerance", (RET, "return np.abs(pred - target) < tol / 2"), expect="the comparison", held_out=True
    ),
]
