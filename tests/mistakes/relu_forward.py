"""Plausible mistakes in ``relu_forward``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def relu_forward(x):
    y = np.maximum(x, np.zeros((), dtype=x.dtype))
    return y, (x > 0,)
"""
Y = "y = np.maximum(x, np.zeros((), dtype=x.dtype))"


def variant(old, new) -> str:
    assert old in OK, old
    return OK.replace(old, new)


MISTAKES = [
    mistake(
        "relu_forward",
        "np.max for np.maximum",
        variant(Y, "y = np.max(x, 0)"),
        expect="np.maximum(x, 0) works elementwise",
    ),
    mistake("relu_forward", "np.minimum", variant(Y, "y = np.minimum(x, 0)"), expect="keeps the negative part"),
    mistake("relu_forward", "absolute value", variant(Y, "y = np.abs(x)"), expect="not |x|"),
    mistake("relu_forward", "leaky", variant(Y, "y = np.where(x > 0, x, 0.01 * x)"), expect="leaky"),
    mistake("relu_forward", "clipped at 1", variant(Y, "y = np.clip(x, 0, 1)"), expect="no clip at 1"),
    mistake(
        "relu_forward", "float32 promoted", variant(Y, "y = np.maximum(x, np.float64(0))"), expect="promotes to float64"
    ),
    mistake("relu_forward", "mask x >= 0", variant("(x > 0,)", "(x >= 0,)"), expect="not x >= 0"),
    mistake("relu_forward", "mask inverted", variant("(x > 0,)", "(x < 0,)"), expect="the mask is inverted"),
    mistake("relu_forward", "x in the cache", variant("(x > 0,)", "(x,)"), expect="not the values"),
    mistake("relu_forward", "y in the cache", variant("(x > 0,)", "(y,)"), expect="not the values"),
    mistake(
        "relu_forward",
        "written into x",
        variant(Y + "\n    return y, (x > 0,)", "positive = x > 0\n    x[~positive] = 0\n    return x, (positive,)"),
        expect="writes into x",
        needs=("modified",),
    ),
    mistake("relu_forward", "y inverted", variant(Y, "y = np.where(x > 0, 0, x)"), expect="keeps the negative part"),
]
