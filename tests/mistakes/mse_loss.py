"""Plausible mistakes in ``mse_loss``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()  # mse_loss needs nothing but NumPy

MSE_OK = """
def mse_loss(pred, target):
    diff = pred - target
    loss = float(np.mean(diff ** 2))
    dpred = 2 * diff / diff.size
    return loss, dpred
"""

LOSS = "loss = float(np.mean(diff ** 2))"
GRAD = "dpred = 2 * diff / diff.size"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = MSE_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("mse_loss", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("sum instead of mean", (LOSS, "loss = float(np.sum(diff ** 2))"), expect="sum of the squared differences"),
    changed("mean over the last axis", (LOSS, "loss = np.mean(diff ** 2, axis=-1)"), expect="one number"),
    changed("mean over the first axis", (LOSS, "loss = np.mean(diff ** 2, axis=0)"), expect="one number"),
    changed("factor 2 missing", (GRAD, "dpred = diff / diff.size"), expect="factor 2"),
    changed("gradient sign flipped", (GRAD, "dpred = 2 * (target - pred) / diff.size"), expect="wrong sign"),
    changed("gradient not divided by N", (GRAD, "dpred = 2 * diff"), expect="not divided by N"),
    changed(
        "gradient divided by the batch size", (GRAD, "dpred = 2 * diff / len(diff)"), expect="first dimension only"
    ),
    changed(
        "loss divided by the batch size",
        (LOSS, "loss = float(np.sum(diff ** 2) / len(diff))"),
        expect="first dimension only",
    ),
    changed("no square in the loss", (LOSS, "loss = float(np.mean(diff))"), expect="no square"),
    changed("root mean squared error", (LOSS, "loss = float(np.sqrt(np.mean(diff ** 2)))"), expect="root of the mean"),
    changed("half mean squared error", (LOSS, "loss = float(0.5 * np.mean(diff ** 2))"), expect="factor 1/2"),
    changed(
        "float32 promoted",
        ("diff = pred - target", "diff = np.asarray(pred, dtype=np.float64) - target"),
        expect="promotes to float64",
    ),
    changed(
        "pred modified in place",
        ("diff = pred - target", "pred -= target\n    diff = pred"),
        expect="writes into pred",
        needs=("modified",),
    ),
    changed("gradient summed to a number", (GRAD, "dpred = np.sum(2 * diff / diff.size)"), expect="shape of pred"),
    changed("loss and gradient swapped", ("return loss, dpred", "return dpred, loss"), expect="one number"),
    changed(
        "gradient from the absolute error",
        (GRAD, "dpred = 2 * np.abs(diff) / diff.size"),
        expect="the gradient dpred",
        held_out=True,
    ),
    changed(
        "loss from the cube", (LOSS, "loss = float(np.mean(np.abs(diff) ** 3))"), expect="the loss, mean", held_out=True
    ),
]
