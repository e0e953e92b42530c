"""check(fn): the public cases in the learner's kernel, with the likely mistake named."""

from pathlib import Path

import numpy as np
import pytest
from mistakes import define

from lstm_lib.grading import check
from lstm_lib.grading.exercises import EXERCISES
from lstm_lib.grading.notebook import parse_definitions, read_notebook

ref = pytest.importorskip("lstm_lib.numpy")
ROOT = Path(__file__).resolve().parents[1]
GRADED = ("sigmoid", "tanh", "init_lstm_params", "lstm_cell_forward")


def solution_namespaces() -> list[dict]:
    """Each solution notebook's definitions, run as a kernel would (the sources kept)."""
    spaces = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        parsed = parse_definitions(read_notebook(path), GRADED)
        ns = define(*(s.code for s in parsed.snippets), label=path.stem)
        ns["__exercise__"] = read_notebook(path)["metadata"]["lstm_course"]["exercise"]
        spaces.append(ns)
    assert spaces, "solutions/ has no notebooks"
    return spaces


def exercise_of(ns):
    return EXERCISES[ns["__exercise__"]]


def _stable_sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def make_cell(order="ifgo", acts=None, bias_ih=True, bias_hh=True, h_from="c", c_rule="full", swap=False):
    """A cell forward pass with one deliberate mistake (or none)."""
    s, t = _stable_sigmoid, np.tanh
    acts = acts or {"i": s, "f": s, "g": t, "o": s}

    def lstm_cell_forward(x, h_prev, c_prev, params):
        a = x @ params["weight_ih"].T + h_prev @ params["weight_hh"].T
        if bias_ih:
            a = a + params["bias_ih"]
        if bias_hh:
            a = a + params["bias_hh"]
        blocks = dict(zip(order, np.split(a, 4, axis=1), strict=True))
        i, f, g, o = (acts[k](blocks[k]) for k in "ifgo")
        c = {"full": f * c_prev + i * g, "no_forget": c_prev + i * g}[c_rule]
        h = o * np.tanh(c if h_from == "c" else c_prev)
        return (c, h, None) if swap else (h, c, None)

    return lstm_cell_forward


def report_of(fn, name=None):
    result = check(fn, name=name, show=False)
    return result, result.report()


def test_check_passes_the_solution_notebooks_functions():
    for ns in solution_namespaces():
        for name in GRADED:
            if name in ns and name in {f.name for f in exercise_of(ns).functions}:
                result, text = report_of(ns[name], name)
                assert result.passed and bool(result), text
                assert "passed" in text and "note:" not in text


def test_check_runs_the_reference_but_names_what_the_exercise_forbids():
    """The reference is no answer to the exercise: it is lstm_lib, and its tanh is np.tanh."""
    result, text = report_of(ref.tanh, "tanh")
    assert not result.passed
    assert "tanh uses np.tanh on line" in text and "return np.tanh(x)" in text
    assert "build it from your sigmoid" in text
    result, text = report_of(ref.lstm_cell_forward, "lstm_cell_forward")
    assert not result.passed and "(from lstm_lib)" in text, text


def test_check_passes_a_learner_cell_written_from_the_equations():
    result, text = report_of(make_cell())
    assert result.passed, text


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"order": "fig o".replace(" ", "")}, "order f, i, g, o"),
        ({"order": "ifog"}, "order i, f, o, g"),
        ({"acts": {"i": np.tanh, "f": _stable_sigmoid, "g": np.tanh, "o": _stable_sigmoid}}, "input gate i uses tanh"),
        (
            {"acts": {"i": _stable_sigmoid, "f": _stable_sigmoid, "g": _stable_sigmoid, "o": _stable_sigmoid}},
            "candidate g uses sigmoid",
        ),
        ({"bias_hh": False}, "bias_hh is missing"),
        ({"bias_ih": False}, "bias_ih is missing"),
        ({"h_from": "c_prev"}, "h uses the old cell state"),
        ({"c_rule": "no_forget"}, "the forget gate is missing"),
        ({"swap": True}, "h and c are swapped"),
    ],
)
def test_check_names_the_likely_cell_mistake(kwargs, expected):
    result, text = report_of(make_cell(**kwargs), "lstm_cell_forward")
    assert not result.passed
    assert "likely mistake" in text and expected in text, text


