"""Plausible mistakes in ``classifier_loss``: each is the solution with one thing changed.

The notebook imports the course's ``softmax_cross_entropy`` (exercise 8 gives it), the context.
"""

from . import mistake

CONTEXT = ("from lstm_lib.numpy import softmax_cross_entropy",)

OK = """
def classifier_loss(hs, mask, params, targets):
    B, T, F = hs.shape
    m = np.ones((B, T), dtype=hs.dtype) if mask is None else np.asarray(mask).astype(hs.dtype)
    count = m.sum(axis=1, keepdims=True)
    pooled = (hs * m[:, :, None]).sum(axis=1) / count
    logits = pooled @ params["weight"].T + params["bias"]
    loss, dlogits = softmax_cross_entropy(logits, targets)
    dpooled = dlogits @ params["weight"]
    dhs = m[:, :, None] * (dpooled / count)[:, None, :]
    grads = {"weight": dlogits.T @ pooled, "bias": dlogits.sum(axis=0)}
    return loss, dhs, grads
"""

POOL = "    pooled = (hs * m[:, :, None]).sum(axis=1) / count\n"
DHS = "    dhs = m[:, :, None] * (dpooled / count)[:, None, :]\n"
CE = "    loss, dlogits = softmax_cross_entropy(logits, targets)\n"
MASK = "np.asarray(mask).astype(hs.dtype)"

# Softmax cross-entropy written out, summed over the batch: loss and dlogits both B times too big.
CE_SUM = """    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(B), targets]).sum()
    dlogits = p.copy()
    dlogits[np.arange(B), targets] -= 1
"""


def variant(*pairs) -> str:
    code = OK
    for old, new in pairs:
        assert old in code, old
        code = code.replace(old, new)
    return code


MISTAKES = [
    mistake(
        "classifier_loss",
        "mean over all steps",
        variant(
            (POOL, "    pooled = hs.mean(axis=1)\n"),
            (DHS, "    dhs = np.ones((B, T, 1), dtype=hs.dtype) * dpooled[:, None, :] / T\n"),
        ),
        expect="all T steps",
    ),
    mistake(
        "classifier_loss",
        "padding zeroed, divided by T",
        variant(
            (POOL, "    pooled = (hs * m[:, :, None]).sum(axis=1) / T\n"),
            (DHS, "    dhs = m[:, :, None] * dpooled[:, None, :] / T\n"),
        ),
        expect="divided by T",
    ),
    mistake(
        "classifier_loss",
        "sum instead of mean",
        variant(
            (POOL, "    pooled = (hs * m[:, :, None]).sum(axis=1)\n"),
            (DHS, "    dhs = m[:, :, None] * dpooled[:, None, :]\n"),
        ),
        expect="summed over the real steps, not averaged",
    ),
    mistake(
        "classifier_loss",
        "loss summed over the batch",
        variant(("    return loss, dhs, grads", "    return loss * B, dhs, grads")),
        expect="loss is summed over the batch",
    ),
    mistake(
        "classifier_loss", "cross-entropy summed over the batch", variant((CE, CE_SUM)), expect="summed over the batch"
    ),
    mistake(
        "classifier_loss",
        "gradients not divided by B",
        variant((CE, CE + "    dlogits = dlogits * B\n")),
        expect="not divided by B",
    ),
    mistake(
        "classifier_loss",
        "dhs not zero at padding",
        variant((DHS, "    dhs = np.ones((B, T, 1), dtype=hs.dtype) * (dpooled / count)[:, None, :]\n")),
        expect="not zero at padded steps",
    ),
    mistake(
        "classifier_loss",
        "dhs without 1/count",
        variant((DHS, "    dhs = m[:, :, None] * dpooled[:, None, :]\n")),
        expect="1/count",
    ),
    mistake(
        "classifier_loss",
        "dhs copied to every step",
        variant((DHS, "    dhs = np.repeat(dpooled[:, None, :], T, axis=1)\n")),
        expect="copied to every step",
    ),
    mistake(
        "classifier_loss",
        "bias gradient averaged",
        variant(('"bias": dlogits.sum(axis=0)', '"bias": dlogits.mean(axis=0)')),
        expect="grads['bias'] is averaged",
    ),
    mistake(
        "classifier_loss",
        "bias gradient summed over classes",
        variant(('"bias": dlogits.sum(axis=0)', '"bias": dlogits.sum(axis=1)')),
        expect="summed over the wrong axis",
    ),
    mistake(
        "classifier_loss",
        "weight gradient transposed",
        variant(('"weight": dlogits.T @ pooled', '"weight": pooled.T @ dlogits')),
        expect="transposed",
    ),
    mistake(
        "classifier_loss",
        "mask None not handled",
        variant(("np.ones((B, T), dtype=hs.dtype) if mask is None else " + MASK, "mask.astype(hs.dtype)")),
        expect="mask may be None",
    ),
    mistake(
        "classifier_loss",
        "float32 promoted by the counts",
        variant((MASK, "np.asarray(mask)")),
        expect="promotes to float64",
    ),
    mistake(
        "classifier_loss",
        "counts over the batch",
        variant(("count = m.sum(axis=1, keepdims=True)", "count = m.sum(axis=0, keepdims=True)")),
        expect="m.sum(axis=1)",
    ),
    mistake(
        "classifier_loss",
        "dhs with the wrong sign",
        variant((DHS, "    dhs = -m[:, :, None] * (dpooled / count)[:, None, :]\n")),
        expect="dhs",
        held_out=True,
    ),
    mistake(
        "classifier_loss",
        "logits without the bias",
        variant(
            (
                '    logits = pooled @ params["weight"].T + params["bias"]\n',
                '    logits = pooled @ params["weight"].T\n',
            )
        ),
        expect=("logits", "pooled"),
        held_out=True,
    ),
    mistake(
        "classifier_loss",
        "bias gradient of the whole batch in every class",
        variant(('"bias": dlogits.sum(axis=0)', '"bias": np.full(dlogits.shape[1], dlogits.sum())')),
        expect="grads['bias']",
        held_out=True,
    ),
]
