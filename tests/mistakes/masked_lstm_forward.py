"""Plausible mistakes in ``masked_lstm_forward``: each is the solution with one thing changed.

The notebook imports the course's ``lstm_cell_forward`` (exercise 8 gives it), the context.
"""

from . import mistake

CONTEXT = ("from lstm_lib.numpy import lstm_cell_forward",)

OK = """
def masked_lstm_forward(x, mask, h0, c0, params):
    B, T, _ = x.shape
    H = params["weight_hh"].shape[1]
    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0
    c = np.zeros((B, H), dtype=x.dtype) if c0 is None else c0
    m_all = np.ones((B, T), dtype=x.dtype) if mask is None else np.asarray(mask).astype(x.dtype)
    hs = []
    for t in range(T):
        h_step, c_step, _ = lstm_cell_forward(x[:, t], h, c, params)
        m = m_all[:, t, None]
        h = m * h_step + (1 - m) * h
        c = m * c_step + (1 - m) * c
        hs.append(m * h_step)
    return np.stack(hs, axis=1), (h, c), None
"""

H_LINE = "        h = m * h_step + (1 - m) * h\n"
C_LINE = "        c = m * c_step + (1 - m) * c\n"
OUT = "        hs.append(m * h_step)"
MASK = "np.asarray(mask).astype(x.dtype)"


def variant(*pairs) -> str:
    code = OK
    for old, new in pairs:
        assert old in code, old
        code = code.replace(old, new)
    return code


MISTAKES = [
    mistake(
        "masked_lstm_forward",
        "padding not masked",
        variant((H_LINE + C_LINE, "        h, c = h_step, c_step\n"), (OUT, "        hs.append(h_step)")),
        expect="padding is not masked",
    ),
    mistake(
        "masked_lstm_forward",
        "mask applied to the input only",
        variant(
            (
                "lstm_cell_forward(x[:, t], h, c, params)",
                "lstm_cell_forward(x[:, t] * m_all[:, t, None], h, c, params)",
            ),
            (H_LINE + C_LINE, "        h, c = h_step, c_step\n"),
            (OUT, "        hs.append(h_step)"),
        ),
        expect="applied to the input only",
    ),
    mistake(
        "masked_lstm_forward", "carried h in hs", variant((OUT, "        hs.append(h)")), expect="hs is not zeroed"
    ),
    mistake(
        "masked_lstm_forward",
        "step output in hs",
        variant((OUT, "        hs.append(h_step)")),
        expect="hs is not zeroed",
    ),
    mistake(
        "masked_lstm_forward",
        "state reset at padding",
        variant((H_LINE, "        h = m * h_step\n"), (C_LINE, "        c = m * c_step\n")),
        expect="reset to zero",
    ),
    mistake(
        "masked_lstm_forward", "c not carried", variant((C_LINE, "        c = c_step\n")), expect="c is not carried"
    ),
    mistake(
        "masked_lstm_forward", "h not carried", variant((H_LINE, "        h = h_step\n")), expect="h is not carried"
    ),
    mistake(
        "masked_lstm_forward",
        "mask inverted",
        variant(("        m = m_all[:, t, None]", "        m = 1 - m_all[:, t, None]")),
        expect="inverted",
    ),
    mistake(
        "masked_lstm_forward",
        "h_n from the last column of hs",
        variant(
            (
                "return np.stack(hs, axis=1), (h, c), None",
                "hs = np.stack(hs, axis=1)\n    return hs, (hs[:, -1], c), None",
            )
        ),
        expect="h_n is hs[:, -1]",
    ),
    mistake(
        "masked_lstm_forward",
        "mask None not handled",
        variant(("np.ones((B, T), dtype=x.dtype) if mask is None else " + MASK, "mask.astype(x.dtype)")),
        expect="mask may be None",
    ),
    mistake("masked_lstm_forward", "mask used as it is", variant((MASK, "mask")), expect="promotes to float64"),
    mistake(
        "masked_lstm_forward",
        "mask column without an axis",
        variant(("        m = m_all[:, t, None]", "        m = m_all[:, t]")),
        expect="mask[:, t, None]",
    ),
    mistake(
        "masked_lstm_forward",
        "float32 promoted by the mask",
        variant((MASK, "np.asarray(mask, dtype=float)"), ("np.ones((B, T), dtype=x.dtype)", "np.ones((B, T))")),
        expect="promotes to float64",
    ),
    mistake(
        "masked_lstm_forward",
        "stacked along axis 0",
        variant(("np.stack(hs, axis=1)", "np.stack(hs)")),
        expect="np.stack(hs, axis=1)",
    ),
    mistake(
        "masked_lstm_forward",
        "time axis is axis 0",
        variant(
            ("    for t in range(T):", "    for t in range(x.shape[0]):"),
            ("lstm_cell_forward(x[:, t], h, c, params)", "lstm_cell_forward(x[t], h, c, params)"),
        ),
        expect=("axis 1 is time", "x[:, t]"),
    ),
    mistake(
        "masked_lstm_forward",
        "padding falls back to h0",
        variant((H_LINE, "        h = m * h_step + (1 - m) * h0\n")),
        expect="h_n",
        held_out=True,
    ),
    mistake(
        "masked_lstm_forward",
        "mask read one step late",
        variant(("        m = m_all[:, t, None]", "        m = m_all[:, t - 1, None]")),
        expect=("padded", "how padded steps are handled"),
        held_out=True,
    ),
    mistake(
        "masked_lstm_forward",
        "padding keeps the cell's c and zeroes h",
        variant((H_LINE, "        h = m * h_step\n")),
        expect=("h_n", "h is not carried"),
        held_out=True,
    ),
]