def test_check_reports_shape_and_which_output():
    cell = make_cell()

    def lstm_cell_forward(x, h_prev, c_prev, params):
        h, c, cache = cell(x, h_prev, c_prev, params)
        return h.T, c, cache

    result, text = report_of(lstm_cell_forward)
    assert not result.passed
    assert "h has shape" in text and "expected (" in text
    assert "c has shape" not in text


def test_check_names_sigmoid_overflow():
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    result, text = report_of(sigmoid)
    assert not result.passed
    assert "overflow" in text and "exp(-|x|)" in text


def test_check_names_sigmoid_wrong_dtype():
    def sigmoid(x):
        return _stable_sigmoid(x).astype(np.float64)

    result, text = report_of(sigmoid)
    assert not result.passed
    assert "dtype float64, expected float32" in text


def test_check_names_sigmoid_sign_error():
    def sigmoid(x):
        return _stable_sigmoid(-x)

    _, text = report_of(sigmoid)
    assert "sigmoid(-x)" in text


def test_check_names_tanh_argument_error():
    def tanh(x):
        return 2 * _stable_sigmoid(x) - 1

    _, text = report_of(tanh)
    assert "the argument of sigmoid is 2 * x" in text


def test_check_init_names_missing_rng_and_misplaced_forget_bias():
    def init_lstm_params(input_size, hidden_size, *, rng=None, dtype=np.float64, forget_bias=1.0):
        gen = np.random.default_rng()
        k, H = 1 / np.sqrt(hidden_size), hidden_size
        p = {
            "weight_ih": gen.uniform(-k, k, (4 * H, input_size)),
            "weight_hh": gen.uniform(-k, k, (4 * H, H)),
            "bias_ih": gen.uniform(-k, k, 4 * H),
            "bias_hh": gen.uniform(-k, k, 4 * H),
        }
        if forget_bias is not None:
            p["bias_ih"][:H] = forget_bias
            p["bias_hh"][:H] = 0
        return {n: v.astype(dtype) for n, v in p.items()}

    result, text = report_of(init_lstm_params)
    assert not result.passed
    assert "rows 0:" in text and "the input gate i" in text
    assert "draw every value from the rng argument" in text


def test_check_says_not_implemented_yet_without_a_traceback(capsys):
    def lstm_cell_forward(x, h_prev, c_prev, params):
        raise NotImplementedError("Write the gates")

    result = check(lstm_cell_forward)
    out = capsys.readouterr().out
    assert not result and "not implemented yet" in out
    assert "Traceback" not in out


def test_check_reports_an_exception_in_one_line():
    def sigmoid(x):
        return undefined_name * x  # noqa: F821

    result, text = report_of(sigmoid)
    assert not result.passed and "NameError" in text and "Traceback" not in text


def test_check_is_not_fooled_by_monkeypatched_numpy(monkeypatch):
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, *r, **k: np.ones(np.shape(a), bool))
    monkeypatch.setattr(np, "array_equal", lambda *a, **k: True)

    def sigmoid(x):
        return np.zeros_like(x)

    assert not check(sigmoid, show=False).passed


def test_check_of_an_unknown_function_says_what_it_knows():
    def sigmod(x):
        return x

    result, text = report_of(sigmod)
    assert not result and "sigmoid" in text and "sigmod" in text


def test_check_refuses_the_reference_even_without_the_functions_source():
    """Code run with exec has no source to parse; the globals it names still show lstm_lib."""
    ns = {}
    exec("from lstm_lib.numpy import sigmoid as s_ref\ndef sigmoid(x):\n    return s_ref(x)\n", ns)
    result = check(ns["sigmoid"], show=False)
    assert not result.passed
    assert "s_ref (from lstm_lib)" in result.report()
