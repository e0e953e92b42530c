"""Plausible mistakes in ``relative_error``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)))
"""

EXPR = "np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12))"


def changed(name, new_expr, expect, held_out=False):
    return mistake("relative_error", name, OK.replace(EXPR, new_expr), expect=expect, held_out=held_out)


MISTAKES = [
    changed(
        "denominator |a| + |b|", "np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12))", expect="|a| + |b|"
    ),
    changed(
        "mean instead of max",
        "np.mean(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12))",
        expect="mean is taken",
    ),
    changed(
        "sum instead of max",
        "np.sum(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12))",
        expect="summed over the entries",
    ),
    changed(
        "denominator |a| only", "np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12))", expect="denominator is |a| only"
    ),
    changed(
        "denominator |b| only", "np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12))", expect="denominator is |b| only"
    ),
    changed("no floor", "np.max(np.abs(a - b) / np.maximum(np.abs(a), np.abs(b)))", expect="floor 1e-12 is missing"),
    changed(
        "no absolute value of the difference",
        "np.max((a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12))",
        expect="absolute value of a - b is missing",
    ),
    changed(
        "no absolute values in the denominator",
        "np.max(np.abs(a - b) / np.maximum(np.maximum(a, b), 1e-12))",
        expect="absolute values in the denominator",
    ),
    changed(
        "norms of the whole arrays",
        "np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)",
        expect="norms of the whole arrays",
    ),
    changed(
        "squared difference",
        "np.max((a - b)**2 / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12))",
        expect="squared",
    ),
    changed(
        "floor added", "np.max(np.abs(a - b) / (np.maximum(np.abs(a), np.abs(b)) + 1e-12))", expect="floor is added"
    ),
    changed(
        "largest difference over largest value",
        "np.max(np.abs(a - b)) / max(np.abs(a).max(), np.abs(b).max(), 1e-12)",
        expect="largest difference is divided",
    ),
    mistake(
        "relative_error",
        "the entries returned",
        OK.replace("float(" + EXPR + ")", "np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-12)"),
        expect="relative errors are returned",
    ),
]
