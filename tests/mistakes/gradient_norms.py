"""Plausible mistakes in ``gradient_norms``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

NORMS_OK = """
def gradient_norms(weight_hh, T, v=None):
    H = weight_hh.shape[0]
    g = np.ones(H) / np.sqrt(H) if v is None else v
    norms = np.zeros(T + 1)
    for k in range(T + 1):
        norms[k] = np.linalg.norm(g)
        g = g @ weight_hh
    return norms
"""


def changed(name, *edits, expect, held_out=False, needs=()):
    src = NORMS_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("gradient_norms", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("W transposed", ("g = g @ weight_hh", "g = g @ weight_hh.T"), expect="uses W^T"),
    changed("W times g", ("g = g @ weight_hh", "g = weight_hh @ g"), expect="uses W^T"),
    changed("default not normalised", ("np.ones(H) / np.sqrt(H)", "np.ones(H)"), expect="divide by sqrt(H)"),
    changed("v=None not handled", ("np.ones(H) / np.sqrt(H) if v is None else v", "v"), expect="v may be None"),
    changed(
        "v ignored", ("np.ones(H) / np.sqrt(H) if v is None else v", "np.ones(H) / np.sqrt(H)"), expect="v is not used"
    ),
    changed("squared norms", ("np.linalg.norm(g)", "np.linalg.norm(g) ** 2"), expect="squared norms"),
    changed("only T entries", ("np.zeros(T + 1)", "np.zeros(T)"), ("range(T + 1)", "range(T)"), expect="T + 1"),
    changed(
        "starts at k = 1",
        (
            "        norms[k] = np.linalg.norm(g)\n        g = g @ weight_hh",
            "        g = g @ weight_hh\n        norms[k] = np.linalg.norm(g)",
        ),
        expect="start at k = 1",
    ),
    changed(
        "matrix norms",
        ("norms[k] = np.linalg.norm(g)", "norms[k] = np.linalg.norm(np.linalg.matrix_power(weight_hh, k))"),
        expect="norms of the matrices",
    ),
    changed("log norms", ("return norms", "return np.log(norms)"), expect="logarithms"),
    changed(
        "v modified in place", ("g = g @ weight_hh", "g[:] = g @ weight_hh"), expect="writes into", needs=("modified",)
    ),
    changed("sum of absolute values", ("np.linalg.norm(g)", "np.abs(g).sum()"), expect="norms[0]", held_out=True),
    changed(
        "power off by a factor", ("g = g @ weight_hh", "g = g @ weight_hh * 0.99"), expect="norms[1]", held_out=True
    ),
]
