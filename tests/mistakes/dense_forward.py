"""Plausible mistakes in ``dense_forward``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def dense_forward(x, params):
    weight = params["weight"]
    y = x @ weight.T + params["bias"]
    return y, (x, weight)
"""


def variant(old, new) -> str:
    assert old in OK, old
    return OK.replace(old, new)


Y = 'y = x @ weight.T + params["bias"]'

MISTAKES = [
    mistake("dense_forward", "weight not transposed", variant(Y, 'y = x @ weight + params["bias"]'), expect="y = x @"),
    mistake("dense_forward", "bias missing", variant(Y, "y = x @ weight.T"), expect="the bias is missing"),
    mistake(
        "dense_forward",
        "bias subtracted",
        variant(Y, 'y = x @ weight.T - params["bias"]'),
        expect="the bias is subtracted",
    ),
    mistake(
        "dense_forward",
        "ReLU inside the layer",
        variant(Y, 'y = np.maximum(x @ weight.T + params["bias"], 0)'),
        expect="no activation of its own",
    ),
    mistake(
        "dense_forward",
        "tanh inside the layer",
        variant(Y, 'y = np.tanh(x @ weight.T + params["bias"])'),
        expect="no activation of its own",
    ),
    mistake(
        "dense_forward",
        "weight times x transposed",
        variant(Y, 'y = (weight @ x.T).T + params["bias"]'),
        expect=("y = x @", "x @ weight.T"),
    ),
    mistake(
        "dense_forward",
        "flattened to 2-D",
        variant(Y, 'y = x.reshape(-1, x.shape[-1]) @ weight.T + params["bias"]'),
        expect="lost the leading axes",
    ),
    mistake(
        "dense_forward",
        "float32 promoted",
        variant(Y, 'y = x.astype(np.float64) @ weight.T + params["bias"]'),
        expect="promotes to float64",
    ),
    mistake(
        "dense_forward",
        "output in the cache",
        variant("return y, (x, weight)", "return y, (y, weight)"),
        expect="not the output y",
    ),
    mistake(
        "dense_forward",
        "cache in the wrong order",
        variant("return y, (x, weight)", "return y, (weight, x)"),
        expect="in that order",
    ),
    mistake(
        "dense_forward", "no cache", variant("return y, (x, weight)", "return y"), expect="return a tuple (y, cache)"
    ),
    mistake(
        "dense_forward",
        "bias added twice",
        variant(Y, 'y = x @ weight.T + params["bias"]\n    y = y + params["bias"]'),
        expect="added twice",
    ),
]
