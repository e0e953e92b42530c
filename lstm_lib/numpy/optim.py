"""Optimizers and gradient clipping for parameter dicts.

Parameters are a dict of arrays, or a list of such dicts (a stack of layers),
or any nesting of the two; the gradients have the same structure. ``step``
updates the parameter arrays in place, with the update rules of torch.optim.
"""

from __future__ import annotations

import numpy as np


def _leaves(tree, path=()):
    """Yield (path, array) for every array in a nest of dicts and lists."""
    if isinstance(tree, dict):
        for k in tree:
            yield from _leaves(tree[k], path + (k,))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            yield from _leaves(v, path + (i,))
    else:
        yield path, tree


def _name(path):
    return "".join(f"[{p!r}]" for p in path) or "(root)"


def _pairs(params, grads):
    """Matching (path, param, grad) triples; a clear error where the structures differ."""
    g = dict(_leaves(grads))
    out = []
    for path, p in _leaves(params):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(f"params{_name(path)} must be a floating-point numpy array, got {type(p).__name__}")
        if path not in g:
            raise ValueError(f"grads has no entry for params{_name(path)}; grads must have the structure of params")
        gp = np.asarray(g[path])
        if gp.shape != p.shape:
            raise ValueError(f"grads{_name(path)} must have the shape of the parameter, {p.shape}, got {gp.shape}")
        out.append((path, p, gp))
    return out


class SGD:
    """Stochastic gradient descent with optional momentum, as torch.optim.SGD.

    With momentum m: buf = m buf + (1 - dampening) grad (buf = grad at the
    first step); the step is buf, or grad + m buf with Nesterov momentum.
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if momentum < 0:
            raise ValueError(f"momentum must be >= 0, got {momentum}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")
        self.params = params
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov
        self.state = {}

    def step(self, grads):
        for path, p, g in _pairs(self.params, grads):
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                buf = self.state.get(path)
                if buf is None:
                    buf = self.state[path] = np.array(g, dtype=p.dtype)
                else:
                    buf *= self.momentum
                    buf += (1.0 - self.dampening) * g
                g = g + self.momentum * buf if self.nesterov else buf
            p -= self.lr * g


class Adam:
    """Adam, as torch.optim.Adam (bias-corrected moments; weight_decay is L2, added to the gradient)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        if not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.params = params
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.t = 0
        self.state = {}

    def step(self, grads):
        self.t += 1
        b1, b2 = self.betas
        bc1, bc2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for path, p, g in _pairs(self.params, grads):
            if self.weight_decay:
                g = g + self.weight_decay * p
            if path not in self.state:
                self.state[path] = (np.zeros_like(p), np.zeros_like(p))
            m, v = self.state[path]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            denom = np.sqrt(v) / np.sqrt(bc2) + self.eps
            p -= (self.lr / bc1) * m / denom


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so that their global L2 norm is at most ``max_norm``.

    As torch.nn.utils.clip_grad_norm_: the norm is taken over all arrays
    together, and every array is multiplied by min(1, max_norm / (norm + 1e-6)).
    Returns the norm before clipping (useful to log: exploding gradients show here).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm}")
    arrays = [a for _, a in _leaves(grads)]
    for a in arrays:
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            raise ValueError("grads must hold floating-point numpy arrays (they are scaled in place)")
    total = float(np.sqrt(sum(float(np.vdot(a, a)) for a in arrays)))
    coef = min(1.0, max_norm / (total + 1e-6))
    if coef < 1.0:
        for a in arrays:
            a *= coef
    return total


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of one array, as a function: returns new ``(param, m, v)``.

    m and v are the running means of grad and grad**2 (zeros before the first
    step), t the number of this step, counted from 1. With bias correction:
    m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), and
    param - lr * m_hat / (sqrt(v_hat) + eps). The inputs are not modified.
    ``Adam.step`` computes the same update, in place, for every array of a dict.

    Raises:
        ValueError: t is not a number >= 1 (t = 0 would divide by 1 - beta**0 = 0
            and turn every parameter into nan).
    """
    if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or not t >= 1:
        raise ValueError(
            f"t is the number of this step, counted from 1 (1, 2, 3, ...), got {t!r}: "
            "with t = 0 the bias correction divides by 1 - beta**0 = 0"
        )
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1**t)
    v_hat = v / (1.0 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def clip_gradients(grads, max_norm):
    """``clip_grad_norm`` as a function: returns ``(clipped, norm)`` and leaves ``grads`` as it is.

    ``clipped`` has the structure of ``grads`` (dicts and lists), every array
    multiplied by the same factor min(1, max_norm / (norm + 1e-6)), with norm
    the global L2 norm of all the arrays together, which is returned too.
    """

    def copy(tree):
        if isinstance(tree, dict):
            return {k: copy(v) for k, v in tree.items()}
        if isinstance(tree, (list, tuple)):
            return [copy(v) for v in tree]
        return np.array(tree)

    clipped = copy(grads)
    return clipped, clip_grad_norm(clipped, max_norm)
