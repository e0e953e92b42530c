"""Chapter 9's PyTorch code and exercise 9 (the LSTM in PyTorch): the vowel classifier, the
exercise's registry entry, cases and judges, its text, its mistakes through check, and its
notebooks through the sandboxed grader (one grading run, shared: it trains once).
"""

import importlib
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from exercise_support import assert_full_marks, assert_zero, grade_solution_and_exercise, row_of, spec  # noqa: E402
from mistakes import IMPORTS, corpus, define, diagnoses, right_diagnosis  # noqa: E402

from lstm_lib.data import load_japanese_vowels  # noqa: E402
from lstm_lib.grading import check  # noqa: E402
from lstm_lib.grading.cases import Outcome  # noqa: E402
from lstm_lib.grading.checking import call_once  # noqa: E402
from lstm_lib.grading.exercises import EXERCISES, find_function, hidden_cases, public_cases, run_judge  # noqa: E402
from lstm_lib.grading.exercises import ex09_lstm_in_pytorch as ex09  # noqa: E402
from lstm_lib.torch import classify  # noqa: E402
from lstm_lib.torch.interop import numpy_to_state_dict  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KEY = "09_lstm_in_pytorch"
EX = EXERCISES[KEY]
FUNCTIONS = ("numpy_to_state_dict", "train_and_predict")

# --- lstm_lib.torch.classify ------------------------------------------------------------------


@pytest.fixture(scope="module")
def vowels():
    return load_japanese_vowels()


@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_classifier_gives_logits_that_ignore_what_the_padding_holds(pooling):
    torch.manual_seed(0)
    model = classify.VowelClassifier(4, 5, 3, pooling=pooling).double()
    lengths = torch.tensor([3, 6, 1])
    x = torch.randn(3, 6, 4, dtype=torch.float64)
    logits = model(x, lengths)
    assert logits.shape == (3, 3)
    noisy = x.clone()
    for b, n in enumerate(lengths):
        noisy[b, n:] = 100.0
    torch.testing.assert_close(model(noisy, lengths), logits, rtol=0, atol=1e-12)


def test_classifier_last_pooling_is_each_direction_after_its_last_real_step():
    torch.manual_seed(1)
    model = classify.VowelClassifier(4, 5, 3).double()
    x = torch.randn(1, 6, 4, dtype=torch.float64)
    # Alone and unpadded, a sequence of 4 steps: the forward direction's state after step 3,
    # the backward direction's after step 0, are h_n.
    _, (h_n, _) = model.lstm(x[:, :4])
    want = model.head(torch.cat([h_n[0], h_n[1]], dim=1))
    torch.testing.assert_close(model(x, torch.tensor([4])), want, rtol=0, atol=1e-12)


def test_classifier_rejects_unknown_pooling_and_bad_shapes():
    with pytest.raises(ValueError, match="pooling must be 'last' or 'mean'"):
        classify.VowelClassifier(pooling="max")
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        classify.VowelClassifier()(torch.zeros(5, 12), torch.tensor([5]))


