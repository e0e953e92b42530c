"""Plausible mistakes in ``softmax_cross_entropy``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()  # softmax_cross_entropy needs nothing but NumPy

SCE_OK = """
def softmax_cross_entropy(logits, targets):
    N = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N)
    loss = -float(np.mean(log_probs[rows, targets]))
    dlogits = np.exp(log_probs)
    dlogits[rows, targets] -= 1
    dlogits /= N
    return loss, dlogits
"""

SHIFT = "shifted = logits - logits.max(axis=1, keepdims=True)"
LOGP = "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"
LOSS = "loss = -float(np.mean(log_probs[rows, targets]))"
ONEHOT = "dlogits[rows, targets] -= 1"
DIV = "dlogits /= N"

# The textbook formula, without the log-sum-exp trick.
NAIVE = """
def softmax_cross_entropy(logits, targets):
    N = logits.shape[0]
    e = np.exp(logits)
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), targets]))
    dlogits = probs.copy()
    dlogits[np.arange(N), targets] -= 1
    return loss, dlogits / N
"""

# The max subtracted, but the log taken of the probabilities.
LOG_OF_PROBS = """
def softmax_cross_entropy(logits, targets):
    N = logits.shape[0]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(N), targets]))
    dlogits = probs.copy()
    dlogits[np.arange(N), targets] -= 1
    return loss, dlogits / N
"""

ONEHOT_EYE_N = """
def softmax_cross_entropy(logits, targets):
    N, C = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    onehot = np.eye(N)[targets]
    loss = -np.sum(onehot * log_probs) / N
    return loss, (np.exp(log_probs) - onehot) / N
"""


def changed(name, *edits, expect, held_out=False, needs=()):
    src = SCE_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("softmax_cross_entropy", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    mistake("softmax_cross_entropy", "naive softmax overflows", NAIVE, expect="overflows"),
    mistake("softmax_cross_entropy", "log of the probabilities", LOG_OF_PROBS, expect="log of 0"),
    mistake("softmax_cross_entropy", "one-hot from np.eye(N)", ONEHOT_EYE_N, expect=("np.eye(C)", "broadcast")),
    changed(
        "sum instead of mean",
        (LOSS, "loss = -float(np.sum(log_probs[rows, targets]))"),
        expect="sum over the N examples",
    ),
    changed(
        "mean over N * C entries",
        (LOSS, "loss = -float(np.mean(np.eye(logits.shape[1])[targets] * log_probs))"),
        expect="mean over all N * C",
    ),
    changed("one loss per example", (LOSS, "loss = -log_probs[rows, targets]"), expect="one loss per example"),
    changed("mean over the classes", (LOSS, "loss = -np.mean(log_probs, axis=1)"), expect="one loss per example"),
    changed(
        "gradient sign flipped", (ONEHOT, "dlogits[rows, targets] -= 1\n    dlogits = -dlogits"), expect="wrong sign"
    ),
    changed("gradient not divided by N", (DIV, "pass"), expect="not divided by N"),
    changed("gradient divided by C", (DIV, "dlogits /= logits.shape[1]"), expect="divided by C"),
    changed("one-hot missing from the gradient", (ONEHOT, "pass"), expect="one-hot of the target is missing"),
    changed("one-hot subtracted in whole columns", (ONEHOT, "dlogits[:, targets] -= 1"), expect="wrong places"),
    changed(
        "loss picks whole columns", (LOSS, "loss = -float(np.mean(log_probs[:, targets]))"), expect="wrong entries"
    ),
    changed(
        "softmax over axis 0",
        (SHIFT, "shifted = logits - logits.max(axis=0, keepdims=True)"),
        (LOGP, "log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))"),
        expect="wrong axis",
    ),
    changed(
        "max over the columns", (SHIFT, "shifted = logits - logits.max(axis=0, keepdims=True)"), expect="per column"
    ),
    changed("one max for the whole array", (SHIFT, "shifted = logits - logits.max()"), expect="each row's own maximum"),
    changed("log base 2", (LOGP, LOGP.replace("np.log(", "np.log2(")), expect=("the softmax itself", "right class")),
    changed(
        "float32 promoted",
        ("dlogits = np.exp(log_probs)", "dlogits = np.exp(log_probs).astype(np.float64)"),
        expect="promotes to float64",
    ),
    changed(
        "logits shifted in place",
        (SHIFT, "logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits"),
        expect="writes into logits",
        needs=("modified",),
    ),
    changed("loss without its minus sign", (LOSS, LOSS.replace("-float", "float")), expect="sign-flipped"),
    changed(
        "targets off by one", (ONEHOT, "dlogits[rows, (targets + 1) % logits.shape[1]] -= 1"), expect="wrong class"
    ),
    changed(
        "exp of the logits in the gradient",
        ("dlogits = np.exp(log_probs)", "dlogits = np.exp(shifted)"),
        expect="dlogits = (softmax - onehot) / N",
        held_out=True,
    ),
    changed(
        "loss off by a constant",
        (LOSS, "loss = -float(np.mean(shifted[rows, targets]))"),
        expect="the loss, -mean",
        held_out=True,
    ),
]
