r"""The fast path: an LSTM layer over a whole sequence, forward and backward.

``lstm_forward`` and ``lstm_backward`` here take the same arguments and return
the same values as the reference in ``layer.py`` (the loop over time that the
book derives, built on ``lstm_cell_forward`` and ``lstm_cell_backward``), and
are tested equal to it. They compute the same equations, arranged
for speed, which on a CPU means few NumPy calls per step, on contiguous memory
that is still in cache, and large matrix products.

* Internally every step is stored feature-major: the H values of a gate for
  the B sequences form a contiguous (H, B) block, and a step's gates are the
  rows of one (4H, B) array. Every elementwise call in the time loop then runs
  over contiguous memory. (With batch-major rows, (B, 4H), a gate is a strided
  block, and NumPy took about five times as long over it: 8.9 against 1.6
  microseconds for 64 x 128 float32 values.) The batch-first arrays of the
  interface are transposed once on the way in and out.
* Each step's gates come from one matrix product, a_t = W [1; x_t; h_{t-1}]
  with W = [b_ih + b_hh, W_ih, W_hh], (4H, 1+D+H): the row of ones brings in
  the bias. The product goes into a scratch array that stays in cache; the
  first nonlinearity reads it and writes the step's gates. The buffer that
  holds [1; x_t; h_{t-1}] for every step also gives the weight gradients in
  the backward pass. (Computing W_ih x_t for all steps first, as one product,
  was measured slower, at B=64 T=100 D=32 H=128 a forward of 1.33 to 1.47
  times nn.LSTM's against 1.18: the T * B * 4H results leave the cache before
  their step reads them, each step needs one more call to add them, and in
  this layout they are strided.)
* The gate blocks are reordered from i, f, g, o to o, i, f, g, so that the
  three sigmoid gates are contiguous and the three blocks that the backward
  pass multiplies by dc (i, f, g) are contiguous too. The cell state c_{t-1}
  is stored right after g, so that one multiplication forms both i * g and
  f * c_{t-1}.
* The nonlinearities of all four gates come from one call, by scaling weight
  rows by powers of two (exact in floating point): with many units,
  sigma(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigma(2a) - 1 (one exp); with
  few, where each NumPy call costs more than its arithmetic,
  sigma(a) = (1 + tanh(a / 2)) / 2 (one tanh, fewer calls).
* The backward pass goes back through the steps in chunks of about 1 MiB of
  gradients. For each chunk it computes first every factor that does not
  depend on the incoming gradient, for all the chunk's steps at once; then
  the loop over time, left with five calls per step, the product
  W_hh.T da_t among them; then the chunk's share of dx = W_ih.T da and of
  the weight gradients (da_t [1; x_t; h_{t-1}].T summed over steps), which
  are not recurrent, as one matrix product each over the chunk's steps side
  by side, while its da is still in cache. (One product each over all steps
  needs a copy of all of da; one per step needs an add the size of W per
  step: both measured slower at B = 64.) Scratch buffers are kept between
  calls (``_Workspace``): fresh memory would cost a page fault per 4 KiB on
  first touch.
* Constants are 0-d arrays and outputs are passed by position: at B = 1 a
  step is a dozen NumPy calls, and converting a Python float costs more than
  the arithmetic.

* Padded sequences (``masked_lstm_forward``, ``masked_lstm_backward``) take
  the same loop. At a step where some sequences are padding, c and h are
  blended with the previous step's, c = m c + (1 - m) c_prev (exact for m in
  {0, 1}), six calls on (H, B) arrays; the mask is spread over the H rows
  once, since NumPy took four to ten times as long to broadcast a (1, B) row
  or to copy ``where`` it says (10 to 30 against 1 to 4 microseconds at H=32
  B=64). The outputs are zeroed once, after the loop. In the backward pass
  the padded columns' dh and dc pass by the cell: six more calls per padded
  step split them into the share that enters the cell (zero where padded, so
  da = 0 there) and the share that passes to step t - 1 (setting the padded
  columns' factors once per chunk instead, with ``np.copyto``, measured
  slower). A step without padding costs what it costs unmasked, and an
  all-ones mask runs the unmasked loop's calls exactly.
* A bidirectional layer (``bilstm_forward``, ``bilstm_backward``) is two
  masked layers, the second over time reversed, as in ``sequences.py``.

Sequences are batch-first at the interface: x (B, T, D), hidden states
(B, T, H). The chapter "Making the NumPy LSTM fast" measures each of these
steps.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..conventions import to_fast_gate_order
from ._checks import (
    as_cache,
    as_float_array,
    check_direction_params,
    check_lstm_backward,
    check_lstm_forward,
    check_mask,
    check_shape,
    split_directions,
)

# The backward pass works on chunks of steps whose gradients take about this
# many bytes: what one vectorised call writes is still in cache (L2 or L3) when
# the time loop reads it, and the chunk's products for dx and the weight
# gradient are large. At B=64 T=100 H=128, 512 KiB to 4 MiB measured alike,
# 256 KiB (a step per chunk) slower.
_CHUNK_BYTES = 1 << 20
# Below this many hidden units in the batch (B * H), a step costs what its NumPy
# calls cost, not what their arithmetic costs, and the activation with fewer
# calls wins (see lstm_forward). By item size: NumPy's float64 tanh costs about
# twice its exp per value (2.1 against 0.9 ns here), so float64 switches soon.
# float32's tanh costs no more than its exp (0.44 against 0.55 ns, NumPy 2.4), and
# at B=64 H=128 the two routes measured alike (53.7 against 54.0 ms, fwd+bwd).
_FEW_CALLS_BELOW = {4: 512, 8: 64}


def _chunk(T, bytes_per_step):
    return max(1, min(T, _CHUNK_BYTES // max(1, bytes_per_step)))


def _step_products(w, cols, out):
    """Each step's matrix product, out[t] = w @ cols[t], for the time loops.

    ``cols`` (n, K, B) has a block per step; ``out`` is (n, M, B), a block per
    step, or one (M, B) array that every step writes. Returns ``mm`` and the
    specs (value, over_steps) of its three arguments (see ``_each_step``).
    With one sequence a column is also a row, and the row product
    cols[t].T @ w.T is the faster of the two.
    """
    n, K, B = cols.shape
    over_steps = out.ndim == 3
    if B == 1:
        rows = out.reshape(*out.shape[:-2], 1, out.shape[-2])
        return np.dot, [(cols.reshape(n, 1, K), True), (np.ascontiguousarray(w.T), False), (rows, over_steps)]
    return np.matmul, [(np.ascontiguousarray(w), False), (cols, True), (out, over_steps)]


def _each_step(specs, steps, n):
    """Iterables over the ``n`` steps ``steps`` (a slice) for specs (value, over_steps): an array
    indexed by step is sliced, anything else is handed out unchanged for every step."""
    return [value[steps] if over_steps else itertools.repeat(value, n) for value, over_steps in specs]


@dataclass
class FastLSTMCache:
    """What ``lstm_backward`` needs; the properties give batch-first views in the book's notation.

    Fields (time-major, then feature-major: column b of a step is sequence b):
        xh: (T+1, 1+D+H, B). Step t is [1; x_t; h_{t-1}]: what step t
            multiplies by its weights (the row of ones brings in the bias).
            Step T holds h_{T-1}.
        buf: (T+1, 5H, B). Step t holds, in blocks of H rows, the gate
            activations o, i, f, g of step t and the cell state c_{t-1} (step T
            holds c_{T-1} only). Keeping c_{t-1} beside g lets one
            multiplication form both i * g and f * c_{t-1}.
        tanh_cs: tanh(c_t), (T, H, B).
        weight: (4H, 1+D+H), the columns [b_ih + b_hh, W_ih, W_hh] of each
            gate, gates in the internal order o, i, f, g.
        mask: (B, T), 1.0 at real steps and 0.0 at padding, from
            ``masked_lstm_forward``; None from ``lstm_forward`` (every step real).
            At a padded step, xh and buf hold the carried state, and the gates
            and tanh_cs hold values that the backward pass does not use.
    """

    xh: np.ndarray
    buf: np.ndarray
    tanh_cs: np.ndarray
    weight: np.ndarray
    mask: np.ndarray | None = None

    @property
    def shape(self):
        """(B, T, D, H)."""
        T, H, B = self.tanh_cs.shape
        return B, T, self.xh.shape[1] - 1 - H, H

    @property
    def dtype(self):
        return self.buf.dtype

    def _rows(self, a, rows):
        """The rows ``rows`` of every step of ``a`` as a batch-first (B, T, ...) view."""
        return a[:, rows].transpose(2, 0, 1)

    def _block(self, k):
        T, H, _ = self.tanh_cs.shape
        return self._rows(self.buf[:T], slice(k * H, (k + 1) * H))

    # Batch-first (B, T, ...) views.
    o = property(lambda self: self._block(0), doc="output gate, (B, T, H)")
    i = property(lambda self: self._block(1), doc="input gate, (B, T, H)")
    f = property(lambda self: self._block(2), doc="forget gate, (B, T, H)")
    g = property(lambda self: self._block(3), doc="candidate values, (B, T, H)")
    x = property(lambda self: self._rows(self.xh[:-1], slice(1, 1 + self.shape[2])), doc="inputs, (B, T, D)")
    h = property(lambda self: self._rows(self.xh[1:], slice(1 + self.shape[2], None)), doc="hidden states, (B, T, H)")
    c = property(lambda self: self._rows(self.buf[1:], slice(4 * self.shape[3], None)), doc="cell states, (B, T, H)")


def lstm_forward(x, h0, c0, params):
    """``lstm_lib.numpy.lstm_forward``, fast: the same arguments and results.

    x (B, T, D), h0 and c0 (B, H) or None, params in PyTorch's layout; returns
    hs (B, T, H), (h_n, c_n), and a ``FastLSTMCache`` for this module's ``lstm_backward``.
    """
    x, h0, c0, p = check_lstm_forward(x, h0, c0, params)
    return _forward(x, h0, c0, p, None)


def masked_lstm_forward(x, mask, h0, c0, params):
    """``lstm_lib.numpy.masked_lstm_forward``, fast: the same arguments and results.

    x (B, T, D), mask (B, T) (1 or True at real steps, 0 at padding; None: all
    real), h0 and c0 (B, H) or None, params in PyTorch's layout; returns hs
    (B, T, H), zero at padding, each sequence's state after its last real step
    (h_n, c_n), and a ``FastLSTMCache`` for ``masked_lstm_backward``.
    """
    x, h0, c0, p = check_lstm_forward(x, h0, c0, params)
    return _forward(x, h0, c0, p, check_mask(mask, x.shape[0], x.shape[1], x.dtype))


def _padding(mask, H):
    """What the loops need of a (B, T) 0/1 mask, feature-major: (keep, drop, padded).

    keep and drop (T, H, B), the mask
    and 1 - mask spread over the H rows of each step (a multiplication by a
    (1, B) row that NumPy broadcasts, or an ``np.copyto`` with ``where``, took
    four to ten times as long at H=32 B=64); padded, a list of T flags, True at
    a step with any padding. A step blends as new = keep * new + drop * old,
    which is exact for a mask of 0s and 1s. keep and drop are workspace arrays
    (fresh ones cost more in page faults than the whole forward pass at that size).
    """
    B, T = mask.shape
    keep_row = np.ascontiguousarray(mask.T)[:, None, :]
    keep, drop = _workspace.get("keep", (T, H, B), mask.dtype), _workspace.get("drop", (T, H, B), mask.dtype)
    keep[...] = keep_row
    np.subtract(np.array(1.0, mask.dtype), keep, drop)
    return keep, drop, (keep_row == 0).any(axis=(1, 2)).tolist()


def _forward(x, h0, c0, p, mask):
    """The forward pass on checked arguments; ``mask`` (B, T) in x's dtype, or None."""
    (B, T, D), H, dt = x.shape, h0.shape[1], x.dtype
    H2, H3, H4, K = 2 * H, 3 * H, 4 * H, 1 + D + H

    # One weight matrix for [1; x_t; h_{t-1}]: a = weight @ [1; x_t; h_{t-1}]
    weight = to_fast_gate_order(
        np.concatenate([(p["bias_ih"] + p["bias_hh"])[:, None], p["weight_ih"], p["weight_hh"]], axis=1), H
    )
    # Two ways to the activations, chosen by size; both scale the weight rows
    # by powers of two, which is exact in floating point.
    #   many units: one exp for all gates. sigma(a) = 1 / (1 + exp(-a)) and
    #     tanh(a) = 2 sigma(2a) - 1, so rows are scaled by -1 (o, i, f) and -2 (g).
    #   few units: one tanh for all gates. sigma(a) = (1 + tanh(a / 2)) / 2, so
    #     rows are scaled by 1/2 (o, i, f) and 1 (g); fewer NumPy calls per step.
    few_calls = B * H < _FEW_CALLS_BELOW.get(dt.itemsize, 64)
    scale = np.full((H4, 1), 0.5 if few_calls else -1.0, dt)
    scale[H3:] = 1.0 if few_calls else -2.0
    w = weight * scale  # (4H, 1+D+H)

    xh = np.empty((T + 1, K, B), dt)
    xh[:, 0] = 1.0
    xh[:T, 1 : 1 + D] = x.transpose(1, 2, 0)
    xh[T, 1 : 1 + D] = 0.0
    xh[0, 1 + D :] = h0.T
    buf = np.empty((T + 1, 5 * H, B), dt)  # per step: o, i, f, g, c_prev
    buf[0, H4:] = c0.T
    tanh_cs = np.empty((T, H, B), dt)
    # Views over all steps, made once; the loop takes each step's block of them.
    h_ = xh[:, 1 + D :]
    gates, sig, o_, if_, g_, gc, c_ = (
        buf[:, :H4],
        buf[:, :H3],
        buf[:, :H],
        buf[:, H:H3],
        buf[:, H3:H4],
        buf[:, H3:],
        buf[:, H4:],
    )
    # Padding: per step, the mask and 1 - mask as (H, B) arrays, and whether the step has any padding.
    if mask is not None and not mask.all():
        keep, drop, padded = _padding(mask, H)
    else:
        keep, drop, padded = itertools.repeat(None, T), itertools.repeat(None, T), itertools.repeat(False, T)
    # Each step's product, a = w @ [1; x_t; h_{t-1}], goes into one scratch array;
    # the first nonlinearity reads it and writes the step's gate rows.
    scratch = np.empty((H4, B), dt)
    mm, products = _step_products(w, xh[:T], scratch)
    pair = np.empty((H2, B), dt)
    ig, fc = pair[:H], pair[H:]
    old = np.empty((H, B), dt)  # a padded step's share of the state before it
    # Constants as 0-d arrays: NumPy converts a Python float on every call.
    one, two, half = (np.array(v, dt) for v in (1.0, 2.0, 0.5))
    exp, tanh, add, sub, mul, div = np.exp, np.tanh, np.add, np.subtract, np.multiply, np.divide
    with np.errstate(over="ignore"):  # exp(-a) = inf for a << 0 gives sigma = 0, as it should
        # zip hands out each step's views faster than indexing by t would.
        steps = zip(
            *_each_step(products, slice(None), T),
            sig[:T],
            if_[:T],
            g_[:T],
            gc[:T],
            c_[1:],
            tanh_cs,
            o_[:T],
            h_[1:],
            gates[:T],
            c_[:T],
            h_[:T],
            keep,
            drop,
            padded,
            strict=True,
        )
        for left, right, into, s, ifg, g, g_cp, c, tc, o, h, a, c_prev, h_prev, keep_t, drop_t, padded_t in steps:
            mm(left, right, into)  # the gates before their nonlinearity, into a scratch array that stays in cache
            if few_calls:  # sigma(a) = (1 + tanh(a / 2)) / 2; the rows were scaled by 1/2
                tanh(scratch, a)
                mul(s, half, s)
                add(s, half, s)
            else:  # sigma(a) = 1 / (1 + exp(-a)), tanh(a) = 2 sigma(2a) - 1; rows scaled by -1, -2
                exp(scratch, a)
                add(a, one, a)
                div(one, a, a)
                mul(g, two, g)
                sub(g, one, g)
            # c = f * c_prev + i * g, with [i; f] * [g; c_prev] in one call.
            mul(ifg, g_cp, pair)
            add(ig, fc, c)
            tanh(c, tc)
            mul(o, tc, h)
            if padded_t:  # padded sequences keep their state: c = keep c + drop c_prev, and the same for h
                mul(c, keep_t, c)
                mul(c_prev, drop_t, old)
                add(c, old, c)
                mul(h, keep_t, h)
                mul(h_prev, drop_t, old)
                add(h, old, h)

    out = h_[1:].transpose(2, 0, 1).copy()  # a copy even where the view is contiguous (B = 1, T = 1): never xh
    if mask is not None and not mask.all():
        out[mask == 0] = 0.0  # padded steps output zero (h_ holds the carried state there)
    cache = FastLSTMCache(xh, buf, tanh_cs, weight, mask)
    return out, (h_[T].T.copy(), c_[T].T.copy()), cache


