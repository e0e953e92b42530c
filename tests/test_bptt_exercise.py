"""Exercise 6 (backpropagation through time): what its grading needs of the library and the
sandbox, and that its text states what is graded."""

from __future__ import annotations

import collections
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_lib.grading.cases import materialize
from lstm_lib.grading.rules import snapshot
from lstm_lib.grading.sandbox import wire
from lstm_lib.numpy import init_lstm_params, lstm_backward, lstm_cell_backward, lstm_forward

ROOT = Path(__file__).resolve().parents[1]
KEY = "06_backpropagation_through_time"


def _crossed(cache):
    """``cache`` as the other side of the wire rebuilds it: a plain namedtuple of its name."""
    arrays = []
    return wire.decode(wire.encode(cache, arrays), arrays)


def _layer():
    rng = np.random.default_rng(0)
    p = init_lstm_params(3, 4, rng=rng)
    hs, _, cache = lstm_forward(rng.normal(size=(2, 5, 3)), None, None, p)
    return rng.normal(size=hs.shape), cache


def test_reference_backward_accepts_a_cache_that_crossed_the_wire():
    dhs, cache = _layer()
    crossed = _crossed(cache)
    assert type(crossed).__name__ == "LSTMCache" and type(crossed) is not type(cache)
    want = lstm_backward(dhs, cache)
    got = lstm_backward(dhs, crossed)
    for w, g in zip(want[:3], got[:3], strict=True):
        np.testing.assert_array_equal(w, g)
    step = _crossed(cache.steps[2])
    np.testing.assert_array_equal(
        lstm_cell_backward(dhs[:, 2], None, step)[0], lstm_cell_backward(dhs[:, 2], None, cache.steps[2])[0]
    )


def test_reference_backward_still_refuses_another_tuple():
    dhs, cache = _layer()
    other = collections.namedtuple("LSTMCache", ["stepz"])(cache.steps)
    with pytest.raises(ValueError, match="cache must be the LSTMCache"):
        lstm_backward(dhs, other)


def test_a_returned_float_crosses_the_wire_as_a_number():
    arr = wire.load_npy(wire.npy_bytes(np.asarray(0.25)), 10)
    assert arr.shape == () and float(arr) == 0.25


def test_a_cache_argument_keeps_its_fields_when_copied():
    _, cache = _layer()
    for copy in (materialize(cache), snapshot(cache)):
        assert type(copy) is type(cache) and copy.steps[0].f is not cache.steps[0].f
        np.testing.assert_array_equal(copy.steps[0].f, cache.steps[0].f)


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_exercise_text_states_what_is_graded(folder):
    nb = nbformat.read(ROOT / folder / f"{KEY}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for phrase in (
        "`dx` (B, D)",
        "`weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`",
        "a float32 cache gives float32 gradients",
        "None means zero",
        "from the last step to the first",
        "`dx` (B, T, D)",
        "summed over the steps",
        "the course's `lstm_cell_backward` stands in",
        "\\max(|a|, |b|, 10^{-12})",
        "returned as one float",
        "leaves its inputs unchanged",
    ):
        assert phrase in text, f"{folder}/{KEY}: the text does not say {phrase!r}"
