"""Plausible mistakes in ``adam_step``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()  # adam_step needs nothing but NumPy

ADAM_OK = """
def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
"""

M = "m = beta1 * m + (1 - beta1) * grad"
V = "v = beta2 * v + (1 - beta2) * grad * grad"
MH = "m_hat = m / (1 - beta1**t)"
VH = "v_hat = v / (1 - beta2**t)"
RET = "return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = ADAM_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("adam_step", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("no bias correction", (MH, "m_hat = m"), (VH, "v_hat = v"), expect="no bias correction"),
    changed("no bias correction of v", (VH, "v_hat = v"), expect="bias correction of v"),
    changed("no bias correction of m", (MH, "m_hat = m"), expect="bias correction of m"),
    changed(
        "t counted from 0",
        (MH, "m_hat = m / (1 - beta1**(t + 1))"),
        (VH, "v_hat = v / (1 - beta2**(t + 1))"),
        expect="t + 1",
    ),
    changed(
        "m and v not updated",
        (M, "m_new = beta1 * m + (1 - beta1) * grad"),
        (V, "v_new = beta2 * v + (1 - beta2) * grad * grad"),
        (MH, "m_hat = m_new / (1 - beta1**t)"),
        (VH, "v_hat = v_new / (1 - beta2**t)"),
        expect="unchanged",
    ),
    changed(
        "bias-corrected moments returned",
        (RET, "return param - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat"),
        expect="bias-corrected m_hat and v_hat are returned",
    ),
    changed(
        "eps inside the square root",
        (RET, "return param - lr * m_hat / np.sqrt(v_hat + eps), m, v"),
        expect="inside the square root",
    ),
    changed(
        "no square root",
        (RET, "return param - lr * m_hat / (v_hat + eps), m, v"),
        expect="square root of v_hat is missing",
    ),
    changed("step uphill", (RET, "return param + lr * m_hat / (np.sqrt(v_hat) + eps), m, v"), expect="uphill"),
    changed("v of grad not grad squared", (V, "v = beta2 * v + (1 - beta2) * np.abs(grad)"), expect="v", held_out=True),
    changed(
        "no (1 - beta) factors",
        (M, "m = beta1 * m + grad"),
        (V, "v = beta2 * v + grad * grad"),
        expect="(1 - beta) factors are missing",
    ),
    changed(
        "betas swapped",
        (M, "m = beta2 * m + (1 - beta2) * grad"),
        (V, "v = beta1 * v + (1 - beta1) * grad * grad"),
        (MH, "m_hat = m / (1 - beta2**t)"),
        (VH, "v_hat = v / (1 - beta1**t)"),
        expect="swapped",
    ),
    changed("plain SGD", (RET, "return param - lr * grad, m, v"), expect="plain SGD"),
    changed(
        "float64 constants",
        (RET, "return param - np.float64(lr) * m_hat / (np.sqrt(v_hat) + eps), m, v"),
        expect="float64",
    ),
]
