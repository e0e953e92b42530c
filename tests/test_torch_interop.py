"""Parameters between lstm_lib.numpy and lstm_lib.torch / torch.nn: same numbers on both sides."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from torch import nn  # noqa: E402

import lstm_lib.torch as lt  # noqa: E402
from lstm_lib import conventions  # noqa: E402
from lstm_lib.numpy import (  # noqa: E402
    init_lstm_params,
    init_lstm_stack_params,
    lstm_backward,
    lstm_forward,
)
from lstm_lib.torch import interop  # noqa: E402

B, T, D, H = 3, 5, 4, 6
KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def test_param_keys_are_the_shared_convention():
    assert interop.PARAM_KEYS == KEYS
    assert interop.PARAM_KEYS is conventions.PARAM_KEYS


def stack_forward():
    stack = pytest.importorskip("lstm_lib.numpy.stack", reason="lstm_lib.numpy has no stack yet")
    return stack.lstm_stack_forward


@pytest.mark.parametrize("module_class", [lt.LSTMCell, nn.LSTMCell])
def test_a_cell_exports_one_dict_of_arrays_in_torch_layout(module_class):
    cell = module_class(D, H)
    params = lt.to_numpy_params(cell)
    assert isinstance(params, dict) and tuple(params) == KEYS
    assert params["weight_ih"].shape == (4 * H, D) and params["weight_hh"].shape == (4 * H, H)
    assert params["bias_ih"].shape == params["bias_hh"].shape == (4 * H,)
    assert params["weight_ih"].dtype == np.float32
    np.testing.assert_array_equal(params["weight_hh"], cell.weight_hh.detach().numpy())


@pytest.mark.parametrize("module_class", [lt.LSTM, nn.LSTM])
@pytest.mark.parametrize("layers", [1, 3])
def test_an_lstm_exports_a_list_of_dicts_layer_0_first(module_class, layers):
    lstm = module_class(D, H, num_layers=layers).double()
    params = lt.to_numpy_params(lstm)
    assert isinstance(params, list) and len(params) == layers
    assert params[0]["weight_ih"].shape == (4 * H, D)
    for layer, p in enumerate(params):
        assert tuple(p) == KEYS and p["weight_ih"].dtype == np.float64
        np.testing.assert_array_equal(p["weight_hh"], getattr(lstm, f"weight_hh_l{layer}").detach().numpy())
    assert all(p["weight_ih"].shape == (4 * H, H) for p in params[1:])


def test_export_dtype_can_be_chosen_and_arrays_are_copies():
    lstm = lt.LSTM(D, H)
    params = lt.to_numpy_params(lstm, dtype=np.float64)
    assert params[0]["weight_ih"].dtype == np.float64
    params[0]["weight_ih"][:] = 0
    assert lstm.weight_ih_l0.abs().sum() > 0


@pytest.mark.parametrize("module_class", [lt.LSTM, nn.LSTM])
def test_numpy_params_load_and_export_unchanged(module_class):
    params = init_lstm_stack_params(D, H, 2, rng=np.random.default_rng(0))
    lstm = lt.load_numpy_params(module_class(D, H, num_layers=2).double(), params)
    back = lt.to_numpy_params(lstm)
    for p, q in zip(params, back, strict=True):
        for key in KEYS:
            np.testing.assert_array_equal(p[key], q[key])


def test_a_single_dict_loads_into_a_one_layer_lstm_and_into_a_cell():
    params = init_lstm_params(D, H, rng=np.random.default_rng(1))
    lstm = lt.load_numpy_params(lt.LSTM(D, H).double(), params)
    cell = lt.load_numpy_params(lt.LSTMCell(D, H).double(), params)
    np.testing.assert_array_equal(lstm.bias_ih_l0.detach().numpy(), params["bias_ih"])
    np.testing.assert_array_equal(cell.weight_ih.detach().numpy(), params["weight_ih"])


def test_numpy_forward_and_backward_match_the_torch_lstm_with_the_same_params():
    rng = np.random.default_rng(2)
    params = init_lstm_params(D, H, rng=rng)
    lstm = lt.load_numpy_params(lt.LSTM(D, H, batch_first=True).double(), params)
    x, h0, c0 = rng.standard_normal((B, T, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    hs, (h_n, c_n), cache = lstm_forward(x, h0, c0, params)

    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, (th_n, tc_n) = lstm(tx, (th0, tc0))
    np.testing.assert_allclose(out.detach().numpy(), hs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(th_n[0].detach().numpy(), h_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tc_n[0].detach().numpy(), c_n, rtol=1e-12, atol=1e-12)

    dhs, dh_n, dc_n = rng.standard_normal(hs.shape), rng.standard_normal(h_n.shape), rng.standard_normal(c_n.shape)
    dx, dh0, dc0, grads = lstm_backward(dhs, cache, dh_n, dc_n)
    loss = (out * torch.tensor(dhs)).sum() + (th_n[0] * torch.tensor(dh_n)).sum() + (tc_n[0] * torch.tensor(dc_n)).sum()
    loss.backward()
    for ours, theirs in [(dx, tx.grad), (dh0, th0.grad[0]), (dc0, tc0.grad[0])] + [
        (grads[k], getattr(lstm, k + "_l0").grad) for k in KEYS
    ]:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_numpy_cell_matches_the_torch_cell_with_the_same_params():
    from lstm_lib.numpy import lstm_cell_forward

    rng = np.random.default_rng(3)
    params = init_lstm_params(D, H, rng=rng)
    cell = lt.load_numpy_params(nn.LSTMCell(D, H).double(), params)
    x, h, c = rng.standard_normal((B, D)), rng.standard_normal((B, H)), rng.standard_normal((B, H))
    h1, c1, _ = lstm_cell_forward(x, h, c, params)
    th1, tc1 = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
    np.testing.assert_allclose(th1.detach().numpy(), h1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tc1.detach().numpy(), c1, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("module_class", [lt.LSTM, nn.LSTM])
def test_numpy_stack_matches_a_multi_layer_torch_lstm(module_class):
    lstm_stack_forward = stack_forward()
    rng = np.random.default_rng(4)
    lstm = module_class(D, H, num_layers=3, batch_first=True).double()
    params = lt.to_numpy_params(lstm)
    x = rng.standard_normal((B, T, D))
    h0, c0 = rng.standard_normal((3, B, H)), rng.standard_normal((3, B, H))
    hs, (h_n, c_n), _ = lstm_stack_forward(x, h0, c0, params)
    out, (th_n, tc_n) = lstm(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    np.testing.assert_allclose(out.detach().numpy(), hs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(th_n.detach().numpy(), h_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tc_n.detach().numpy(), c_n, rtol=1e-12, atol=1e-12)


def test_float32_module_loads_float64_params_to_float32_precision():
    params = init_lstm_params(D, H, rng=np.random.default_rng(5))
    lstm = lt.load_numpy_params(lt.LSTM(D, H, batch_first=True), params)
    assert lstm.weight_ih_l0.dtype == torch.float32
    x = np.random.default_rng(6).standard_normal((B, T, D))
    hs, _, _ = lstm_forward(x, None, None, params)
    out = lstm(torch.tensor(x, dtype=torch.float32))[0]
    np.testing.assert_allclose(out.detach().numpy(), hs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("module_class", [lt.LSTM, nn.LSTM])
def test_a_projected_lstm_has_no_numpy_params(module_class):
    lstm = module_class(D, H, proj_size=2)
    with pytest.raises(ValueError, match="proj_size"):
        lt.to_numpy_params(lstm)
    with pytest.raises(ValueError, match="proj_size"):
        lt.load_numpy_params(lstm, init_lstm_stack_params(D, H, 1))


def test_load_rejects_a_wrong_shape_naming_the_layer_key_and_shapes():
    params = init_lstm_stack_params(D, H, 2)
    params[1]["weight_hh"] = np.zeros((4 * H, H + 1))
    lstm = lt.LSTM(D, H, num_layers=2)
    before = lstm.weight_ih_l0.detach().clone()
    with pytest.raises(ValueError) as info:
        lt.load_numpy_params(lstm, params)
    msg = str(info.value)
    assert "layer 1" in msg and "weight_hh" in msg and "(4H, H)" in msg
    assert str((4 * H, H)) in msg and str((4 * H, H + 1)) in msg
    assert torch.equal(lstm.weight_ih_l0, before)  # nothing was loaded


def test_load_rejects_a_wrong_number_of_layers_and_wrong_keys():
    with pytest.raises(ValueError, match="num_layers L=2"):
        lt.load_numpy_params(lt.LSTM(D, H, num_layers=2), init_lstm_stack_params(D, H, 3))
    params = init_lstm_params(D, H)
    del params["bias_hh"]
    with pytest.raises(ValueError, match="bias_hh"):
        lt.load_numpy_params(lt.LSTMCell(D, H), params)
    with pytest.raises(TypeError, match="LSTMCell or LSTM"):
        lt.to_numpy_params(nn.GRU(D, H))


@pytest.mark.parametrize("module_class", [lt.LSTMCell, nn.LSTMCell, lt.LSTM, nn.LSTM])
def test_a_module_without_bias_exports_zero_biases_and_accepts_only_zeros(module_class):
    module = module_class(D, H, bias=False)
    exported = lt.to_numpy_params(module)
    params = exported if isinstance(exported, dict) else exported[0]
    assert params["bias_ih"].shape == params["bias_hh"].shape == (4 * H,)
    assert not params["bias_ih"].any() and not params["bias_hh"].any()
    lt.load_numpy_params(module, exported)
    params["bias_ih"][0] = 1.0
    with pytest.raises(ValueError, match="bias=False"):
        lt.load_numpy_params(module, exported)


@pytest.mark.parametrize("module_class", [lt.LSTMCell, nn.LSTMCell, lt.LSTM, nn.LSTM])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_zero_biases_of_a_module_without_bias_have_the_weights_dtype(module_class, dtype):
    module = module_class(D, H, bias=False).to(dtype)
    params = lt.to_numpy_params(module)
    layer = params if isinstance(params, dict) else params[0]
    want = np.dtype(np.float64 if dtype == torch.float64 else np.float32)
    assert {key: a.dtype for key, a in layer.items()} == dict.fromkeys(KEYS, want)
    asked = lt.to_numpy_params(module, dtype=np.float16)
    asked = asked if isinstance(asked, dict) else asked[0]
    assert {key: a.dtype for key, a in asked.items()} == dict.fromkeys(KEYS, np.dtype(np.float16))


# --- bidirectional LSTMs: a list of (params_fwd, params_bwd) pairs, one per layer -------------


@pytest.mark.parametrize("module_class", [lt.LSTM, nn.LSTM])
def test_a_bidirectional_lstm_exports_one_pair_per_layer(module_class):
    lstm = module_class(D, H, num_layers=2, bidirectional=True).double()
    params = lt.to_numpy_params(lstm)
    assert isinstance(params, list) and len(params) == 2
    for layer, pair in enumerate(params):
        assert isinstance(pair, tuple) and len(pair) == 2
        for direction, p in enumerate(pair):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            assert tuple(p) == KEYS
            for key in KEYS:
                np.testing.assert_array_equal(p[key], getattr(lstm, key + suffix).detach().numpy())
    assert params[0][1]["weight_ih"].shape == (4 * H, D)
    assert params[1][0]["weight_ih"].shape == params[1][1]["weight_ih"].shape == (4 * H, 2 * H)


def test_bidirectional_params_round_trip_between_torch_nn_and_lstm_lib_with_equal_outputs():
    rng = np.random.default_rng(7)
    theirs = nn.LSTM(D, H, num_layers=2, bidirectional=True, batch_first=True).double()
    params = lt.to_numpy_params(theirs)
    ours = lt.load_numpy_params(lt.LSTM(D, H, num_layers=2, bidirectional=True, batch_first=True).double(), params)
    for p, q in zip(params, lt.to_numpy_params(ours), strict=True):
        for a, b in zip(p, q, strict=True):
            for key in KEYS:
                np.testing.assert_array_equal(a[key], b[key])
    x = torch.tensor(rng.standard_normal((B, T, D)))
    h0, c0 = (torch.tensor(rng.standard_normal((4, B, H))) for _ in range(2))
    out, (h_n, c_n) = theirs(x, (h0, c0))
    out2, (h_n2, c_n2) = ours(x, (h0, c0))
    for a, b in [(out, out2), (h_n, h_n2), (c_n, c_n2)]:
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_a_bidirectional_lstm_rejects_a_list_of_dicts_and_names_the_direction_of_a_bad_shape():
    lstm = lt.LSTM(D, H, num_layers=2, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional: every layer must be a .params_fwd"):
        lt.load_numpy_params(lstm, init_lstm_stack_params(D, H, 2))
    with pytest.raises(ValueError, match="bidirectional"):
        lt.load_numpy_params(lstm, init_lstm_params(D, H))
    params = lt.to_numpy_params(lstm)
    params[1][1]["weight_ih"] = np.zeros((4 * H, H))
    with pytest.raises(ValueError) as info:
        lt.load_numpy_params(lstm, params)
    msg = str(info.value)
    assert "layer 1, backward direction" in msg and "(4H, 2H)" in msg and str((4 * H, H)) in msg
    with pytest.raises(ValueError, match="not bidirectional: every layer must be a dict"):
        lt.load_numpy_params(lt.LSTM(D, H, num_layers=2), params)


# --- numpy_to_state_dict --------------------------------------------------------------------


@pytest.mark.parametrize("layers, bidirectional", [(1, False), (2, False), (2, True), (3, True)])
def test_numpy_to_state_dict_has_torch_nn_lstm_keys_in_order_and_loads_strictly(layers, bidirectional):
    theirs = nn.LSTM(D, H, num_layers=layers, bidirectional=bidirectional).double()
    params = lt.to_numpy_params(theirs)
    state = lt.numpy_to_state_dict(params)
    assert list(state) == list(theirs.state_dict())
    for module_class in (nn.LSTM, lt.LSTM):
        fresh = module_class(D, H, num_layers=layers, bidirectional=bidirectional).double()
        result = fresh.load_state_dict(state, strict=True)
        assert not result.missing_keys and not result.unexpected_keys
        for key, t in theirs.state_dict().items():
            assert torch.equal(fresh.state_dict()[key], t), key
    x = torch.tensor(np.random.default_rng(8).standard_normal((T, B, D)))
    fresh = nn.LSTM(D, H, num_layers=layers, bidirectional=bidirectional).double()
    fresh.load_state_dict(state, strict=True)
    assert torch.equal(fresh(x)[0], theirs(x)[0])


def test_numpy_to_state_dict_takes_a_single_dict_as_one_layer():
    params = init_lstm_params(D, H, rng=np.random.default_rng(9))
    state = lt.numpy_to_state_dict(params)
    assert list(state) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    for key in KEYS:
        assert isinstance(state[key + "_l0"], torch.Tensor)
        np.testing.assert_array_equal(state[key + "_l0"].numpy(), params[key])


@pytest.mark.parametrize("dtype, torch_dtype", [(np.float32, torch.float32), (np.float64, torch.float64)])
def test_numpy_to_state_dict_keeps_the_dtype_and_copies(dtype, torch_dtype):
    params = init_lstm_stack_params(D, H, 2, rng=np.random.default_rng(10), dtype=dtype)
    state = lt.numpy_to_state_dict(params)
    assert {t.dtype for t in state.values()} == {torch_dtype}
    assert all(t.device.type == "cpu" for t in state.values())
    before = params[0]["weight_ih"].copy()
    state["weight_ih_l0"].zero_()
    np.testing.assert_array_equal(params[0]["weight_ih"], before)


def test_numpy_to_state_dict_puts_the_backward_direction_under_reverse_keys():
    rng = np.random.default_rng(11)
    fwd, bwd = init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng)
    state = lt.numpy_to_state_dict([(fwd, bwd)])
    np.testing.assert_array_equal(state["weight_hh_l0"].numpy(), fwd["weight_hh"])
    np.testing.assert_array_equal(state["weight_hh_l0_reverse"].numpy(), bwd["weight_hh"])


@pytest.mark.parametrize(
    "bad, words",
    [
        (lambda p: p[0].pop("bias_hh"), "layer 0: params must have exactly the keys"),
        (lambda p: p[1].update(weight=np.zeros(1)), "unexpected \\['weight'\\]"),
        (lambda p: p[0].update(weight_ih=p[0]["weight_ih"].T), "layer 0: weight_ih must have shape \\(4H, D\\)"),
        (lambda p: p[1].update(weight_ih=np.zeros((4 * H, D))), "layer 1: weight_ih must have shape \\(4H, H\\)"),
        (lambda p: p[1].update(bias_hh=np.zeros(4 * H + 1)), "layer 1: bias_hh must have shape \\(4H,\\)"),
        (lambda p: p[0].update(weight_hh=np.zeros((H, 4 * H))), "layer 0: weight_hh must have shape \\(4H, H\\)"),
        (lambda p: p[0].update(bias_ih=np.zeros(4 * H, dtype=np.int64)), "floating-point"),
    ],
)
def test_numpy_to_state_dict_rejects_wrong_keys_and_shapes_naming_layer_and_key(bad, words):
    params = init_lstm_stack_params(D, H, 2, rng=np.random.default_rng(12))
    bad(params)
    with pytest.raises(ValueError, match=words):
        lt.numpy_to_state_dict(params)


def test_numpy_to_state_dict_rejects_mixed_layers_and_other_types():
    rng = np.random.default_rng(13)
    pair = (init_lstm_params(D, H, rng=rng), init_lstm_params(D, H, rng=rng))
    upper = init_lstm_params(2 * H, H, rng=rng)
    with pytest.raises(ValueError, match="layer 1 is a dict, but layer 0 is a .params_fwd"):
        lt.numpy_to_state_dict([pair, upper])
    with pytest.raises(ValueError, match="empty"):
        lt.numpy_to_state_dict([])
    with pytest.raises(TypeError, match="layer 0 must be a dict of arrays or a"):
        lt.numpy_to_state_dict([pair[0]["weight_ih"]])
    with pytest.raises(TypeError, match="one entry per layer"):
        lt.numpy_to_state_dict(pair[0]["weight_ih"])
    pair[1]["weight_hh"] = np.zeros((4 * H, H + 1))
    with pytest.raises(ValueError, match="layer 0, backward direction: weight_hh"):
        lt.numpy_to_state_dict([pair])
