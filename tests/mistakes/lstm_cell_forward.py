"""Plausible mistakes in ``lstm_cell_forward``: each is the solution with one thing changed.

The notebook's given ``sigmoid`` (exercise 3 provides it) is the context.
"""

from . import mistake

SIGMOID_GIVEN = """
def sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))
"""
CONTEXT = (SIGMOID_GIVEN,)

CELL_OK = """
def lstm_cell_forward(x, h_prev, c_prev, params):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, i, f, g, o, c)
"""

SPLIT = "a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)"
ACTS = "i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)"
C = "c = f * c_prev + i * g"
H_ = "h = o * np.tanh(c)"


def changed(name, *edits, expect, held_out=False, needs=()):
    src = CELL_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("lstm_cell_forward", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("gate order i, f, o, g", (SPLIT, SPLIT.replace("a_g, a_o", "a_o, a_g")), expect="order i, f, o, g"),
    changed("gate order f, i, g, o", (SPLIT, SPLIT.replace("a_i, a_f", "a_f, a_i")), expect="order f, i, g, o"),
    changed("gate order i, g, f, o", (SPLIT, SPLIT.replace("a_f, a_g", "a_g, a_f")), expect="order i, g, f, o"),
    changed(
        "input gate through tanh", (ACTS, ACTS.replace("sigmoid(a_i)", "np.tanh(a_i)")), expect="input gate i uses tanh"
    ),
    changed(
        "forget gate through tanh",
        (ACTS, ACTS.replace("sigmoid(a_f)", "np.tanh(a_f)")),
        expect="forget gate f uses tanh",
    ),
    changed(
        "candidate through sigmoid",
        (ACTS, ACTS.replace("np.tanh(a_g)", "sigmoid(a_g)")),
        expect="candidate g uses sigmoid",
    ),
    changed(
        "output gate through tanh",
        (ACTS, ACTS.replace("sigmoid(a_o)", "np.tanh(a_o)")),
        expect="output gate o uses tanh",
    ),
    changed("bias_ih missing", (' + params["bias_ih"]', ""), expect="bias_ih is missing"),
    changed("bias_hh missing", (' + params["bias_hh"]', ""), expect="bias_hh is missing"),
    changed(
        "both biases missing",
        (' + params["bias_ih"]', ""),
        (' + params["bias_hh"]', ""),
        expect="both biases are missing",
    ),
    changed("h from the old cell state", (H_, "h = o * np.tanh(c_prev)"), expect="old cell state"),
    changed("no tanh in h", (H_, "h = o * c"), expect="tanh in h = o * tanh(c) is missing"),
    changed("sigmoid in h", (H_, "h = o * sigmoid(c)"), expect="uses sigmoid instead of tanh"),
    changed("no output gate", (H_, "h = np.tanh(c)"), expect="output gate is missing"),
    changed("no forget gate", (C, "c = c_prev + i * g"), expect="forget gate is missing"),
    changed("old cell state dropped", (C, "c = i * g"), expect="old cell state is dropped"),
    changed("no input gate", (C, "c = f * c_prev + g"), expect="input gate is missing"),
    changed("h and c swapped", ("return h, c, (", "return c, h, ("), expect="swapped"),
    changed(
        "weight_ih not transposed", ('x @ params["weight_ih"].T', 'x @ params["weight_ih"]'), expect="mismatched shapes"
    ),
    changed(
        "weight_hh not transposed",
        ('h_prev @ params["weight_hh"].T', 'h_prev @ params["weight_hh"]'),
        expect="mismatched shapes",
    ),
    changed(
        "weights swapped between x and h_prev",
        ('x @ params["weight_ih"].T', 'x @ params["WEIGHT"].T'),
        ('h_prev @ params["weight_hh"].T', 'h_prev @ params["weight_ih"].T'),
        ('params["WEIGHT"]', 'params["weight_hh"]'),
        expect="mismatched shapes",
    ),
    changed(
        "weight_hh reshaped instead of transposed",
        ('h_prev @ params["weight_hh"].T', 'h_prev @ params["weight_hh"].reshape(h_prev.shape[1], -1)'),
        expect="recurrent term",
        held_out=True,
    ),
    changed(
        "weight_ih reshaped instead of transposed",
        ('x @ params["weight_ih"].T', 'x @ params["weight_ih"].reshape(x.shape[1], -1)'),
        expect="input term",
        held_out=True,
    ),
    changed(
        "recurrent term forgotten",
        ('\n         + h_prev @ params["weight_hh"].T', ""),
        expect="recurrent term",
        held_out=True,
    ),
    changed(
        "c_prev in the recurrent term",
        ('h_prev @ params["weight_hh"]', 'c_prev @ params["weight_hh"]'),
        expect="h_prev and c_prev",
        held_out=True,
    ),
    changed("h_prev in place of c_prev in c", (C, "c = f * h_prev + i * g"), expect="f * c_prev", held_out=True),
    changed(
        "forget bias added again in the step",
        (SPLIT, "H = h_prev.shape[1]\n    a[:, H:2 * H] += 1.0\n    " + SPLIT),
        expect="forget",
        held_out=True,
    ),
    changed(
        "forget gate as 1 - sigmoid",
        (ACTS, ACTS.replace("sigmoid(a_f)", "1 - sigmoid(a_f)")),
        expect="forget",
        held_out=True,
    ),
    changed(
        "input gate coupled to the forget gate", (C, "c = f * c_prev + (1 - f) * g"), expect="i * g", held_out=True
    ),
    changed("minus in c", (C, "c = f * c_prev - i * g"), expect="i * g", held_out=True),
    changed("candidate squashed twice", (C, "c = f * c_prev + i * np.tanh(g)"), expect="i * g", held_out=True),
    changed("tanh around o * c", (H_, "h = np.tanh(o * c)"), expect="h = o * tanh(c)", held_out=True),
    changed("h_prev added to h", (H_, "h = o * np.tanh(c) + h_prev"), expect="h = o * tanh(c)", held_out=True),
    changed(
        "bias_ih twice, bias_hh never", ('params["bias_hh"])', 'params["bias_ih"])'), expect="biases", held_out=True
    ),
    changed(
        "float64 work array",
        ("    a = (x @", "    a = np.zeros((x.shape[0], 4 * h_prev.shape[1]))\n    a += (x @"),
        expect="promotes to float64",
    ),
    changed(
        "c_prev updated in place",
        (C, "c_prev *= f\n    c_prev += i * g\n    c = c_prev"),
        expect="writes into c_prev",
        needs=("modified",),
    ),
    changed(
        "bias folded into params in place",
        ('params["bias_ih"]\n', 'params["bias_ih"]\n'),
        ("    a = (x @", '    params["bias_ih"] += params["bias_hh"]\n    a = (x @'),
        (' + params["bias_hh"])', ")"),
        expect="params['bias_ih']",
        needs=("modified",),
    ),
    changed("split along the batch", (SPLIT, SPLIT.replace(", axis=1", "")), expect="axis 1"),
    changed("parameter names of another course", ('params["weight_ih"]', 'params["W_ih"]'), expect="PyTorch's keys"),
]