def _backward_factors(g5, tanh_cs, hs, k, p, one):
    """The factors of the backward pass that do not depend on the incoming gradient.

    For a chunk of n steps: ``g5`` (n, 5H, B) holds the blocks o, i, f, g,
    c_prev of each step, ``tanh_cs`` (n, H, B) holds tanh(c) and ``hs``
    (n, H, B) holds h = o tanh(c). Fill the six blocks of ``k`` (n, 6H, B):
        k0 = o (1 - tanh(c)^2) = o - h tanh(c)   (times dh: what h adds to dc)
        k1 = sigma'(a_o) tanh(c) = h - o h       (times dh gives da_o)
        k2 = sigma'(a_i) g                       (times dc gives da_i)
        k3 = sigma'(a_f) c_prev                  (times dc gives da_f)
        k4 = tanh'(a_g) i                        (times dc gives da_g)
        k5 = f                                   (times dc gives dc_prev)
    with sigma' = s (1 - s) and tanh' = 1 - g^2 written in terms of the
    activations. ``p`` (n, 3H, B) is scratch.
    """
    H = tanh_cs.shape[1]
    mul, sub = np.multiply, np.subtract
    o, i_f, g, g_cp = g5[:, :H], g5[:, H : 3 * H], g5[:, 3 * H : 4 * H], g5[:, 3 * H :]
    k0, k1, k23, k4 = k[:, :H], k[:, H : 2 * H], k[:, 2 * H : 4 * H], k[:, 4 * H : 5 * H]
    mul(hs, tanh_cs, k0)
    sub(o, k0, k0)
    mul(o, hs, k1)
    sub(hs, k1, k1)
    p_if, p_g = p[:, : 2 * H], p[:, 2 * H :]
    mul(i_f, i_f, p_if)
    sub(i_f, p_if, p_if)  # s - s^2 for i and f
    mul(p_if, g_cp, k23)  # [i; f] factors times [g; c_prev]
    mul(g, g, p_g)
    sub(one, p_g, p_g)  # 1 - g^2
    mul(p_g, g5[:, H : 2 * H], k4)
    np.copyto(k[:, 5 * H :], g5[:, 2 * H : 3 * H])


