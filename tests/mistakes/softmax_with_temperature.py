"""Plausible mistakes in ``softmax_with_temperature``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def softmax_with_temperature(logits, temperature):
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
"""

Z = "z = logits / temperature"
SHIFT = "z = z - z.max(axis=-1, keepdims=True)"
RET = "return e / e.sum(axis=-1, keepdims=True)"


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("softmax_with_temperature", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed("temperature multiplied", (Z, "z = logits * temperature"), expect="multiplied by the temperature"),
    changed("not stable", (SHIFT, "z = z"), expect="overflow"),
    changed(
        "wrong axis",
        (SHIFT, "z = z - z.max(axis=0, keepdims=True)"),
        (RET, "return e / e.sum(axis=0, keepdims=True)"),
        expect="wrong axis",
    ),
    changed("whole array", (SHIFT, "z = z - z.max()"), (RET, "return e / e.sum()"), expect="whole array"),
    changed(
        "temperature after the softmax",
        (Z, "z = logits"),
        (RET, "p = e / e.sum(axis=-1, keepdims=True)\n    return p ** (1 / temperature)"),
        expect="after the softmax",
    ),
    changed(
        "probabilities divided by T",
        (Z, "z = logits"),
        (RET, "return e / e.sum(axis=-1, keepdims=True) / temperature"),
        expect="divided by the temperature",
    ),
    changed("temperature ignored", (Z, "z = logits"), expect="temperature is ignored"),
    changed("global maximum", (SHIFT, "z = z - z.max()"), expect="whole array"),
    changed(
        "float64 always", (Z, "z = np.asarray(logits, dtype=np.float64) / temperature"), expect="promotes to float64"
    ),
    changed("no keepdims", (RET, "return e / e.sum(axis=-1)"), expect="keepdims"),
    changed(
        "temperature squared",
        (Z, "z = logits / temperature ** 2"),
        expect="how the temperature is applied",
        held_out=True,
    ),
]
