"""Plausible mistakes in ``clip_gradients``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()  # clip_gradients needs nothing but NumPy

CLIP_OK = """
def clip_gradients(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for part in grads.values() for g in part.values())))
    factor = min(1.0, max_norm / (norm + 1e-6))
    clipped = {name: {key: g * factor for key, g in part.items()} for name, part in grads.items()}
    return clipped, norm
"""

NORM = "norm = float(np.sqrt(sum(np.sum(g * g) for part in grads.values() for g in part.values())))"
FACTOR = "factor = min(1.0, max_norm / (norm + 1e-6))"
CLIPPED = "clipped = {name: {key: g * factor for key, g in part.items()} for name, part in grads.items()}"
RETURN = "return clipped, norm"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = CLIP_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("clip_gradients", name, src, expect=expect, held_out=held_out, needs=needs)


EACH = """
def clip_gradients(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for part in grads.values() for g in part.values())))
    clipped = {}
    for name, part in grads.items():
        clipped[name] = {}
        for key, g in part.items():
            own = np.sqrt(np.sum(g * g))
            clipped[name][key] = g * min(1.0, max_norm / (own + 1e-6))
    return clipped, norm
"""

IN_PLACE = """
def clip_gradients(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for part in grads.values() for g in part.values())))
    factor = min(1.0, max_norm / (norm + 1e-6))
    for part in grads.values():
        for g in part.values():
            g *= factor
    return grads, norm
"""

MISTAKES = [
    mistake("clip_gradients", "each array clipped by its own norm", EACH, expect="its own norm"),
    changed(
        "scaled even below max_norm",
        (FACTOR, "factor = max_norm / (norm + 1e-6)"),
        expect="even when the norm is below",
    ),
    changed(
        "values clipped one by one",
        (
            CLIPPED,
            "clipped = {name: {key: np.clip(g, -max_norm, max_norm) for key, g in part.items()} "
            "for name, part in grads.items()}",
        ),
        expect="one by one",
    ),
    changed(
        "no square root in the norm",
        (NORM, "norm = float(sum(np.sum(g * g) for part in grads.values() for g in part.values()))"),
        expect="without the square root",
    ),
    changed(
        "L1 norm",
        (NORM, "norm = float(sum(np.sum(np.abs(g)) for part in grads.values() for g in part.values()))"),
        expect="L1",
    ),
    changed(
        "max norm",
        (NORM, "norm = float(max(np.abs(g).max() for part in grads.values() for g in part.values()))"),
        expect="largest absolute value",
    ),
    changed("factor inverted", (FACTOR, "factor = max(1.0, (norm + 1e-6) / max_norm)"), expect="inverted"),
    changed(
        "divided by the norm",
        (FACTOR, "factor = 1 / (norm + 1e-6) if norm > max_norm else 1.0"),
        expect="divided by the norm",
    ),
    changed("norm after clipping returned", (RETURN, "return clipped, min(norm, max_norm)"), expect="after clipping"),
    changed("grads returned unclipped", (RETURN, "return grads, norm"), expect="not clipped"),
    mistake("clip_gradients", "scaled in place", IN_PLACE, expect=("in place", "writes into"), needs=("modified",)),
    changed(
        "only the lstm part",
        (
            CLIPPED,
            "clipped = {name: {key: g * (factor if name == 'lstm' else 1.0) for key, g in "
            "part.items()} for name, part in grads.items()}",
        ),
        expect="the arrays dense.weight, dense.bias",
        held_out=True,
    ),
    changed(
        "multiplied by max_norm", (FACTOR, "factor = max_norm if norm > max_norm else 1.0"), expect="misses the norm"
    ),
]