class _Workspace(threading.local):
    """Scratch arrays kept between calls, one set per thread.

    The backward pass needs buffers the size of the incoming gradient of all
    steps and of a chunk's gates. Fresh memory of that size costs the operating
    system a page fault per 4 KiB on first touch, which is a sizeable part of
    the whole pass; reusing the same buffers avoids it. Nothing in the workspace outlives the call that
    fills it: results are always fresh arrays.
    """

    limit = 1 << 28  # bytes; larger buffers are allocated per call and not kept

    def __init__(self):
        self.arrays = {}

    def get(self, name, shape, dt):
        n = math.prod(shape)
        if n * dt.itemsize > self.limit:
            return np.empty(shape, dt)
        a = self.arrays.get((name, dt))
        if a is None or a.size < n:
            a = self.arrays[(name, dt)] = np.empty(n, dt)
        return a[:n].reshape(shape)


_workspace = _Workspace()


def lstm_backward(dhs, cache: FastLSTMCache, dh_n=None, dc_n=None):
    """``lstm_lib.numpy.lstm_backward``, fast: the same arguments and results.

    dhs (B, T, H) or None, the ``FastLSTMCache`` of this module's ``lstm_forward``,
    dh_n and dc_n (B, H) or None; returns dx (B, T, D), dh0, dc0 (B, H) and grads.
    """
    dhs, dh_n, dc_n = check_lstm_backward(dhs, cache, dh_n, dc_n, FastLSTMCache)
    return _backward(dhs, cache, dh_n, dc_n)


