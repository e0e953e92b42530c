"""Plausible mistakes in ``init_lstm_params``: each is the solution with one thing changed."""

from . import mistake

INIT_OK = """
def init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, forget_bias=1.0):
    rng = np.random.default_rng(rng)
    D, H = input_size, hidden_size
    k = 1 / np.sqrt(H)
    params = {
        "weight_ih": rng.uniform(-k, k, size=(4 * H, D)),
        "weight_hh": rng.uniform(-k, k, size=(4 * H, H)),
        "bias_ih": rng.uniform(-k, k, size=4 * H),
        "bias_hh": rng.uniform(-k, k, size=4 * H),
    }
    if forget_bias is not None:
        params["bias_ih"][H:2 * H] = forget_bias
        params["bias_hh"][H:2 * H] = 0.0
    return {name: value.astype(dtype) for name, value in params.items()}
"""
CONTEXT = ()


def changed(name, *edits, expect, held_out=False):
    src = INIT_OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("init_lstm_params", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed(
        "weights transposed",
        ("size=(4 * H, D)", "size=(D, 4 * H)"),
        ("size=(4 * H, H)", "size=(H, 4 * H)"),
        expect="transposed",
    ),
    changed("np.random instead of rng", ("rng.uniform", "np.random.uniform"), expect="from the rng argument"),
    changed("k from the input size", ("k = 1 / np.sqrt(H)", "k = 1 / np.sqrt(D)"), expect="not 1/sqrt(D)"),
    changed("k = 1/H", ("k = 1 / np.sqrt(H)", "k = 1 / H"), expect="not 1/H"),
    changed("k = 1/sqrt(4H)", ("k = 1 / np.sqrt(H)", "k = 1 / np.sqrt(4 * H)"), expect="not 1/sqrt(4H)"),
    changed("U(0, k)", ("rng.uniform(-k, k", "rng.uniform(0, k"), expect="all >= 0"),
    changed("normal instead of uniform", ("rng.uniform(-k, k", "rng.normal(0, k"), expect="normally distributed"),
    changed(
        "forget bias in the input gate's rows",
        ('params["bias_ih"][H:2 * H] = forget_bias', 'params["bias_ih"][:H] = forget_bias'),
        ('params["bias_hh"][H:2 * H] = 0.0', 'params["bias_hh"][:H] = 0.0'),
        expect="rows 0:H",
    ),
    changed(
        "bias_hh of the forget gate left as drawn",
        ('        params["bias_hh"][H:2 * H] = 0.0\n', ""),
        expect="bias_hh[H:2H] still holds its uniform draw",
    ),
    changed(
        "forget bias added to the draw",
        ('params["bias_ih"][H:2 * H] = forget_bias', 'params["bias_ih"][H:2 * H] += forget_bias'),
        ('        params["bias_hh"][H:2 * H] = 0.0\n', ""),
        expect="added to the draw",
    ),
    changed(
        "forget bias in both biases",
        ('params["bias_hh"][H:2 * H] = 0.0', 'params["bias_hh"][H:2 * H] = forget_bias'),
        expect="in both bias_ih and bias_hh",
    ),
    changed(
        "forget_bias=None not handled",
        ("    if forget_bias is not None:\n        params", "    if True:\n        params"),
        expect="forget_bias=None",
    ),
    changed(
        "dtype ignored",
        ("return {name: value.astype(dtype) for name, value in params.items()}", "return params"),
        expect="dtype asked for",
    ),
    changed(
        "a fixed seed",
        ("rng = np.random.default_rng(rng)", "rng = np.random.default_rng(0)"),
        expect="a fixed seed inside the function",
    ),
    changed("rng used as it comes", ("    rng = np.random.default_rng(rng)\n", ""), expect="default_rng(rng)"),
    changed(
        "input and hidden size mixed up",
        ("size=(4 * H, D)", "size=(4 * H, XX)"),
        ("size=(4 * H, H)", "size=(4 * H, D)"),
        ("XX", "H"),
        expect="mixed up",
    ),
    changed(
        "forget bias in bias_hh, bias_ih left as drawn",
        ('params["bias_ih"][H:2 * H] = forget_bias', 'params["bias_hh"][H:2 * H] = forget_bias'),
        ('        params["bias_hh"][H:2 * H] = 0.0\n', ""),
        expect="bias_ih[H:2H] still holds its uniform draw",
    ),
]
