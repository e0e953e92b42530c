r"""An LSTM layer over a whole sequence, forward and backward (backpropagation through time).

The equations are those of ``lstm_cell_forward``, applied at t = 0 .. T-1 with
``h_{t-1}, c_{t-1}`` carried from one step to the next. The code is arranged
for speed, which on a CPU means few NumPy calls per step, on memory that is
still in cache, and large matrix products.

* Each step's gates come from one matrix product, a_t = [1, x_t, h_{t-1}] W^T
  with W = [b_ih + b_hh, W_ih, W_hh], (4H, 1+D+H): the 1 brings in the bias.
  The buffer that holds [1, x_t, h_{t-1}] for every step also gives the
  weight gradients of all steps as one matrix product in the backward pass.
  (Computing x_t W_ih^T for all steps first, as one product, was measured
  slower: the T * B * 4H results leave the cache before their step reads
  them, and each step needs one more call to add them.)
* Internally the gate blocks are reordered from i, f, g, o to o, i, f, g, so
  that the three sigmoid gates are contiguous and the three blocks that the
  backward pass multiplies by dc (i, f, g) are contiguous too. The cell state
  c_{t-1} is stored right after g, so that one multiplication forms both
  i * g and f * c_{t-1}.
* The nonlinearities of all four gates come from one call, by scaling weight
  rows by powers of two (exact in floating point): with many units,
  sigma(a) = 1 / (1 + exp(-a)) and tanh(a) = 2 sigma(2a) - 1 (one exp); with
  few, where each NumPy call costs more than its arithmetic,
  sigma(a) = (1 + tanh(a / 2)) / 2 (one tanh, fewer calls).
* The backward pass computes every factor that does not depend on the
  incoming gradient for a chunk of steps at once, so that the loop over time
  is left with five calls per step, the product with W_hh among them. The
  weight gradients and dx of all steps then come from one matrix product each.
  Its large scratch buffer is kept between calls (``_Workspace``): fresh
  memory would cost a page fault per 4 KiB on first touch.
* Constants are 0-d arrays and outputs are passed by position: at B = 1 a
  step is a dozen NumPy calls, and converting a Python float costs more than
  the arithmetic.

Sequences are batch-first at the interface: x (B, T, D), hidden states
(B, T, H). Internal buffers are time-major, (T, B, ...).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from ._checks import as_float_array, check_lstm_params, check_shape, result_dtype


def _to_internal(w, H):
    """Reorder the 4H gate blocks of ``w`` from i, f, g, o to o, i, f, g."""
    return np.concatenate([w[3 * H :], w[: 3 * H]])


def _from_internal(w, H):
    """Reorder the 4H gate blocks of ``w`` from o, i, f, g back to i, f, g, o."""
    return np.concatenate([w[H:], w[:H]])


# Work on chunks of steps whose buffers are about this size, so that what one
# vectorised call writes is still in cache when the time loop reads it.
_CHUNK_BYTES = 1 << 18
# Below this many hidden units in the batch (B * H), a step costs what its NumPy
# calls cost, not what their arithmetic costs, and the activation with fewer
# calls wins (see lstm_forward).
_FEW_CALLS_BELOW = 512


def _chunk(T, bytes_per_step):
    return max(1, min(T, _CHUNK_BYTES // max(1, bytes_per_step)))


@dataclass
class LSTMCache:
    """What ``lstm_backward`` needs; the properties give batch-first views in the book's notation.

    Fields (time-major):
        xh: (T+1, B, 1+D+H). Row t is [1, x_t, h_{t-1}]: what step t multiplies
            by its weights (the 1 brings in the bias). Row T holds h_{T-1}.
        buf: (T+1, B, 5H). Row t holds, in blocks of H, the gate activations
            o, i, f, g of step t and the cell state c_{t-1} (row T holds c_{T-1}
            only). Keeping c_{t-1} beside g lets one multiplication form both
            i * g and f * c_{t-1}.
        tanh_cs: tanh(c_t), (T, B, H).
        weight: (4H, 1+D+H), the rows [b_ih + b_hh, W_ih, W_hh] of each gate,
            gates in the internal order o, i, f, g.
    """

    xh: np.ndarray
    buf: np.ndarray
    tanh_cs: np.ndarray
    weight: np.ndarray

    @property
    def shape(self):
        """(B, T, D, H)."""
        T, B, H = self.tanh_cs.shape
        return B, T, self.xh.shape[2] - 1 - H, H

    def _block(self, k):
        T, B, H = self.tanh_cs.shape
        return self.buf[:T].reshape(T, B, 5, H)[:, :, k].transpose(1, 0, 2)

    # Batch-first (B, T, ...) views.
    o = property(lambda self: self._block(0), doc="output gate, (B, T, H)")
    i = property(lambda self: self._block(1), doc="input gate, (B, T, H)")
    f = property(lambda self: self._block(2), doc="forget gate, (B, T, H)")
    g = property(lambda self: self._block(3), doc="candidate values, (B, T, H)")
    x = property(lambda self: self.xh[:-1, :, 1 : 1 + self.shape[2]].transpose(1, 0, 2), doc="inputs, (B, T, D)")
    h = property(lambda self: self.xh[1:, :, 1 + self.shape[2] :].transpose(1, 0, 2), doc="hidden states, (B, T, H)")
    c = property(lambda self: self.buf[1:, :, 4 * self.shape[3] :].transpose(1, 0, 2), doc="cell states, (B, T, H)")


def _initial_state(name, a, B, H, dt):
    if a is None:
        return np.zeros((B, H), dt)
    a = as_float_array(name, a)
    check_shape(name, a, ("B", "H"), {"B": B, "H": H})
    return a


def lstm_forward(x, h0, c0, params):
    """Run one LSTM layer over a batch of sequences.

    Args:
        x: inputs, (B, T, D), batch-first.
        h0: initial hidden state, (B, H), or None for zeros.
        c0: initial cell state, (B, H), or None for zeros.
        params: dict with ``weight_ih`` (4H, D), ``weight_hh`` (4H, H),
            ``bias_ih`` (4H,), ``bias_hh`` (4H,), gate order i, f, g, o.

    Returns:
        hs: hidden states of every step, (B, T, H).
        (h_n, c_n): the last hidden and cell state, each (B, H).
        cache: an ``LSTMCache`` for ``lstm_backward``.
    """
    D, H, p = check_lstm_params(params)
    x = as_float_array("x", x)
    sizes = {"D": D, "H": H}
    check_shape("x", x, ("B", "T", "D"), sizes)
    B, T = sizes["B"], sizes["T"]
    if T == 0 or B == 0:
        raise ValueError(f"x must have at least one sequence and one step, got shape {x.shape}")
    h0 = _initial_state("h0", h0, B, H, x.dtype)
    c0 = _initial_state("c0", c0, B, H, x.dtype)
    dt = result_dtype(x, h0, c0, *p.values())
    H2, H3, H4, K = 2 * H, 3 * H, 4 * H, 1 + D + H

    # One weight matrix for [1, x_t, h_{t-1}]: a = [1, x_t, h_{t-1}] @ weight.T
    weight = _to_internal(
        np.concatenate([(p["bias_ih"] + p["bias_hh"])[:, None], p["weight_ih"], p["weight_hh"]], axis=1),
        H,
    ).astype(dt, copy=False)
    # Two ways to the activations, chosen by size; both scale the weight rows
    # by powers of two, which is exact in floating point.
    #   many units: one exp for all gates. sigma(a) = 1 / (1 + exp(-a)) and
    #     tanh(a) = 2 sigma(2a) - 1, so rows are scaled by -1 (o, i, f) and -2 (g).
    #   few units: one tanh for all gates. sigma(a) = (1 + tanh(a / 2)) / 2, so
    #     rows are scaled by 1/2 (o, i, f) and 1 (g); fewer NumPy calls per step.
    few_calls = B * H < _FEW_CALLS_BELOW
    scale = np.full((H4, 1), 0.5 if few_calls else -1.0, dt)
    scale[H3:] = 1.0 if few_calls else -2.0
    w = np.ascontiguousarray((weight * scale).T)  # (1+D+H, 4H)

    xh = np.empty((T + 1, B, K), dt)
    xh[:, :, 0] = 1.0
    xh[:T, :, 1 : 1 + D] = x.transpose(1, 0, 2)
    xh[T, :, 1 : 1 + D] = 0.0
    xh[0, :, 1 + D :] = h0
    buf = np.empty((T + 1, B, 5 * H), dt)  # per step: o, i, f, g, c_prev
    buf[0, :, H4:] = c0
    tanh_cs = np.empty((T, B, H), dt)
    # Views over all steps, made once; the loop takes each step's row of them.
    h_ = xh[:, :, 1 + D :]
    gates, sig, o_, if_, gc, c_ = (
        buf[:, :, :H4], buf[:, :, :H3], buf[:, :, :H], buf[:, :, H:H3], buf[:, :, H3:], buf[:, :, H4:]
    )
    pair = np.empty((B, H2), dt)
    ig, fc = pair[:, :H], pair[:, H:]
    # Constants as 0-d arrays: NumPy converts a Python float on every call.
    one, two, half = (np.array(v, dt) for v in (1.0, 2.0, 0.5))
    rec = np.empty((B, H4), dt)  # scratch for a step's gates: NumPy runs through it faster than the gate rows
    rec_g = rec[:, H3:]
    mm = np.dot if B == 1 else np.matmul  # np.dot has less overhead, but wants a contiguous out
    exp, tanh, add, sub, mul, div = np.exp, np.tanh, np.add, np.subtract, np.multiply, np.divide
    with np.errstate(over="ignore"):  # exp(-a) = inf for a << 0 gives sigma = 0, as it should
        # zip hands out each step's views faster than indexing by t would.
        steps = zip(xh[:T], gates[:T], sig[:T], if_[:T], gc[:T], c_[1:], tanh_cs, o_[:T], h_[1:], strict=True)
        for xh_t, a, s, ifg, g_cp, c, tc, o, h in steps:
            if few_calls:  # sigma(a) = (1 + tanh(a / 2)) / 2; the rows were scaled by 1/2
                mm(xh_t, w, a)
                tanh(a, a)
                mul(s, half, s)
                add(s, half, s)
            else:  # sigma(a) = 1 / (1 + exp(-a)), tanh(a) = 2 sigma(2a) - 1; rows scaled by -1, -2
                mm(xh_t, w, rec)
                exp(rec, rec)
                add(rec, one, rec)
                div(one, rec, rec)
                mul(rec_g, two, rec_g)
                sub(rec_g, one, rec_g)
                np.copyto(a, rec)
            # c = f * c_prev + i * g, with [i, f] * [g, c_prev] in one call.
            mul(ifg, g_cp, pair)
            add(ig, fc, c)
            tanh(c, tc)
            mul(o, tc, h)

    out = np.ascontiguousarray(h_[1:].transpose(1, 0, 2))
    cache = LSTMCache(xh, buf, tanh_cs, weight)
    return out, (h_[T].copy(), c_[T].copy()), cache


def _backward_factors(g5, tanh_cs, k, p, one):
    """The factors of the backward pass that do not depend on the incoming gradient.

    For a chunk of steps, as rows: ``g5`` (R, 5H) holds the blocks o, i, f, g,
    c_prev of each row, ``tanh_cs`` (R, H) holds tanh(c). Fill the six blocks of
    ``k`` (R, 6H):
        k0 = o (1 - tanh(c)^2)      (times dh: what h = o tanh(c) adds to dc)
        k1 = sigma'(a_o) tanh(c)    (times dh gives da_o)
        k2 = sigma'(a_i) g          (times dc gives da_i)
        k3 = sigma'(a_f) c_prev     (times dc gives da_f)
        k4 = tanh'(a_g) i           (times dc gives da_g)
        k5 = f                      (times dc gives dc_prev)
    with sigma' = s (1 - s) and tanh' = 1 - g^2 written in terms of the
    activations. ``p`` (R, 4H) is scratch.
    """
    H = tanh_cs.shape[1]
    mul, sub = np.multiply, np.subtract
    y = g5[:, : 4 * H]
    mul(y, y, p)
    sub(y, p, p)  # s - s^2: right for o, i, f
    pg, yg = p[:, 3 * H :], g5[:, 3 * H : 4 * H]
    mul(yg, yg, pg)
    sub(one, pg, pg)  # 1 - g^2
    mul(p[:, :H], tanh_cs, k[:, H : 2 * H])
    mul(p[:, H : 3 * H], g5[:, 3 * H :], k[:, 2 * H : 4 * H])  # [i, f] factors times [g, c_prev]
    mul(pg, g5[:, H : 2 * H], k[:, 4 * H : 5 * H])
    np.copyto(k[:, 5 * H :], g5[:, 2 * H : 3 * H])
    m = k[:, :H]
    mul(tanh_cs, tanh_cs, m)
    sub(one, m, m)
    mul(m, g5[:, :H], m)


class _Workspace(threading.local):
    """Scratch arrays kept between calls, one set per thread.

    The backward pass needs a buffer the size of all the gates of all steps.
    Fresh memory of that size costs the operating system a page fault per 4 KiB
    on first touch, which is a sizeable part of the whole pass; reusing the
    same buffer avoids it. Nothing in the workspace outlives the call that
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