def masked_lstm_backward(dhs, cache: FastLSTMCache, dh_n=None, dc_n=None):
    """``lstm_lib.numpy.masked_lstm_backward``, fast: the same arguments and results.

    dhs (B, T, H) or None (its values at padded steps are not used), the
    ``FastLSTMCache`` of ``masked_lstm_forward``, dh_n and dc_n (B, H) or None;
    returns dx (B, T, D), zero at padded steps, dh0, dc0 (B, H) and grads.
    """
    dhs, dh_n, dc_n = check_lstm_backward(dhs, cache, dh_n, dc_n, FastLSTMCache, "masked_lstm_forward")
    return _backward(dhs, cache, dh_n, dc_n)


def _backward(dhs, cache, dh_n, dc_n):
    """The backward pass on checked arguments (a padded step's mask is in the cache)."""
    B, T, D, H = cache.shape
    dt = cache.dtype
    H4, H5 = 4 * H, 5 * H
    add, mul = np.add, np.multiply
    dH = _workspace.get("dH", (T, H, B), dt)
    # Transposed 16 sequences at a time: NumPy then reads each sequence's
    # values in order, which measured two to three times faster than one copy.
    for b in range(0, B, 16):
        np.copyto(dH[:, :, b : b + 16], dhs[b : b + 16].transpose(1, 2, 0))
    # Padding: per step, the mask and 1 - mask as (H, B) arrays, and whether the step has any padding.
    if cache.mask is not None and not cache.mask.all():
        keep, drop, padded = _padding(cache.mask, H)
        mul(dH, keep, dH)  # an output at a padded step is zero whatever the cell computed: its gradient is not used
    else:
        padded = [False] * T
    # dh_prev: the gradient with respect to h_{t-1} through step t (W_hh.T da_t);
    # before the last step, the gradient from beyond the sequence, dh_n.
    dh_prev = dh_n.T.copy()
    dh = np.empty((H, B), dt)  # the gradient with respect to h_t, from the output at t and from step t + 1
    dc = np.empty((H, B), dt)  # the gradient with respect to c_t
    # The steps go backwards in chunks of n; each chunk's factors are computed
    # at once, and after its time loop, its share of dx and of the weight
    # gradient as one product each, while its da is still in cache.
    n = _chunk(T, B * 6 * H * dt.itemsize)
    k = _workspace.get("k", (n, 6, H, B), dt)
    p = _workspace.get("p", (n, 3 * H, B), dt)
    # da[j] for step t0 + j of the chunk: a scratch block (dh k0), then da_o,
    # da_i, da_f, da_g, and last dc_prev, the gradient with respect to c_{t-1}.
    # The slot after the chunk's last step holds dc_prev of the step after it.
    da = _workspace.get("da", (n + 1, 6, H, B), dt)
    k_2, k_4, da_2, da_4, da_m, dc_prev = k[:, :2], k[:, 2:], da[:, :2], da[:, 2:], da[:, 0], da[:, 5]
    da_gates = da.reshape(n + 1, 6 * H, B)[:, H:H5]
    carried = dc_n.T
    w, xh = cache.weight, cache.xh
    hs = xh[1:, 1 + D :]  # (T, H, B)
    w_x = np.ascontiguousarray(w[:, 1 : 1 + D].T)
    dw, dw_chunk = np.empty((H4, 1 + D + H), dt), np.empty((H4, 1 + D + H), dt)  # the first chunk writes dw
    dxs = np.empty((D, T, B), dt)
    mm, products = _step_products(w[:, 1 + D :].T, da_gates, dh_prev)  # dh_prev = W_hh.T @ da_t
    one = np.array(1.0, dt)
    # At a padded step, the shares of dh and dc that pass by the cell to step t - 1.
    dh_passed, dc_passed = np.empty((H, B), dt), np.empty((H, B), dt)
    for t1 in range(T, 0, -n):
        t0 = max(0, t1 - n)
        m = t1 - t0
        np.copyto(dc_prev[m], carried)
        _backward_factors(cache.buf[t0:t1], cache.tanh_cs[t0:t1], hs[t0:t1], k[:m].reshape(m, 6 * H, B), p[:m], one)
        back = slice(m - 1, None, -1)  # slots m - 1 down to 0: steps t1 - 1 down to t0
        if any(padded[t0:t1]):
            pads = zip(keep[t0:t1][::-1], drop[t0:t1][::-1], padded[t0:t1][::-1], strict=True)
        else:
            pads = itertools.repeat((None, None, False), m)
        steps = zip(
            dH[t1 - 1 : t0 - 1 if t0 else None : -1],
            k_2[back],
            k_4[back],
            da_2[back],
            da_m[back],
            dc_prev[m:0:-1],
            da_4[back],
            dc_prev[back],
            *_each_step(products, back, m),
            pads,
            strict=True,
        )
        for dh_out, kk2, kk4, d2, dm, dc_next, d4, dcp, left, right, out, (keep_t, drop_t, padded_t) in steps:
            add(dh_out, dh_prev, dh)
            if padded_t:  # where step t is padding, dh passes by the cell (dh_out is 0 there) and none enters it
                mul(dh, drop_t, dh_passed)
                mul(dh, keep_t, dh)
            mul(kk2, dh, d2)  # [dh k0; da_o]
            add(dc_next, dm, dc)  # dc: from step t + 1 and through h = o tanh(c)
            if padded_t:  # and so does dc
                mul(dc, drop_t, dc_passed)
                mul(dc, keep_t, dc)
            mul(kk4, dc, d4)  # [da_i; da_f; da_g; dc_prev]
            mm(left, right, out)  # dh_prev = W_hh.T @ da_t, for step t - 1
            if padded_t:  # da = 0 where step t is padding: there dh_prev and dc_prev are what passed by
                add(dh_prev, dh_passed, dh_prev)
                add(dcp, dc_passed, dcp)
        carried = dc_prev[0]
        # The chunk's steps side by side, column (t - t0) * B + b for step t, sequence b.
        da_cols = _steps_as_columns("da_cols", da_gates[:m])  # (4H, m B)
        xh_cols = _steps_as_columns("xh_cols", xh[t0:t1])  # (1+D+H, m B)
        np.matmul(w_x, da_cols, dxs[:, t0:t1].reshape(D, m * B))  # dx = W_ih.T @ da
        if t1 == T:
            np.matmul(da_cols, xh_cols.T, dw)
        else:
            np.matmul(da_cols, xh_cols.T, dw_chunk)
            add(dw, dw_chunk, dw)
    dw = to_fast_gate_order(dw, H, back=True)
    grads = {
        "weight_ih": np.ascontiguousarray(dw[:, 1 : 1 + D]),
        "weight_hh": np.ascontiguousarray(dw[:, 1 + D :]),
        "bias_ih": dw[:, 0].copy(),
        "bias_hh": dw[:, 0].copy(),
    }
    return np.ascontiguousarray(dxs.transpose(2, 1, 0)), dh_prev.T.copy(), carried.T.copy(), grads


