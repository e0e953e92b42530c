"""Plausible mistakes in ``lstm_cell_backward``: each is the solution with one thing changed.

The notebook's given forward pass (exercise 6 provides it, with its ``CellCache``) is the
context.
"""

from . import mistake

FORWARD_GIVEN = """
from collections import namedtuple


def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


CellCache = namedtuple("CellCache", ["x", "h_prev", "c_prev", "i", "f", "g", "o", "c", "tanh_c",
                                     "params"])


def lstm_cell_forward(x, h_prev, c_prev, params):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, CellCache(x, h_prev, c_prev, i, f, g, o, c, tanh_c, params)


LSTMCache = namedtuple("LSTMCache", ["steps"])


def lstm_forward(x, h0, c0, params):
    h, c = h0, c0
    hs, steps = [], []
    for t in range(x.shape[1]):
        h, c, step = lstm_cell_forward(x[:, t], h, c, params)
        hs.append(h)
        steps.append(step)
    return np.stack(hs, axis=1), (h, c), LSTMCache(steps)
"""
CONTEXT = (FORWARD_GIVEN,)

CELL_BACKWARD_OK = """
def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, i, f, g, o, c, tanh_c, params = cache
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)
    df, di, dg, dc_prev = dc * c_prev, dc * g, dc * i, dc * f
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2),
                         do * o * (1 - o)], axis=1)
    db = da.sum(axis=0)
    grads = {"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev,
             "bias_ih": db, "bias_hh": db.copy()}
    dx = da @ params["weight_ih"]
    dh_prev = da @ params["weight_hh"]
    return dx, dh_prev, dc_prev, grads
"""

DA_I = "di * i * (1 - i)"
DA_F = "df * f * (1 - f)"
DA_G = "dg * (1 - g**2)"
DA_O = "do * o * (1 - o)"
DC = "dc = dc + dh * o * (1 - tanh_c**2)"
PRODUCTS = "df, di, dg, dc_prev = dc * c_prev, dc * g, dc * i, dc * f"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = CELL_BACKWARD_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("lstm_cell_backward", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed(
        "sigmoid derivative as s for the input gate",
        (DA_I, "di * i"),
        expect="derivative of the input gate i is written as s",
    ),
    changed(
        "sigmoid derivative as s for the forget gate",
        (DA_F, "df * f"),
        expect="derivative of the forget gate f is written as s",
    ),
    changed(
        "sigmoid derivative as s for the output gate",
        (DA_O, "do * o"),
        expect="derivative of the output gate o is written as s",
    ),
    changed(
        "sigmoid derivative as s everywhere",
        (DA_I, "di * i"),
        (DA_F, "df * f"),
        (DA_O, "do * o"),
        expect="sigmoid's derivative is written as s",
    ),
    changed("tanh derivative of g as 1 - t", (DA_G, "dg * (1 - g)"), expect="1 - g instead"),
    changed("tanh derivative of c as 1 - t", (DC, "dc = dc + dh * o * (1 - tanh_c)"), expect="1 - tanh(c) instead"),
    changed("dc without the h path", (DC, "dc = dc"), expect="does not include the h path"),
    changed("dc_prev = dc", (PRODUCTS, PRODUCTS.replace("dc * f", "dc")), expect="dc_prev = dc:"),
    changed(
        "dc_prev before the h path",
        ("    do = dh * tanh_c\n", "    do = dh * tanh_c\n    dc_prev = dc * f\n"),
        (PRODUCTS, "df, di, dg = dc * c_prev, dc * g, dc * i"),
        expect="before the h path",
    ),
    changed(
        "gate blocks in order i, f, o, g",
        (
            "[di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2),\n                         do * o * (1 - o)]",
            "[di * i * (1 - i), df * f * (1 - f), do * o * (1 - o),\n                         dg * (1 - g**2)]",
        ),
        expect="order i, f, o, g",
    ),
    changed(
        "gate blocks in order f, i, g, o",
        ("[di * i * (1 - i), df * f * (1 - f),", "[df * f * (1 - f), di * i * (1 - i),"),
        expect="order f, i, g, o",
    ),
    changed(
        "weight gradients transposed",
        ('"weight_ih": da.T @ x, "weight_hh": da.T @ h_prev', '"weight_ih": x.T @ da, "weight_hh": h_prev.T @ da'),
        expect="transposed",
    ),
    changed(
        "bias gradients not summed over the batch",
        ("db = da.sum(axis=0)", "db = da"),
        expect="not summed over the batch",
    ),
    changed(
        "bias gradients averaged", ("db = da.sum(axis=0)", "db = da.mean(axis=0)"), expect="averaged over the batch"
    ),
    changed("do from c instead of tanh(c)", ("do = dh * tanh_c", "do = dh * c"), expect="do = dh * c"),
    changed("df from the new cell state", (PRODUCTS, PRODUCTS.replace("dc * c_prev", "dc * c")), expect="df = dc * c"),
    changed(
        "di and dg swapped",
        (PRODUCTS, "df, di, dg, dc_prev = dc * c_prev, dc * i, dc * g, dc * f"),
        expect="di and dg are swapped",
    ),
    changed(
        "dx through the transposed weight",
        ('dx = da @ params["weight_ih"]', 'dx = da @ params["weight_ih"].T'),
        expect="mismatched shapes",
    ),
    changed(
        "dh_prev through weight_ih",
        ('dh_prev = da @ params["weight_hh"]', 'dh_prev = (da @ params["weight_ih"])[:, :h_prev.shape[1]]'),
        expect="dh_prev = da @ weight_hh",
        held_out=True,
    ),
    changed(
        "bias_hh gradient zero",
        ('"bias_hh": db.copy()', '"bias_hh": np.zeros_like(db)'),
        expect="bias gradients",
        held_out=True,
    ),
    changed(
        "dc_prev modifies the incoming dc in place",
        (DC, "dc += dh * o * (1 - tanh_c**2)"),
        expect="writes into dc",
        needs=("modified",),
    ),
]
