"""Plausible mistakes in ``variant_cell_forward``: each is the solution with one thing changed.

The notebook imports the course's ``sigmoid`` and ``tanh`` (exercise 11 gives them), the context.
"""

from . import mistake

CONTEXT = ("from lstm_lib.numpy import sigmoid, tanh",)

OK = """
def variant_cell_forward(x, h_prev, c_prev, params, variant):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, o = sigmoid(a_i), sigmoid(a_f), sigmoid(a_o)
    g = a_g if variant == "no_input_activation" else tanh(a_g)
    if variant == "no_input_gate":
        i = np.ones_like(i)
    if variant == "no_forget_gate":
        f = np.ones_like(f)
    if variant == "coupled_input_forget":
        f = 1 - i
    if variant == "no_output_gate":
        o = np.ones_like(o)
    c = f * c_prev + i * g
    h = o * (c if variant == "no_output_activation" else tanh(c))
    return h, c
"""

SPLIT = "a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)"
C = "c = f * c_prev + i * g"
H_ = 'h = o * (c if variant == "no_output_activation" else tanh(c))'
VANILLA = """
def variant_cell_forward(x, h_prev, c_prev, params, variant):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * tanh(c)
    return h, c
"""


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("variant_cell_forward", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed("coupled gate f = i", ("f = 1 - i", "f = i"), expect="not f = i"),
    changed("coupled gate 1 - f", ("f = 1 - i", "f = 1 - f"), expect="1 - f"),
    changed("no_output_activation keeps the tanh", (H_, "h = o * tanh(c)"), expect="h = o * c"),
    changed(
        "no_output_activation drops the output gate too",
        (H_, 'h = c if variant == "no_output_activation" else o * tanh(c)'),
        expect="o stays",
    ),
    changed(
        "no_output_gate drops the tanh too",
        (H_, 'h = c if variant == "no_output_gate" else o * (c if variant == "no_output_activation" else tanh(c))'),
        expect="the tanh stays",
    ),
    changed("no input gate fixed to 0", ("i = np.ones_like(i)", "i = np.zeros_like(i)"), expect="set to 0"),
    changed("no output gate fixed to 0", ("o = np.ones_like(o)", "o = np.zeros_like(o)"), expect="set to 0"),
    changed(
        "no_forget_gate drops c_prev",
        (C, 'c = i * g if variant == "no_forget_gate" else f * c_prev + i * g'),
        expect="drops c_prev",
    ),
    mistake("variant_cell_forward", "the variant switch ignored", VANILLA, expect="switch is ignored"),
    changed(
        "a misspelt variant name",
        ('variant == "no_input_gate"', 'variant == "no_input_gates"'),
        expect="switch is ignored",
    ),
    changed(
        "no_forget_gate fixes the input gate",
        (
            'if variant == "no_forget_gate":\n        f = np.ones_like(f)',
            'if variant == "no_forget_gate":\n        i = np.ones_like(i)',
        ),
        expect="fixes f = 1, not i",
    ),
    changed(
        "no_input_activation through sigmoid",
        (
            'g = a_g if variant == "no_input_activation" else tanh(a_g)',
            'g = sigmoid(a_g) if variant == "no_input_activation" else tanh(a_g)',
        ),
        expect="sigmoid",
    ),
    changed("gate order i, f, o, g", (SPLIT, SPLIT.replace("a_g, a_o", "a_o, a_g")), expect="order i, f, o, g"),
    changed("gate order f, i, g, o", (SPLIT, SPLIT.replace("a_i, a_f", "a_f, a_i")), expect="order f, i, g, o"),
    changed(
        "fixed gates in float64",
        ("i = np.ones_like(i)", "i = np.ones(i.shape)"),
        ("f = np.ones_like(f)", "f = np.ones(f.shape)"),
        ("o = np.ones_like(o)", "o = np.ones(o.shape)"),
        expect="dtype",
    ),
    changed("h and c swapped", ("return h, c", "return c, h"), expect="swapped"),
    changed(
        "recurrent term forgotten",
        ('\n         + h_prev @ params["weight_hh"].T', ""),
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
        "h_prev in place of c_prev in c",
        (C, "c = f * h_prev + i * g"),
        expect=("is right for your c", "memory term"),
        held_out=True,
    ),
]
