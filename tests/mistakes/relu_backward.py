"""Plausible mistakes in ``relu_backward``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def relu_backward(dy, cache):
    (positive,) = cache
    return np.where(positive, dy, np.zeros((), dtype=dy.dtype))
"""
RET = "return np.where(positive, dy, np.zeros((), dtype=dy.dtype))"


def variant(new) -> str:
    return OK.replace(RET, new)


MISTAKES = [
    mistake("relu_backward", "mask ignored", variant("return dy"), expect="ignores the mask"),
    mistake("relu_backward", "mask alone", variant("return positive.astype(dy.dtype)"), expect="the mask alone"),
    mistake("relu_backward", "mask inverted", variant("return dy * ~positive"), expect="the mask is inverted"),
    mistake("relu_backward", "ReLU of dy", variant("return np.maximum(dy, 0)"), expect="applied to dy"),
    mistake(
        "relu_backward",
        "ReLU of dy and the mask",
        variant("return np.maximum(dy, 0) * positive"),
        expect="applied to dy",
    ),
    mistake(
        "relu_backward", "leaky slope", variant("return np.where(positive, dy, 0.01 * dy)"), expect="not a small slope"
    ),
    mistake("relu_backward", "boolean indexing", variant("return dy[positive]"), expect="dx has the shape of dy"),
    mistake(
        "relu_backward",
        "float32 promoted",
        variant("return dy * positive.astype(np.float64)"),
        expect="promotes to float64",
    ),
    mistake(
        "relu_backward",
        "written into dy",
        variant("dy[~positive] = 0\n    return dy"),
        expect="writes into dy",
        needs=("modified",),
    ),
    mistake(
        "relu_backward", "first row's mask", variant("return dy * positive[0]"), expect="one row is used for every row"
    ),
    mistake(
        "relu_backward", "gradient of the wrong sign", variant("return -dy * positive"), expect="dx = dy where positive"
    ),
]