def test_standardize_scales_real_steps_and_zeroes_padding():
    x = np.ones((2, 3, 2)) * 5.0
    out = classify.standardize(x, np.array([1, 3]), mean=np.array([1.0, 3.0]), std=np.array([2.0, 1.0]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(out[1], [[2.0, 2.0]] * 3)


def test_train_and_predict_reaches_96_percent_on_the_vowels_and_is_deterministic(vowels):
    d = vowels
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pred = classify.train_and_predict(d.x_train, d.len_train, d.y_train, d.x_test, d.len_test, seed=0)
    finally:
        torch.set_num_threads(threads)
    assert pred.dtype == np.int64 and pred.shape == (370,)
    assert (pred == d.y_test).mean() >= 0.96
    # Same seed, same predictions: a few epochs on a slice is enough to see it.
    small = dict(
        x_train=d.x_train[:40],
        len_train=d.len_train[:40],
        y_train=d.y_train[:40],
        x_test=d.x_test[:30],
        len_test=d.len_test[:30],
    )
    np.testing.assert_array_equal(
        classify.train_and_predict(**small, seed=3), classify.train_and_predict(**small, seed=3)
    )


# --- exercise 9: registry, cases, judges ------------------------------------------------------


def _spec(name):
    return spec(EX, name)


def test_the_registry_finds_the_exercise_its_functions_packages_and_limits():
    assert tuple(f.name for f in EX.functions) == FUNCTIONS
    assert EX.max_score == 5.0
    for name in FUNCTIONS:
        ex, fspec = find_function(name)
        assert ex is EX and fspec.name == name
    assert EX.forbidden == ("lstm_lib",) and EX.packages == ("torch",)
    from lstm_lib.grading.sandbox import Limits

    raised = EX.limits_for(Limits(timeout_s=10.0, memory_mb=2048))
    assert raised.timeout_s == ex09.TIME_LIMIT_S and raised.memory_mb == ex09.MEMORY_MB
    assert EX.limits_for(Limits(timeout_s=600.0)).timeout_s == 600.0, "a larger limit stays"


def test_the_library_numpy_to_state_dict_passes_the_public_and_hidden_cases():
    fspec = _spec("numpy_to_state_dict")
    for case in public_cases(fspec) + hidden_cases(fspec, 12345):
        outcomes = [call_once(numpy_to_state_dict, c, fspec.outputs, fspec.returns) for c in case.calls]
        verdict = run_judge(fspec, case, outcomes)
        assert verdict.passed, (case.label, verdict)


def test_the_state_dict_cases_cover_a_dict_layers_pairs_and_float32():
    (c1, c2, c3, c4) = hidden_cases(_spec("numpy_to_state_dict"), 7)
    assert isinstance(c1.calls[0].args[0], dict)
    assert isinstance(c2.calls[0].args[0], list) and len(c2.calls[0].args[0]) == 2
    assert all(isinstance(p, tuple) and len(p) == 2 for p in c3.calls[0].args[0])
    assert c4.calls[0].args[0][1]["weight_hh"].dtype == np.float32


def test_the_training_case_reorders_both_splits_and_never_holds_the_test_labels():
    d = load_japanese_vowels()
    (case,) = hidden_cases(_spec("train_and_predict"), 11)
    (other,) = hidden_cases(_spec("train_and_predict"), 12)
    args = case.calls[0].args
    assert len(args) == 5 and set(case.calls[0].kwargs) == {"seed"}
    assert not np.array_equal(args[3], d.x_test) and not np.array_equal(args[3], other.calls[0].args[3])
    y = ex09.labels_of(args[3], args[4])
    assert sorted(y.tolist()) == sorted(d.y_test.tolist())
    for a in args:  # nothing sent into the sandbox is the test labels, in any order
        assert not (a.shape == y.shape and a.dtype.kind in "iu" and np.array_equal(np.sort(a), np.sort(y)))


def _judge_predictions(pred):
    (case,) = hidden_cases(_spec("train_and_predict"), 3)
    outcome = Outcome("ok", outputs={"pred": np.asarray(pred)})
    return run_judge(_spec("train_and_predict"), case, [outcome]), ex09.labels_of(*case.calls[0].args[3:5])


def test_the_judge_passes_right_labels_and_names_the_common_mistakes():
    (case,) = hidden_cases(_spec("train_and_predict"), 3)
    y = ex09.labels_of(*case.calls[0].args[3:5])
    v, _ = _judge_predictions(y)
    assert v.passed
    wrong = y.copy()
    wrong[: int(0.06 * len(y))] = (wrong[: int(0.06 * len(y))] + 1) % 9
    v, _ = _judge_predictions(wrong)
    assert not v.passed and "94" in v.problems[-1]
    for pred, words in [
        ((y + 1), "off by +1"),
        (np.eye(9)[y], "logits"),
        (y.astype(np.float32), "int64"),
        (y.astype(np.int32), "not int64"),
        (np.zeros_like(y), "same label"),
        (np.sort(y), "order of x_test"),
        (y[:-1], "one label per test sequence"),
    ]:
        v, _ = _judge_predictions(pred)
        assert not v.passed, words
        assert words in (v.hint or "") + (v.where or "") + " ".join(v.problems), (words, v)


def test_each_numpy_to_state_dict_mistake_is_named_by_check():
    mistakes = [m for m in corpus() if m.function == "numpy_to_state_dict"]
    assert len(mistakes) >= 10 and any(m.held_out for m in mistakes)
    context = importlib.import_module("mistakes.numpy_to_state_dict").CONTEXT
    for m in mistakes:
        result = check(define(IMPORTS, *context, *m.cells, label=m.id)["numpy_to_state_dict"], show=False)
        assert not result.passed, m.id
        assert right_diagnosis(m, result.report()), (m.id, diagnoses(result.report()))


def test_check_refuses_the_course_own_function_by_name():
    result = check(numpy_to_state_dict, show=False)
    assert not result.passed and "lstm_lib is not available to this exercise" in result.report()


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_exercise_text_states_what_is_graded(folder):
    nb = nbformat.read(ROOT / folder / f"{KEY}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for phrase in (
        "`weight_ih_l0`",
        "`_reverse`",
        "(params_fwd, params_bwd)",
        "a float32 array gives a float32 tensor",
        "The order of the keys is not graded",
        "`params_list` is not modified",
        "strict=True",
        "an int64 array (or tensor) of shape (M,), in the order of `x_test`",
        "**95%**",
        "**one CPU thread**",
        "**120 seconds**",
        "starting Python and PyTorch included",
        "never sends the test labels",
        "not `lstm_lib`",
        "`torch.nn.LSTM` is allowed",
    ):
        assert phrase in text, f"{folder}/{KEY}: the text does not say {phrase!r}"
    assert f"{ex09.ACCURACY_TARGET:.0%}" in text and f"{ex09.TIME_LIMIT_S:.0f} seconds" in text
    page = (ROOT / "book" / "exercises" / f"{KEY}.md").read_text()
    assert f"../../exercises/{KEY}.ipynb" in page and "95%" in page and "120 seconds" in page


# --- exercise 9 through the sandboxed grader: one run for every notebook ---------------------

ATTACK = """
import torch

def numpy_to_state_dict(params_list):
    import sys
    sys.path.insert(0, CHECKOUT)
    from lstm_lib.torch import numpy_to_state_dict as course
    return course(params_list)

def train_and_predict(x_train, len_train, y_train, x_test, len_test, *, seed):
    with open(CHECKOUT + "/lstm_lib/torch/classify.py") as fh:
        source = fh.read()
    space = {}
    exec(source, space)
    return space["train_and_predict"](x_train, len_train, y_train, x_test, len_test, seed=seed)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grades.csv rows and feedback of the solutions, the exercise and a hostile notebook."""
    tmp = tmp_path_factory.mktemp("ex09")
    hostile = nbformat.v4.new_notebook()
    checkout = f"CHECKOUT = {str(ROOT)[::-1]!r}[::-1]"  # the notebook's text does not name it
    hostile.cells = [nbformat.v4.new_code_cell(checkout), nbformat.v4.new_code_cell(textwrap.dedent(ATTACK))]
    hostile.metadata["lstm_course"] = {"exercise": KEY}
    nbformat.write(hostile, str(tmp / "hostile.ipynb"))
    return grade_solution_and_exercise(tmp / "out", KEY, tmp / "hostile.ipynb")


def test_the_solutions_notebook_grades_full_marks_in_the_sandbox(graded):
    assert_full_marks(graded, EX, FUNCTIONS)


def test_the_exercise_notebook_grades_zero(graded):
    assert_zero(graded, FUNCTIONS)


def test_a_notebook_that_reaches_for_the_course_code_gets_nothing(graded):
    row, feedback = row_of(graded, "hostile")
    assert float(row["total"]) == 0, feedback
    assert "lstm_lib" in feedback and ("not allowed" in feedback or "No such file" in feedback), feedback
