"""Plausible mistakes in ``train``: each is the solution with one thing changed.

The loop is graded by the validation loss it reaches, so only mistakes that keep it
from learning fail; the corpus holds those.
"""

from . import mistake

GIVEN = """
from lstm_lib.train import evaluate, loss_and_grads


def clip_gradients(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g * g) for part in grads.values() for g in part.values())))
    factor = min(1.0, max_norm / (norm + 1e-6))
    return {name: {key: g * factor for key, g in part.items()} for name, part in grads.items()}, norm


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return param - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v
"""

CONTEXT = (GIVEN,)

TRAIN_OK = """
def train(params, x_train, y_train, x_val, y_val, *, epochs, batch_size, lr, max_norm, rng):
    params = {name: dict(part) for name, part in params.items()}
    m = {name: {key: np.zeros_like(a) for key, a in part.items()} for name, part in params.items()}
    v = {name: {key: np.zeros_like(a) for key, a in part.items()} for name, part in params.items()}
    best, best_loss, t = params, np.inf, 0
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for first in range(0, len(x_train), batch_size):
            batch = order[first:first + batch_size]
            _, grads = loss_and_grads(params, x_train[batch], y_train[batch])
            grads, _ = clip_gradients(grads, max_norm)
            t += 1
            new = {}
            for name, part in params.items():
                new[name] = {}
                for key, p in part.items():
                    new[name][key], m[name][key], v[name][key] = adam_step(
                        p, grads[name][key], m[name][key], v[name][key], t, lr=lr)
            params = new
        val = evaluate(params, x_val, y_val)
        if val < best_loss:
            best, best_loss = params, val
    return best
"""

STEP = "p, grads[name][key], m[name][key], v[name][key], t, lr=lr)"
UPDATE = "            params = new\n"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = TRAIN_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("train", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("the new parameters are never kept", (UPDATE, ""), expect="nothing was updated"),
    changed(
        "gradient ascent",
        (STEP, "p, -grads[name][key], m[name][key], v[name][key], t, lr=lr)"),
        expect=("uphill", "climb"),
    ),
    changed(
        "t starts at 0", ("            t += 1\n", ""), (UPDATE, UPDATE + "            t += 1\n"), expect="t = 1, 2, 3"
    ),
    changed(
        "lr not passed on",
        (STEP, "p, grads[name][key], m[name][key], v[name][key], t)"),
        expect="the training loop",
        held_out=True,
    ),
    changed(
        "returns after the first epoch",
        ("    return best\n", ""),
        (
            "            best, best_loss = params, val\n",
            "            best, best_loss = params, val\n        return best\n",
        ),
        expect="the training loop",
        held_out=True,
    ),
]
