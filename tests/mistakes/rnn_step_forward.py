"""Plausible mistakes in ``rnn_step_forward``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

STEP_OK = """
def rnn_step_forward(x, h_prev, params):
    a = (x @ params["weight_ih"].T + params["bias_ih"]
         + h_prev @ params["weight_hh"].T + params["bias_hh"])
    h = np.tanh(a)
    return h, (x, h_prev, h)
"""


def changed(name, *edits, expect, held_out=False, needs=()):
    src = STEP_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("rnn_step_forward", name, src, expect=expect, held_out=held_out, needs=needs)


MISTAKES = [
    changed("weight_ih not transposed", ('params["weight_ih"].T', 'params["weight_ih"]'), expect="mismatched shapes"),
    changed(
        "weight_hh not transposed",
        ('params["weight_hh"].T', 'params["weight_hh"]'),
        expect="weight_hh is used untransposed",
    ),
    changed("bias_ih missing", (' + params["bias_ih"]', ""), expect="bias_ih is missing"),
    changed("bias_hh missing", (' + params["bias_hh"]', ""), expect="bias_hh is missing"),
    changed(
        "both biases missing",
        (' + params["bias_ih"]', ""),
        (' + params["bias_hh"]', ""),
        expect="both biases are missing",
    ),
    changed("tanh missing", ("h = np.tanh(a)", "h = a"), expect="the tanh is missing"),
    changed(
        "sigmoid instead of tanh",
        ("h = np.tanh(a)", "h = 1 / (1 + np.exp(-a))"),
        expect="sigmoid is used instead of tanh",
    ),
    changed("h_prev ignored", ('+ h_prev @ params["weight_hh"].T ', ""), expect="recurrent term"),
    changed("x ignored", ('x @ params["weight_ih"].T + params["bias_ih"]', 'params["bias_ih"]'), expect="input term"),
    changed(
        "h_prev added after the tanh",
        ('+ h_prev @ params["weight_hh"].T ', ""),
        ("h = np.tanh(a)", "h = np.tanh(a) + h_prev"),
        expect="added after the tanh",
    ),
    changed("float32 promoted", ("h = np.tanh(a)", "h = np.tanh(a).astype(np.float64)"), expect="promotes to float64"),
    changed("returns h transposed", ("return h, (", "return h.T, ("), expect="(B, H)"),
    changed(
        "h_prev modified in place", ("a = (x", "h_prev += 0.5\n    a = (x"), expect="writes into", needs=("modified",)
    ),
    changed(
        "bias_hh scaled twice", ('+ params["bias_hh"])', '+ 2 * params["bias_hh"])'), expect="bias_hh", held_out=True
    ),
    changed(
        "weight_hh doubled",
        ('h_prev @ params["weight_hh"].T', 'h_prev @ (2 * params["weight_hh"]).T'),
        expect="recurrent term",
        held_out=True,
    ),
]