class FastBiLSTMCache(NamedTuple):
    """The two directions' ``FastLSTMCache``; the backward one saw time reversed."""

    forward: FastLSTMCache
    backward: FastLSTMCache


def bilstm_forward(x, mask, params_fwd, params_bwd, h0=None, c0=None):
    """``lstm_lib.numpy.bilstm_forward``, fast: the same arguments and results.

    x (B, T, D), mask (B, T) or None, the two directions' parameters, h0 and c0
    (2, B, H) or None; returns hs (B, T, 2H) (forward direction, then backward),
    (h_n, c_n) (2, B, H) each, and a ``FastBiLSTMCache`` for ``bilstm_backward``.
    """
    x = as_float_array("x", x)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, T, D) (3 dimensions), got shape {x.shape}")
    H = check_direction_params(params_fwd, params_bwd)
    mask = check_mask(mask, x.shape[0], x.shape[1], x.dtype)
    h0f, h0b = split_directions("h0", h0, x.shape[0], H)
    c0f, c0b = split_directions("c0", c0, x.shape[0], H)

    hs_f, (h_f, c_f), cache_f = masked_lstm_forward(x, mask, h0f, c0f, params_fwd)
    # The backward direction reads time reversed; its outputs are reversed back into place.
    hs_b, (h_b, c_b), cache_b = masked_lstm_forward(x[:, ::-1], mask[:, ::-1], h0b, c0b, params_bwd)
    hs = np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)
    return hs, (np.stack([h_f, h_b]), np.stack([c_f, c_b])), FastBiLSTMCache(cache_f, cache_b)


