"""Bad input gets a ValueError that names the argument, the expected shape and the shape given."""

import re

import numpy as np
import pytest

from lstm_lib.numpy import (
    SGD,
    dense_forward,
    init_dense_params,
    init_lstm_params,
    init_lstm_stack_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_stack_forward,
    mse_loss,
    sigmoid,
    softmax_cross_entropy,
)

P = init_lstm_params(3, 4, rng=0)  # D = 3, H = 4


def raises(match, fn, *args, **kw):
    with pytest.raises(ValueError, match=match) as info:
        fn(*args, **kw)
    return str(info.value)


def test_lstm_forward_names_x_expected_shape_and_given_shape_for_wrong_rank():
    msg = raises(r"^x must have shape \(B, T, D\)", lstm_forward, np.zeros((2, 3)), None, None, P)
    assert "D=3" in msg and "(2, 3)" in msg and "3 dimensions" in msg


def test_lstm_forward_reports_input_size_mismatch():
    msg = raises(r"^x must have shape \(B, T, D\) with D=3", lstm_forward, np.zeros((2, 5, 7)), None, None, P)
    assert "got shape (2, 5, 7)" in msg


def test_lstm_forward_reports_wrong_initial_states():
    x = np.zeros((2, 5, 3))
    msg = raises(r"^h0 must have shape \(B, H\)", lstm_forward, x, np.zeros((2, 5)), None, P)
    assert "B=2" in msg and "H=4" in msg and "(2, 5)" in msg
    raises(r"^c0 must have shape \(B, H\).*got shape \(3, 4\)", lstm_forward, x, None, np.zeros((3, 4)), P)


def test_cell_forward_reports_each_argument():
    raises(
        r"^x must have shape \(B, D\).*got shape \(2, 2\)",
        lstm_cell_forward,
        np.zeros((2, 2)),
        np.zeros((2, 4)),
        np.zeros((2, 4)),
        P,
    )
    raises(
        r"^h_prev must have shape \(B, H\) with B=2, H=4, got shape \(2, 3\)",
        lstm_cell_forward,
        np.zeros((2, 3)),
        np.zeros((2, 3)),
        np.zeros((2, 4)),
        P,
    )
    raises(r"^c_prev must have shape", lstm_cell_forward, np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((1, 4)), P)


def test_non_numeric_input_is_rejected_with_its_dtype():
    msg = raises(r"^x must be a real floating-point array", lstm_forward, np.array([[["a", "b", "c"]]]), None, None, P)
    assert "<U1" in msg
    raises(r"^x must be a real floating-point array .* got dtype object", sigmoid, np.array([None, 1]))
    raises(r"^x must be a real floating-point array .* got dtype complex128", sigmoid, np.array([1j]))


def test_integer_input_is_accepted_as_float64():
    hs, _, _ = lstm_forward(np.ones((1, 2, 3), dtype=int), None, None, P)
    assert hs.dtype == np.float64


def test_params_missing_keys_and_wrong_shapes_are_named():
    bad = dict(P)
    del bad["bias_hh"]
    msg = raises(
        r"^params is missing 'bias_hh'; expected keys weight_ih, weight_hh, bias_ih, bias_hh",
        lstm_forward,
        np.zeros((1, 2, 3)),
        None,
        None,
        bad,
    )
    assert msg
    raises(
        r"^params\['weight_hh'\] must have shape \(4H, H\).*got shape \(4, 4\)",
        lstm_forward,
        np.zeros((1, 2, 3)),
        None,
        None,
        {**P, "weight_hh": np.zeros((4, 4))},
    )
    raises(
        r"^params\['weight_ih'\] must have shape \(4H, D\) with 4H=16, got shape \(12, 3\)",
        lstm_forward,
        np.zeros((1, 2, 3)),
        None,
        None,
        {**P, "weight_ih": np.zeros((12, 3))},
    )
    raises(
        r"^params\['bias_ih'\] must have shape \(4H,\) with 4H=16, got shape \(15,\)",
        lstm_forward,
        np.zeros((1, 2, 3)),
        None,
        None,
        {**P, "bias_ih": np.zeros(15)},
    )
    raises(r"^params must be a dict", lstm_forward, np.zeros((1, 2, 3)), None, None, [P])


def test_backward_checks_gradients_and_cache():
    hs, _, cache = lstm_forward(np.zeros((2, 5, 3)), None, None, P)
    raises(
        r"^dhs must have shape \(B, T, H\) with B=2, T=5, H=4, got shape \(2, 4, 5\)",
        lstm_backward,
        np.zeros((2, 4, 5)),
        cache,
    )
    raises(r"^dh_n must have shape \(B, H\)", lstm_backward, hs, cache, np.zeros((4,)))
    raises(r"^cache must be the LSTMCache returned by lstm_forward", lstm_backward, hs, (1, 2))
    raises(
        r"^cache must be the CellCache returned by lstm_cell_forward", lstm_cell_backward, np.zeros((2, 4)), None, cache
    )


def test_stack_reports_the_layer_and_state_shapes():
    ps = init_lstm_stack_params(3, 4, 2, rng=0)
    raises(
        r"^h0 must have shape \(L, B, H\) with L=2, B=1, H=4 \(3 dimensions\), got shape \(1, 4\)",
        lstm_stack_forward,
        np.zeros((1, 2, 3)),
        np.zeros((1, 4)),
        None,
        ps,
    )
    ps[1] = {**ps[1], "weight_ih": np.zeros((16, 3))}
    raises(
        re.escape("layer 1 (params_list[1]): x must have shape (B, T, D) with D=3"),
        lstm_stack_forward,
        np.zeros((1, 2, 3)),
        None,
        None,
        ps,
    )
    raises(r"^params_list must be a non-empty list", lstm_stack_forward, np.zeros((1, 2, 3)), None, None, [])


def test_losses_report_shapes_and_targets():
    raises(
        r"^target must have the shape of pred, \(2, 3\), got shape \(3, 2\)",
        mse_loss,
        np.zeros((2, 3)),
        np.zeros((3, 2)),
    )
    raises(r"^logits must have shape \(N, C\)", softmax_cross_entropy, np.zeros(3), np.zeros(3, int))
    raises(
        r"^targets must have shape \(N,\) with N=2, got shape \(2, 1\)",
        softmax_cross_entropy,
        np.zeros((2, 3)),
        np.zeros((2, 1), int),
    )
    raises(
        r"^targets must be integer class indices, got dtype float64",
        softmax_cross_entropy,
        np.zeros((2, 3)),
        np.zeros(2),
    )
    raises(
        r"^targets must be class indices in \[0, C\) with C=3, got values in \[0, 3\]",
        softmax_cross_entropy,
        np.zeros((2, 3)),
        np.array([0, 3]),
    )


def test_dense_and_init_and_optimizer_errors():
    raises(r"^x must have shape \(\.\.\., I\) with I=5", dense_forward, np.zeros((2, 4)), init_dense_params(5, 2))
    raises(r"^hidden_size must be a positive integer, got 0", init_lstm_params, 3, 0)
    raises(r"^dtype must be a floating-point dtype", init_lstm_params, 3, 2, dtype=np.int32)
    raises(r"^rng must be a numpy.random.Generator", init_lstm_params, 3, 2, rng="seed")
    p = {"w": np.zeros(3)}
    raises(r"^grads has no entry for params\['w'\]", SGD(p, lr=0.1).step, {"v": np.zeros(3)})
    raises(
        r"^grads\['w'\] must have the shape of the parameter, \(3,\), got \(2,\)",
        SGD(p, lr=0.1).step,
        {"w": np.zeros(2)},
    )
