"""Plausible mistakes in ``lstm_forward``: each is the solution with one thing changed.

The notebook's given ``lstm_cell_forward`` (exercise 4 provides it) is the context.
"""

from . import mistake

CELL_GIVEN = """
def lstm_cell_forward(x, h_prev, c_prev, params):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, o = (0.5 * (1 + np.tanh(0.5 * a_)) for a_ in (a_i, a_f, a_o))
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c)
"""
CONTEXT = (CELL_GIVEN,)

OK = """
def lstm_forward(x, h0, c0, params):
    B, T, _ = x.shape
    H = params["weight_hh"].shape[1]
    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0
    c = np.zeros((B, H), dtype=x.dtype) if c0 is None else c0
    hs, caches = [], []
    for t in range(T):
        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), (h, c), caches
"""

LOOP = """        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)
        hs.append(h)"""


def variant(*pairs) -> str:
    code = OK
    for old, new in pairs:
        assert old in code, old
        code = code.replace(old, new)
    return code


MISTAKES = [
    mistake(
        "lstm_forward",
        "state not carried",
        variant(
            (
                "        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)",
                "        h_t, c_t, cache = lstm_cell_forward(x[:, t], h, c, params)",
            ),
            ("        hs.append(h)", "        hs.append(h_t)"),
            ("return np.stack(hs, axis=1), (h, c)", "return np.stack(hs, axis=1), (h_t, c_t)"),
        ),
        expect="the state is not carried",
    ),
    mistake(
        "lstm_forward",
        "h not carried",
        variant(
            (
                "        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)",
                "        h_t, c, cache = lstm_cell_forward(x[:, t], h, c, params)",
            ),
            ("        hs.append(h)", "        hs.append(h_t)"),
            ("return np.stack(hs, axis=1), (h, c)", "return np.stack(hs, axis=1), (h_t, c)"),
        ),
        expect="h is not carried",
    ),
    mistake(
        "lstm_forward",
        "c not carried",
        variant(
            (
                "        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)",
                "        h, c_t, cache = lstm_cell_forward(x[:, t], h, c, params)",
            ),
            ("return np.stack(hs, axis=1), (h, c)", "return np.stack(hs, axis=1), (h, c_t)"),
        ),
        expect="c is not carried",
    ),
    mistake(
        "lstm_forward",
        "time axis is axis 0",
        variant(
            ("    for t in range(T):", "    for t in range(x.shape[0]):"),
            ("lstm_cell_forward(x[:, t], h, c, params)", "lstm_cell_forward(x[t], h, c, params)"),
        ),
        expect=("axis 1 is time", "x[:, t]"),
    ),
    mistake(
        "lstm_forward",
        "hs holds h0",
        variant(("    hs, caches = [], []", "    hs, caches = [h], []")),
        expect="holds h0",
    ),
    mistake(
        "lstm_forward",
        "append before the step",
        variant(
            (
                LOOP,
                """        hs.append(h)
        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)""",
            )
        ),
        expect="holds h0 and misses the last step",
    ),
    mistake(
        "lstm_forward",
        "None not handled",
        variant(
            (
                "    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0\n"
                "    c = np.zeros((B, H), dtype=x.dtype) if c0 is None else c0\n",
                "    h, c = h0, c0\n",
            )
        ),
        expect="may be None",
    ),
    mistake(
        "lstm_forward",
        "float32 promoted by zeros",
        variant(
            ("np.zeros((B, H), dtype=x.dtype) if h0", "np.zeros((B, H)) if h0"),
            ("np.zeros((B, H), dtype=x.dtype) if c0", "np.zeros((B, H)) if c0"),
        ),
        expect="promotes to float64",
    ),
    mistake(
        "lstm_forward",
        "stacked along axis 0",
        variant(("np.stack(hs, axis=1)", "np.stack(hs)")),
        expect="np.stack(hs, axis=1)",
    ),
    mistake(
        "lstm_forward",
        "h_n is the first step",
        variant(("return np.stack(hs, axis=1), (h, c)", "return np.stack(hs, axis=1), (hs[0], c)")),
        expect="h_n is the first step's h",
    ),
    mistake(
        "lstm_forward",
        "c_n is h",
        variant(("return np.stack(hs, axis=1), (h, c)", "return np.stack(hs, axis=1), (h, h)")),
        expect="c_n is h_n",
    ),
    mistake(
        "lstm_forward",
        "zeros of the input size",
        variant(('    H = params["weight_hh"].shape[1]\n', "    H = x.shape[2]\n")),
        expect="h0 and c0 are (B, H)",
    ),
    mistake(
        "lstm_forward",
        "backwards in time",
        variant(("    for t in range(T):", "    for t in reversed(range(T)):")),
        expect="backwards in time",
    ),
    mistake(
        "lstm_forward",
        "state written into h0",
        variant(
            (
                "    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0\n",
                "    h = np.zeros((B, H), dtype=x.dtype) if h0 is None else h0\n    state = h\n",
            ),
            ("        hs.append(h)", "        hs.append(h)\n        state[...] = h"),
        ),
        expect="writes into h0",
        needs=("modified",),
    ),
]