def bilstm_backward(dhs, cache: FastBiLSTMCache, dh_n=None, dc_n=None):
    """``lstm_lib.numpy.bilstm_backward``, fast: the same arguments and results.

    dhs (B, T, 2H) or None, the ``FastBiLSTMCache`` of this module's
    ``bilstm_forward``, dh_n and dc_n (2, B, H) or None; returns dx (B, T, D),
    dh0 and dc0 (2, B, H), and (grads_fwd, grads_bwd).
    """
    cache = as_cache(cache, FastBiLSTMCache, "bilstm_forward")
    B, T, _, H = cache.forward.shape
    if dhs is not None:
        dhs = as_float_array("dhs", dhs)
        check_shape("dhs", dhs, ("B", "T", "2H"), {"B": B, "T": T, "2H": 2 * H})
    dh_f, dh_b = split_directions("dh_n", dh_n, B, H)
    dc_f, dc_b = split_directions("dc_n", dc_n, B, H)

    dx_f, dh0_f, dc0_f, grads_f = masked_lstm_backward(None if dhs is None else dhs[..., :H], cache.forward, dh_f, dc_f)
    dx_b, dh0_b, dc0_b, grads_b = masked_lstm_backward(
        None if dhs is None else dhs[:, ::-1, H:], cache.backward, dh_b, dc_b
    )
    dx = dx_f
    dx += dx_b[:, ::-1]
    return dx, np.stack([dh0_f, dh0_b]), np.stack([dc0_f, dc0_b]), (grads_f, grads_b)


def _steps_as_columns(name, a):
    """The steps of ``a`` (T, R, B) side by side: an (R, T * B) matrix, column t * B + b for step t, sequence b.

    With one sequence that is a view; otherwise a copy into the workspace.
    """
    T, R, B = a.shape
    if B == 1:
        return a[:, :, 0].T
    cols = _workspace.get(name, (R, T, B), a.dtype)
    np.copyto(cols, a.transpose(1, 0, 2))
    return cols.reshape(R, T * B)
