r"""An LSTM layer over a whole sequence, forward and backward (backpropagation through time).

The equations are those of ``lstm_cell_forward``, applied at t = 0 .. T-1 with
``h_{t-1}, c_{t-1}`` carried from one step to the next. The code is arranged
for speed, which on a CPU means few NumPy calls per step, on memory that is
still in cache, and large matrix products.

* Each step's gates come from one matrix product, a_t = [1, x_t, h_{t-1}] W^T
  with W = [b_ih + b_hh, W_ih, W_hh], (4H, 1+D+H): the 1 brings in the bias.
  The buffer that holds [1, x_t, h_{t-1}] for every step also gives the
  weight gradients of all steps as one matrix product in the backward pass.
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
  is left with five calls per step.

Sequences are batch-first at the interface: x (B, T, D), hidden states
(B, T, H). Internal buffers are time-major, (T, B, ...).
"""

from __future__ import annotations

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
    scratch = np.empty((B, H4), dt)
    scratch_g = scratch[:, H3:]
    pair = np.empty((B, H2), dt)
    ig, fc = pair[:, :H], pair[:, H:]
    mm = np.dot if B == 1 else np.matmul  # np.dot has less overhead, but wants a contiguous out
    with np.errstate(over="ignore"):  # exp(-a) = inf for a << 0 gives sigma = 0, as it should
        # zip hands out each step's views faster than indexing by t would.
        for x_t, a, s, ifg, g_cp, c, tc, o, h in zip(
            xh[:T], gates[:T], sig[:T], if_[:T], gc[:T], c_[1:], tanh_cs, o_[:T], h_[1:], strict=True
        ):
            if few_calls:
                mm(x_t, w, out=a)
                np.tanh(a, out=a)
                np.multiply(s, 0.5, out=s)
                np.add(s, 0.5, out=s)
            else:  # on a contiguous scratch row, which NumPy runs through faster than a strided one
                np.matmul(x_t, w, out=scratch)
                np.exp(scratch, out=scratch)
                np.add(scratch, 1.0, out=scratch)
                np.divide(1.0, scratch, out=scratch)
                np.multiply(scratch_g, 2.0, out=scratch_g)
                np.subtract(scratch_g, 1.0, out=scratch_g)
                np.copyto(a, scratch)
            # c = f * c_prev + i * g, with [i, f] * [g, c_prev] in one call.
            np.multiply(ifg, g_cp, out=pair)
            np.add(ig, fc, out=c)
            np.tanh(c, out=tc)
            np.multiply(o, tc, out=h)

    out = np.ascontiguousarray(h_[1:].transpose(1, 0, 2))
    cache = LSTMCache(xh, buf, tanh_cs, weight)
    return out, (h_[T].copy(), c_[T].copy()), cache


