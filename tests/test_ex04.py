"""Exercise 4's conventions hold for the library: its caches are the tuples the exercise names,
and the reference functions pass their own checks."""

import numpy as np
import pytest

from lstm_lib.grading.checking import call_once
from lstm_lib.grading.exercises import EXERCISES, public_cases, run_judge
from lstm_lib.numpy import dense_backward, dense_forward, relu_backward, relu_forward
from lstm_lib.numpy.activations import ReLUCache

EX = EXERCISES["04_unrolling_and_layers"]


def test_library_caches_are_the_tuples_the_exercise_names():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 2))
    params = {"weight": rng.normal(size=(5, 2)), "bias": rng.normal(size=5)}
    _, cache = dense_forward(x, params)
    cx, cw = cache  # the exercise's (x, weight)
    assert np.array_equal(cx, x) and np.array_equal(cw, params["weight"])
    dy = rng.normal(size=(3, 4, 5))
    assert all(
        np.array_equal(a, b)
        for a, b in zip(dense_backward(dy, cache)[1].values(), dense_backward(dy, (cx, cw))[1].values(), strict=True)
    )
    _, rcache = relu_forward(x)
    (positive,) = rcache  # the exercise's (positive,)
    assert np.array_equal(positive, x > 0)
    assert np.array_equal(relu_backward(x, rcache), np.where(positive, x, 0))


@pytest.mark.parametrize("name", [f.name for f in EX.functions])
def test_the_library_passes_the_exercise_judges(name):
    """The judges accept the library's own results (its caches as the exercise passes them)."""
    import lstm_lib.numpy as ref

    fspec = next(f for f in EX.functions if f.name == name)
    fn = getattr(ref, name)
    if name == "relu_backward":
        fn = lambda dy, cache: ref.relu_backward(dy, ReLUCache(*cache))  # noqa: E731
    for case in public_cases(fspec):
        outcomes = [call_once(fn, call, fspec.outputs, fspec.returns) for call in case.calls]
        verdict = run_judge(fspec, case, outcomes)
        assert verdict.passed, (case.label, verdict)
