"""Plausible mistakes in ``dense_backward``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def dense_backward(dy, cache):
    x, weight = cache
    O, I = weight.shape
    dy2, x2 = dy.reshape(-1, O), x.reshape(-1, I)
    dx = dy @ weight
    return dx, {"weight": dy2.T @ x2, "bias": dy2.sum(axis=0)}
"""

RET = 'return dx, {"weight": dy2.T @ x2, "bias": dy2.sum(axis=0)}'


def variant(old, new) -> str:
    assert old in OK, old
    return OK.replace(old, new)


MISTAKES = [
    mistake(
        "dense_backward",
        "dx with the weight transposed",
        variant("dx = dy @ weight", "dx = dy @ weight.T"),
        expect=("dx = dy @ weight", "mismatched shapes"),
    ),
    mistake(
        "dense_backward",
        "dW transposed",
        variant(RET, 'return dx, {"weight": x2.T @ dy2, "bias": dy2.sum(axis=0)}'),
        expect="is transposed",
    ),
    mistake(
        "dense_backward",
        "bias gradient not summed",
        variant(RET, 'return dx, {"weight": dy2.T @ x2, "bias": dy}'),
        expect="not summed over the batch",
    ),
    mistake(
        "dense_backward",
        "bias gradient averaged",
        variant(RET, 'return dx, {"weight": dy2.T @ x2, "bias": dy2.mean(axis=0)}'),
        expect="averaged over the batch",
    ),
    mistake(
        "dense_backward",
        "weight gradient averaged",
        variant(RET, 'return dx, {"weight": dy2.T @ x2 / len(dy2), "bias": dy2.sum(axis=0)}'),
        expect="averaged over the batch",
    ),
    mistake(
        "dense_backward",
        "bias summed over axis 0 only",
        variant(RET, 'return dx, {"weight": dy2.T @ x2, "bias": dy.sum(axis=0)}'),
        expect="summed over axis 0 only",
    ),
    mistake(
        "dense_backward",
        "bias summed over the wrong axis",
        variant(RET, 'return dx, {"weight": dy2.T @ x2, "bias": dy.sum(axis=-1)}'),
        expect="summed over the wrong axis",
    ),
    mistake(
        "dense_backward",
        "bias summed to one number",
        variant(RET, 'return dx, {"weight": dy2.T @ x2, "bias": dy.sum()}'),
        expect="is one number",
    ),
    mistake(
        "dense_backward",
        "2-D only",
        variant(RET, 'return dx, {"weight": dy.T @ x, "bias": dy.sum(axis=0)}'),
        expect=("with a time axis", "summed over axis 0 only", "mismatched shapes"),
    ),
    mistake(
        "dense_backward",
        "keys named after the gradients",
        variant(RET, 'return dx, {"dweight": dy2.T @ x2, "dbias": dy2.sum(axis=0)}'),
        expect="keys of the parameters",
    ),
    mistake(
        "dense_backward",
        "sign flipped",
        variant("dx = dy @ weight", "dx = -dy @ weight"),
        expect="sign of dx is flipped",
    ),
    mistake(
        "dense_backward",
        "float32 promoted by a float64 accumulator",
        variant(
            RET,
            'dW = np.zeros(weight.shape)\n    dW += dy2.T @ x2\n    return dx, {"weight": dW, "bias": dy2.sum(axis=0)}',
        ),
        expect="promotes to float64",
    ),
]