def _backward_factors(buf5, tanh_cs, k, y, p):
    """The factors of the backward pass that do not depend on the incoming gradient.

    For a chunk of steps, with the blocks o, i, f, g, c_prev of ``buf5`` along
    axis 2, fill the six blocks of ``k``:
        k[:, :, 0] = o (1 - tanh(c)^2)      (times dh: what h = o tanh(c) adds to dc)
        k[:, :, 1] = sigma'(a_o) tanh(c)    (times dh gives da_o)
        k[:, :, 2] = sigma'(a_i) g          (times dc gives da_i)
        k[:, :, 3] = sigma'(a_f) c_prev     (times dc gives da_f)
        k[:, :, 4] = tanh'(a_g) i           (times dc gives da_g)
        k[:, :, 5] = f                      (times dc gives dc_prev)
    with sigma' = s (1 - s) and tanh' = 1 - g^2 written in terms of the activations.
    ``y`` and ``p`` are contiguous scratch buffers shaped like the four gate
    blocks: NumPy is about twice as fast on them as on strided views.
    """
    np.copyto(y, buf5[:, :, :4])  # o, i, f, g
    kg = k[:, :, 1:5]
    np.square(y, out=p)
    np.subtract(y, p, out=p)  # s - s^2, right for o, i, f
    np.subtract(1.0, np.square(y[:, :, 3], out=p[:, :, 3]), out=p[:, :, 3])  # 1 - g^2
    np.multiply(p[:, :, 0], tanh_cs, out=kg[:, :, 0])
    np.multiply(p[:, :, 1:3], buf5[:, :, 3:5], out=kg[:, :, 1:3])  # [i, f] factors times [g, c_prev]
    np.multiply(p[:, :, 3], y[:, :, 1], out=kg[:, :, 3])
    np.copyto(k[:, :, 5], y[:, :, 2])
    m = k[:, :, 0]
    np.square(tanh_cs, out=m)
    np.subtract(1.0, m, out=m)
    np.multiply(m, y[:, :, 0], out=m)


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
    H4, K = 4 * H, 1 + D + H
    dH = np.zeros((T, B, H), dt)
    if dhs is not None:
        dhs = as_float_array("dhs", dhs)
        check_shape("dhs", dhs, ("B", "T", "H"), {"B": B, "T": T, "H": H})
        dH[...] = dhs.transpose(1, 0, 2)

    buf5 = cache.buf.reshape(T + 1, B, 5, H)  # blocks o, i, f, g, c_prev
    # da[t] holds a scratch block (dh k0), then da_o, da_i, da_f, da_g, and last
    # dc_prev, the gradient with respect to c_{t-1}; da[T] carries dc_n there.
    da = np.empty((T + 1, B, 6, H), dt)
    da[T, :, 5] = 0.0 if dc_n is None else _initial_state("dc_n", dc_n, B, H, dt)
    da_m, da_2, da_4, dc_prev = da[:, :, 0], da[:, :, :2], da[:, :, 2:], da[:, :, 5]
    da_gates = da.reshape(T + 1, B, 6 * H)[:T, :, H : 5 * H]
    # dxh[t] = d(loss)/d[1, x_t, h_{t-1}] = da_t @ weight; dxh[T] carries dh_n.
    dxh = np.empty((T + 1, B, K), dt)
    dh_prev = dxh[:, :, 1 + D :]
    dh_prev[T] = 0.0 if dh_n is None else _initial_state("dh_n", dh_n, B, H, dt)
    dH_ = dH[:, :, None, :]
    dc = np.empty((B, H), dt)  # the gradient with respect to c_t, at step t
    dc_ = dc[:, None, :]
    step = _chunk(T, B * 6 * H * dt.itemsize)
    k = np.empty((step, B, 6, H), dt)
    y, p = np.empty((step, B, 4, H), dt), np.empty((step, B, 4, H), dt)
    k_2, k_4 = k[:, :, :2], k[:, :, 2:]
    w = cache.weight
    mm = np.dot if B == 1 else np.matmul
    for t1 in range(T, 0, -step):
        t0 = max(0, t1 - step)
        n = t1 - t0
        _backward_factors(buf5[t0:t1], cache.tanh_cs[t0:t1], k[:n], y[:n], p[:n])
        back = slice(t1 - 1, t0 - 1 if t0 else None, -1)  # steps t1 - 1 down to t0
        for dh, dh_next, kk2, kk4, dh_b, d2, dm, dc_next, d4, dg, dxh_t in zip(
            dH[back], dh_prev[t1:t0:-1], k_2[n - 1 :: -1], k_4[n - 1 :: -1], dH_[back], da_2[back],
            da_m[back], dc_prev[t1:t0:-1], da_4[back], da_gates[back], dxh[back], strict=True
        ):
            np.add(dh, dh_next, out=dh)  # dh: from the output at t and from step t + 1
            np.multiply(kk2, dh_b, out=d2)  # [dh k0, da_o]
            np.add(dc_next, dm, out=dc)  # dc: from step t + 1 and through h = o tanh(c)
            np.multiply(kk4, dc_, out=d4)  # [da_i, da_f, da_g, dc_prev]
            mm(dg, w, out=dxh_t)  # [d1, dx_t, dh_prev]

    # All steps' weight gradients in one product: da^T @ [1, x, h_prev] = [db, dW_ih, dW_hh].
    dw = _from_internal(da_gates.reshape(T * B, H4).T @ cache.xh[:T].reshape(T * B, K), H)
    grads = {
        "weight_ih": np.ascontiguousarray(dw[:, 1 : 1 + D]),
        "weight_hh": np.ascontiguousarray(dw[:, 1 + D :]),
        "bias_ih": dw[:, 0].copy(),
        "bias_hh": dw[:, 0].copy(),
    }
    dx = np.ascontiguousarray(dxh[:T, :, 1 : 1 + D].transpose(1, 0, 2))
    return dx, dh_prev[0].copy(), dc_prev[0].copy(), grads
