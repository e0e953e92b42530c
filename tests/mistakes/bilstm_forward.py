"""Plausible mistakes in ``bilstm_forward``: each is the solution with one thing changed.

The notebook's ``masked_lstm_forward`` (the solution's, on the course's ``lstm_cell_forward``)
is the context; while ``bilstm_forward`` is graded, the course's stands in for it.
"""

from . import mistake
from .masked_lstm_forward import CONTEXT as CELL
from .masked_lstm_forward import OK as MASKED

CONTEXT = (*CELL, MASKED)

OK = """
def bilstm_forward(x, mask, params_fwd, params_bwd):
    if mask is None:
        mask = np.ones(x.shape[:2], dtype=bool)
    hs_f, (h_f, c_f), _ = masked_lstm_forward(x, mask, None, None, params_fwd)
    hs_b, (h_b, c_b), _ = masked_lstm_forward(x[:, ::-1], mask[:, ::-1], None, None, params_bwd)
    hs = np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)
    return hs, (np.stack([h_f, h_b]), np.stack([c_f, c_b])), None
"""

BWD = "masked_lstm_forward(x[:, ::-1], mask[:, ::-1], None, None, params_bwd)"
JOIN = "np.concatenate([hs_f, hs_b[:, ::-1]], axis=-1)"
STATES = "(np.stack([h_f, h_b]), np.stack([c_f, c_b]))"


def variant(*pairs) -> str:
    code = OK
    for old, new in pairs:
        assert old in code, old
        code = code.replace(old, new)
    return code


MISTAKES = [
    mistake(
        "bilstm_forward",
        "backward outputs not reversed back",
        variant((JOIN, "np.concatenate([hs_f, hs_b], axis=-1)")),
        expect="not reversed back",
    ),
    mistake(
        "bilstm_forward",
        "backward direction without the mask",
        variant((BWD, "masked_lstm_forward(x[:, ::-1], None, None, None, params_bwd)")),
        expect="without the mask",
    ),
    mistake(
        "bilstm_forward",
        "mask not reversed",
        variant((BWD, "masked_lstm_forward(x[:, ::-1], mask, None, None, params_bwd)")),
        expect="mask is not reversed",
    ),
    mistake(
        "bilstm_forward",
        "backward reads forwards",
        variant(
            (BWD, "masked_lstm_forward(x, mask, None, None, params_bwd)"),
            (JOIN, "np.concatenate([hs_f, hs_b], axis=-1)"),
        ),
        expect="original order",
    ),
    mistake(
        "bilstm_forward",
        "backward reads forwards, outputs reversed",
        variant((BWD, "masked_lstm_forward(x, mask, None, None, params_bwd)")),
        expect="original order",
    ),
    mistake(
        "bilstm_forward",
        "batch reversed instead of time",
        variant(
            (BWD, "masked_lstm_forward(x[::-1], mask[::-1], None, None, params_bwd)"),
            (JOIN, "np.concatenate([hs_f, hs_b[::-1]], axis=-1)"),
        ),
        expect="x[:, ::-1]",
    ),
    mistake(
        "bilstm_forward",
        "halves in the wrong order",
        variant((JOIN, "np.concatenate([hs_b[:, ::-1], hs_f], axis=-1)")),
        expect="wrong order",
    ),
    mistake(
        "bilstm_forward",
        "directions in the wrong order everywhere",
        variant(
            (JOIN, "np.concatenate([hs_b[:, ::-1], hs_f], axis=-1)"),
            (STATES, "(np.stack([h_b, h_f]), np.stack([c_b, c_f]))"),
        ),
        expect="wrong order",
    ),
    mistake(
        "bilstm_forward",
        "h_n directions swapped",
        variant((STATES, "(np.stack([h_b, h_f]), np.stack([c_b, c_f]))")),
        expect="directions are swapped",
    ),
    mistake(
        "bilstm_forward",
        "same parameters both ways",
        variant((BWD, "masked_lstm_forward(x[:, ::-1], mask[:, ::-1], None, None, params_fwd)")),
        expect="both directions use params_fwd",
    ),
    mistake(
        "bilstm_forward",
        "backward h_n at the wrong end",
        variant((STATES, "(np.stack([h_f, hs[:, -1, hs_f.shape[2]:]]), np.stack([c_f, c_b]))")),
        expect="wrong end",
    ),
    mistake(
        "bilstm_forward",
        "h_n from the last column of hs",
        variant((STATES, "(np.stack([hs_f[:, -1], hs_b[:, 0]]), np.stack([c_f, c_b]))")),
        expect="last column of hs",
    ),
    mistake(
        "bilstm_forward",
        "mask None not handled",
        variant(("    if mask is None:\n        mask = np.ones(x.shape[:2], dtype=bool)\n", "")),
        expect="mask may be None",
    ),
    mistake(
        "bilstm_forward",
        "directions stacked on a new axis",
        variant((JOIN, "np.stack([hs_f, hs_b[:, ::-1]])")),
        expect="np.concatenate",
    ),
    mistake(
        "bilstm_forward",
        "h_n joined side by side",
        variant((STATES, "(np.concatenate([h_f, h_b], axis=-1), np.concatenate([c_f, c_b], axis=-1))")),
        expect="np.stack",
    ),
    mistake(
        "bilstm_forward",
        "backward starts from the forward's final state",
        variant((BWD, "masked_lstm_forward(x[:, ::-1], mask[:, ::-1], h_f, c_f, params_bwd)")),
        expect="backward direction",
        held_out=True,
    ),
    mistake(
        "bilstm_forward",
        "every axis flipped",
        variant((BWD, "masked_lstm_forward(np.flip(x), np.flip(mask), None, None, params_bwd)")),
        expect=("backward direction", "x[:, ::-1]"),
        held_out=True,
    ),
    mistake(
        "bilstm_forward",
        "outputs flipped back along the batch",
        variant((JOIN, "np.concatenate([hs_f, hs_b[::-1]], axis=-1)")),
        expect="backward direction",
        held_out=True,
    ),
]