def lstm_backward(dhs, cache: LSTMCache, dh_n=None, dc_n=None):
    """Backpropagation through time for one LSTM layer.

    Args:
        dhs: gradient of the loss with respect to every hidden state, (B, T, H)
            (None means zero, e.g. when only h_n feeds the loss).
        cache: from ``lstm_forward``.
        dh_n: gradient with respect to the last hidden state, (B, H), or None.
        dc_n: gradient with respect to the last cell state, (B, H), or None.

    Returns:
        dx (B, T, D), dh0 (B, H), dc0 (B, H), and grads: a dict with keys
        ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.
    """
    if not isinstance(cache, LSTMCache):
        raise ValueError(f"cache must be the LSTMCache returned by lstm_forward, got {type(cache).__name__}")
    B, T, D, H = cache.shape
    dt = cache.buf.dtype
    H4, H5, K = 4 * H, 5 * H, 1 + D + H
    if dhs is None:
        dH = np.broadcast_to(np.zeros((B, H), dt), (T, B, H))
    else:
        dhs = as_float_array("dhs", dhs)
        check_shape("dhs", dhs, ("B", "T", "H"), {"B": B, "T": T, "H": H})
        dH = dhs.astype(dt, copy=False).transpose(1, 0, 2)  # time-major view, (T, B, H)
    # dh: the gradient with respect to h_t, from the output at t and from step
    # t + 1; dh_next holds the part from step t + 1 (at the end, dh0).
    dh, dh_next = np.empty((B, H), dt), np.zeros((B, H), dt)
    if dh_n is not None:
        dh_next[...] = _initial_state("dh_n", dh_n, B, H, dt)
    dc = np.empty((B, H), dt)  # the gradient with respect to c_t, at step t
    # da[t] holds a scratch block (dh k0), then da_o, da_i, da_f, da_g, and last
    # dc_prev, the gradient with respect to c_{t-1}; da[T] carries dc_n there.
    da = _workspace.get("da", (T + 1, B, 6, H), dt)
    da[T, :, 5] = 0.0 if dc_n is None else _initial_state("dc_n", dc_n, B, H, dt)
    da_m, da_2, da_4, dc_prev = da[:, :, 0], da[:, :, :2], da[:, :, 2:], da[:, :, 5]
    da_gates = da.reshape(T + 1, B, 6 * H)[:, :, H:H5]
    step = _chunk(T, B * 6 * H * dt.itemsize)
    k = _workspace.get("k", (step, B, 6, H), dt)
    p = _workspace.get("p", (step * B, H4), dt)
    k_2, k_4 = k[:, :, :2], k[:, :, 2:]
    g5 = cache.buf.reshape((T + 1) * B, H5)
    tcs = cache.tanh_cs.reshape(T * B, H)
    w = cache.weight
    w_h = np.ascontiguousarray(w[:, 1 + D :])  # (4H, H): da_t @ w_h is the gradient with respect to h_{t-1}
    one = np.array(1.0, dt)
    add, mul = np.add, np.multiply
    dh_b, dc_b = dh[:, None, :], dc[:, None, :]  # each multiplies blocks side by side
    mm = np.dot if B == 1 else np.matmul
    for t1 in range(T, 0, -step):
        t0 = max(0, t1 - step)
        n = t1 - t0
        _backward_factors(g5[t0 * B : t1 * B], tcs[t0 * B : t1 * B], k[:n].reshape(n * B, 6 * H), p[: n * B], one)
        back = slice(t1 - 1, t0 - 1 if t0 else None, -1)  # steps t1 - 1 down to t0
        for dh_out, kk2, kk4, d2, dm, dc_next, d4, dg in zip(
            dH[back], k_2[n - 1 :: -1], k_4[n - 1 :: -1], da_2[back], da_m[back], dc_prev[t1:t0:-1], da_4[back],
            da_gates[back], strict=True
        ):
            add(dh_out, dh_next, dh)
            mul(kk2, dh_b, d2)  # [dh k0, da_o]
            add(dc_next, dm, dc)  # dc: from step t + 1 and through h = o tanh(c)
            mul(kk4, dc_b, d4)  # [da_i, da_f, da_g, dc_prev]
            mm(dg, w_h, dh_next)

    # All steps at once: da^T @ [1, x, h_prev] = [db, dW_ih, dW_hh], and dx = da @ W_ih.
    da_all = da_gates[:T].reshape(T * B, H4)
    dw = _from_internal(da_all.T @ cache.xh[:T].reshape(T * B, K), H)
    dx = (da_all @ w[:, 1 : 1 + D]).reshape(T, B, D)
    grads = {
        "weight_ih": np.ascontiguousarray(dw[:, 1 : 1 + D]),
        "weight_hh": np.ascontiguousarray(dw[:, 1 + D :]),
        "bias_ih": dw[:, 0].copy(),
        "bias_hh": dw[:, 0].copy(),
    }
    return np.ascontiguousarray(dx.transpose(1, 0, 2)), dh_next, dc_prev[0].copy(), grads
