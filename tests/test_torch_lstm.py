"""lstm_lib.torch.LSTM and LSTMCell against torch.nn.LSTM and torch.nn.LSTMCell."""

import itertools
import math
import warnings

import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

import lstm_lib.torch as lt  # noqa: E402

TOL = {torch.float64: dict(rtol=1e-12, atol=1e-12), torch.float32: dict(rtol=1e-5, atol=1e-5)}
T, B, D, H, P = 5, 3, 4, 6, 2

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def make_pair(dtype=torch.float64, device="cpu", seed=0, **kwargs):
    """A torch.nn.LSTM and an lstm_lib.torch.LSTM holding the same weights."""
    torch.manual_seed(seed)
    ref = nn.LSTM(D, H, **kwargs).to(device=device, dtype=dtype)
    ours = lt.LSTM(D, H, **kwargs).to(device=device, dtype=dtype)
    ours.load_state_dict(ref.state_dict())
    return ref, ours


def make_inputs(module, batch=B, steps=T, dtype=torch.float64, device="cpu", with_state=True):
    """A random input (and initial state) for ``module``, all requiring grad."""
    shape = (batch, steps, D) if module.batch_first else (steps, batch, D)
    x = torch.randn(shape, dtype=dtype, device=device, requires_grad=True)
    if not with_state:
        return x, None
    NL = module.num_layers * (2 if module.bidirectional else 1)
    h_out = module.proj_size or module.hidden_size
    h0 = torch.randn(NL, batch, h_out, dtype=dtype, device=device, requires_grad=True)
    c0 = torch.randn(NL, batch, module.hidden_size, dtype=dtype, device=device, requires_grad=True)
    return x, (h0, c0)


def run_and_grad(module, x, hx, weights):
    """Outputs and the gradients of a random linear function of all of them."""
    out, (h_n, c_n) = module(x, hx)
    w_out, w_h, w_c = weights
    loss = (out * w_out).sum() + (h_n * w_h).sum() + (c_n * w_c).sum()
    leaves = [x] + (list(hx) if hx is not None else []) + list(module.parameters())
    return (out, h_n, c_n), torch.autograd.grad(loss, leaves)


def assert_same_as_torch(ref, ours, x, hx, dtype):
    ref_out = ref(x, hx)
    weights = (torch.randn_like(ref_out[0]), torch.randn_like(ref_out[1][0]), torch.randn_like(ref_out[1][1]))
    (out, h_n, c_n), grads = run_and_grad(ours, x, hx, weights)
    (rout, rh_n, rc_n), rgrads = run_and_grad(ref, x, hx, weights)
    tol = TOL[dtype]
    torch.testing.assert_close(out, rout, **tol)
    torch.testing.assert_close(h_n, rh_n, **tol)
    torch.testing.assert_close(c_n, rc_n, **tol)
    names = ["input"] + (["h_0", "c_0"] if hx is not None else []) + [n for n, _ in ours.named_parameters()]
    assert len(grads) == len(rgrads) == len(names)
    for name, g, rg in zip(names, grads, rgrads, strict=True):
        torch.testing.assert_close(g, rg, **tol, msg=lambda m, name=name: f"d{name}: {m}")


CONFIGS = [
    dict(num_layers=L, batch_first=bf, bias=bias, bidirectional=bi, proj_size=p)
    for L, bf, bias, bi, p in itertools.product([1, 2, 3], [False, True], [True, False], [False, True], [0, P])
]


def config_id(c):
    return (
        f"L{c['num_layers']}-{'bf' if c['batch_first'] else 'tf'}"
        f"-{'bias' if c['bias'] else 'nobias'}-{'bi' if c['bidirectional'] else 'uni'}"
        f"-P{c['proj_size']}"
    )


# --- construction ----------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_state_dict_keys_and_shapes_match_torch(config):
    ref, ours = nn.LSTM(D, H, **config), lt.LSTM(D, H, **config)
    assert list(ours.state_dict()) == list(ref.state_dict())
    for key, value in ref.state_dict().items():
        assert ours.state_dict()[key].shape == value.shape, key


@pytest.mark.parametrize("config", CONFIGS[::5], ids=config_id)
def test_initialisation_draws_the_same_numbers_as_torch_from_the_same_seed(config):
    torch.manual_seed(123)
    ref = nn.LSTM(D, H, **config)
    torch.manual_seed(123)
    ours = lt.LSTM(D, H, **config)
    bound = 1 / math.sqrt(H)
    for key, value in ref.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key
        assert ours.state_dict()[key].abs().max() <= bound


def test_cell_state_dict_and_initialisation_match_torch():
    for bias in (True, False):
        torch.manual_seed(7)
        ref = nn.LSTMCell(D, H, bias=bias)
        torch.manual_seed(7)
        ours = lt.LSTMCell(D, H, bias=bias)
        assert list(ours.state_dict()) == list(ref.state_dict())
        for key, value in ref.state_dict().items():
            assert torch.equal(ours.state_dict()[key], value), key


def test_constructor_defaults_and_repr_match_torch():
    for kwargs in [{}, dict(num_layers=2, dropout=0.5, bidirectional=True, batch_first=True, bias=False, proj_size=3)]:
        ref, ours = nn.LSTM(D, H, **kwargs), lt.LSTM(D, H, **kwargs)
        for attr in (
            "input_size",
            "hidden_size",
            "num_layers",
            "bias",
            "batch_first",
            "dropout",
            "bidirectional",
            "proj_size",
        ):
            assert getattr(ours, attr) == getattr(ref, attr), attr
        assert ours.extra_repr() == ref.extra_repr()
        assert [[p.shape for p in ws] for ws in ours.all_weights] == [[p.shape for p in ws] for ws in ref.all_weights]
    assert lt.LSTMCell(D, H).extra_repr() == nn.LSTMCell(D, H).extra_repr()


def test_constructor_takes_device_and_dtype():
    m = lt.LSTM(D, H, dtype=torch.float64, device="cpu")
    assert all(p.dtype == torch.float64 for p in m.parameters())
    c = lt.LSTMCell(D, H, dtype=torch.float64)
    assert c.weight_ih.dtype == torch.float64


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(proj_size=H), ValueError, "proj_size"),
        (dict(proj_size=-1), ValueError, "proj_size"),
        (dict(num_layers=0), ValueError, "num_layers"),
        (dict(dropout=1.5), ValueError, "dropout"),
        (dict(dropout="x"), ValueError, "dropout"),
        (dict(num_layers=1.5), TypeError, "num_layers"),
    ],
)
def test_constructor_rejects_bad_arguments_like_torch(kwargs, error, words):
    with pytest.raises(error, match=words):
        lt.LSTM(D, H, **kwargs)
    with pytest.raises(error):
        nn.LSTM(D, H, **kwargs)


def test_constructor_rejects_non_positive_hidden_size():
    with pytest.raises(ValueError, match="hidden_size"):
        lt.LSTM(D, 0)
    with pytest.raises(TypeError, match="hidden_size"):
        lt.LSTMCell(D, 2.0)


def test_dropout_with_one_layer_warns_like_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        lt.LSTM(D, H, dropout=0.3)


# --- forward and backward against torch.nn.LSTM ----------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_outputs_and_gradients_match_torch(config, dtype):
    ref, ours = make_pair(dtype, **config)
    x, hx = make_inputs(ours, dtype=dtype)
    assert_same_as_torch(ref, ours, x, hx, dtype)


@pytest.mark.parametrize("config", CONFIGS[::3], ids=config_id)
def test_missing_initial_state_means_zeros_like_torch(config):
    ref, ours = make_pair(**config)
    x, _ = make_inputs(ours, with_state=False)
    assert_same_as_torch(ref, ours, x, None, torch.float64)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("proj_size", [0, P])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_input_matches_torch(bidirectional, proj_size, with_state):
    ref, ours = make_pair(num_layers=2, bidirectional=bidirectional, proj_size=proj_size)
    x = torch.randn(T, D, dtype=torch.float64, requires_grad=True)
    hx = None
    if with_state:
        NL = 2 * (2 if bidirectional else 1)
        hx = (
            torch.randn(NL, proj_size or H, dtype=torch.float64, requires_grad=True),
            torch.randn(NL, H, dtype=torch.float64, requires_grad=True),
        )
    out, (h_n, c_n) = ours(x, hx)
    rout, (rh_n, rc_n) = ref(x, hx)
    assert out.shape == rout.shape and h_n.shape == rh_n.shape and c_n.shape == rc_n.shape
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


def test_unbatched_input_ignores_batch_first_like_torch():
    ref, ours = make_pair(batch_first=True)
    x = torch.randn(T, D, dtype=torch.float64, requires_grad=True)
    assert_same_as_torch(ref, ours, x, None, torch.float64)


@pytest.mark.parametrize("steps, batch", [(1, 1), (1, 4), (7, 1)])
def test_single_step_and_single_sequence_match_torch(steps, batch):
    ref, ours = make_pair(num_layers=2, bidirectional=True)
    x, hx = make_inputs(ours, batch=batch, steps=steps)
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


def test_no_grad_forward_matches_the_training_forward():
    ref, ours = make_pair(num_layers=2, bidirectional=True, proj_size=P)
    x, hx = make_inputs(ours)
    out, (h_n, c_n) = ours(x, hx)
    with torch.no_grad():
        out2, (h_n2, c_n2) = ours(x, hx)
    assert out2.grad_fn is None
    torch.testing.assert_close(out2, out, rtol=0, atol=1e-15)
    torch.testing.assert_close(h_n2, h_n, rtol=0, atol=1e-15)
    torch.testing.assert_close(c_n2, c_n, rtol=0, atol=1e-15)


def test_gradient_flows_to_parameters_when_input_does_not_require_grad():
    ref, ours = make_pair(num_layers=2)
    x = torch.randn(T, B, D, dtype=torch.float64)
    ours(x)[0].sum().backward()
    ref(x)[0].sum().backward()
    for (name, p), q in zip(ours.named_parameters(), ref.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, **TOL[torch.float64], msg=name)


def test_backward_twice_with_retain_graph_gives_the_same_gradients():
    _, ours = make_pair(num_layers=2, bidirectional=True, proj_size=P)
    x, hx = make_inputs(ours)
    out, (h_n, c_n) = ours(x, hx)
    loss = out.sum() + h_n.sum() + c_n.sum()
    first = torch.autograd.grad(loss, [x, *hx, *ours.parameters()], retain_graph=True)
    second = torch.autograd.grad(loss, [x, *hx, *ours.parameters()])
    for a, b in zip(first, second, strict=True):
        assert torch.equal(a, b)


def test_only_the_final_state_used_in_the_loss_still_matches_torch():
    ref, ours = make_pair(num_layers=2)
    x, hx = make_inputs(ours)
    g = torch.autograd.grad(ours(x, hx)[1][1].sum(), [x, *hx])
    rg = torch.autograd.grad(ref(x, hx)[1][1].sum(), [x, *hx])
    for a, b in zip(g, rg, strict=True):
        torch.testing.assert_close(a, b, **TOL[torch.float64])


def test_module_follows_its_parameters_dtype():
    ref, ours = make_pair(torch.float32, num_layers=2)
    ours.double()
    ref.double()
    x, hx = make_inputs(ours)
    out = ours(x, hx)[0]
    assert out.dtype == torch.float64
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


# --- dropout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
def test_eval_mode_ignores_dropout_and_matches_torch(bidirectional):
    ref, ours = make_pair(num_layers=3, dropout=0.5, bidirectional=bidirectional)
    ref.eval()
    ours.eval()
    x, hx = make_inputs(ours)
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


def test_train_mode_dropout_changes_the_output():
    _, ours = make_pair(num_layers=2, dropout=0.5)
    x, hx = make_inputs(ours)
    ours.train()
    torch.manual_seed(1)
    a = ours(x, hx)[0]
    torch.manual_seed(2)
    b = ours(x, hx)[0]
    ours.eval()
    c = ours(x, hx)[0]
    assert not torch.allclose(a, b)
    assert not torch.allclose(a, c)


def test_train_mode_dropout_one_zeroes_every_layer_input_but_the_first():
    """With dropout=1 the upper layers see zeros: layer 0's states are untouched."""
    _, ours = make_pair(num_layers=2, dropout=1.0)
    x, hx = make_inputs(ours)
    ours.train()
    out, (h_n, c_n) = ours(x, hx)
    top = lt.LSTM(H, H).double()
    top.weight_ih_l0.data, top.weight_hh_l0.data = ours.weight_ih_l1.data, ours.weight_hh_l1.data
    top.bias_ih_l0.data, top.bias_hh_l0.data = ours.bias_ih_l1.data, ours.bias_hh_l1.data
    zeros = torch.zeros(T, B, H, dtype=torch.float64)
    expected, (h1, c1) = top(zeros, (hx[0][1:], hx[1][1:]))
    torch.testing.assert_close(out, expected, **TOL[torch.float64])
    ours.eval()
    _, (h_eval, c_eval) = ours(x, hx)
    torch.testing.assert_close(h_n[0], h_eval[0], **TOL[torch.float64])  # layer 0: no dropout


@pytest.mark.parametrize("bidirectional", [False, True])
def test_train_mode_dropout_matches_torch_given_the_same_seed(bidirectional):
    """The masks come from the same random stream as torch.nn.LSTM's on the CPU."""
    ref, ours = make_pair(num_layers=3, dropout=0.4, bidirectional=bidirectional)
    ref.train()
    ours.train()
    x, hx = make_inputs(ours)
    torch.manual_seed(5)
    rout, (rh_n, rc_n) = ref(x, hx)
    torch.manual_seed(5)
    out, (h_n, c_n) = ours(x, hx)
    torch.testing.assert_close(out, rout, **TOL[torch.float64])
    torch.testing.assert_close(h_n, rh_n, **TOL[torch.float64])
    torch.testing.assert_close(c_n, rc_n, **TOL[torch.float64])


def test_train_mode_dropout_zeroes_about_a_fraction_p_of_the_upper_layer_input():
    """About a fraction p = 0.3 of the input to layer 1 is zeroed."""
    _, ours = make_pair(num_layers=2, dropout=0.3)
    ours.train()
    seen = []  # the input of every lstm_layer call: layer 1's is the masked output of layer 0
    from lstm_lib.torch import modules

    original = modules.lstm_layer

    def spy(x, *args, **kwargs):
        seen.append(x.detach())
        return original(x, *args, **kwargs)

    modules.lstm_layer = spy
    try:
        x = torch.ones(50, 40, D, dtype=torch.float64)
        torch.manual_seed(0)
        ours(x)
    finally:
        modules.lstm_layer = original
    dropped = seen[1]
    assert 0.25 < (dropped == 0).double().mean() < 0.35


# --- LSTMCell --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [True, False])
def test_cell_outputs_and_gradients_match_torch(dtype, bias, batched, with_state):
    torch.manual_seed(0)
    ref = nn.LSTMCell(D, H, bias=bias).to(dtype)
    ours = lt.LSTMCell(D, H, bias=bias).to(dtype)
    ours.load_state_dict(ref.state_dict())
    lead = (B,) if batched else ()
    x = torch.randn(*lead, D, dtype=dtype, requires_grad=True)
    hx = None
    if with_state:
        hx = (
            torch.randn(*lead, H, dtype=dtype, requires_grad=True),
            torch.randn(*lead, H, dtype=dtype, requires_grad=True),
        )
    h, c = ours(x, hx)
    rh, rc = ref(x, hx)
    assert h.shape == rh.shape == c.shape == rc.shape
    w_h, w_c = torch.randn_like(h), torch.randn_like(c)
    leaves = [x] + (list(hx) if hx else [])
    g = torch.autograd.grad((h * w_h).sum() + (c * w_c).sum(), leaves + list(ours.parameters()))
    rg = torch.autograd.grad((rh * w_h).sum() + (rc * w_c).sum(), leaves + list(ref.parameters()))
    torch.testing.assert_close(h, rh, **TOL[dtype])
    torch.testing.assert_close(c, rc, **TOL[dtype])
    for a, b in zip(g, rg, strict=True):
        torch.testing.assert_close(a, b, **TOL[dtype])


def test_cell_unrolled_equals_the_lstm_on_the_same_weights():
    _, ours = make_pair()
    cell = lt.LSTMCell(D, H).double()
    cell.load_state_dict({k[:-3]: v for k, v in ours.state_dict().items()})
    x, (h0, c0) = make_inputs(ours)
    h, c = h0[0], c0[0]
    outs = []
    for t in range(T):
        h, c = cell(x[t], (h, c))
        outs.append(h)
    out, (h_n, c_n) = ours(x, (h0, c0))
    torch.testing.assert_close(torch.stack(outs), out, **TOL[torch.float64])
    torch.testing.assert_close(c, c_n[0], **TOL[torch.float64])


# --- bad input -------------------------------------------------------------------------------


def lstm_error(module, x, hx=None, error=ValueError):
    with pytest.raises(error) as info:
        module(x, hx)
    return str(info.value)


def test_input_with_wrong_number_of_dimensions_is_rejected_with_its_shape():
    m = lt.LSTM(D, H)
    msg = lstm_error(m, torch.randn(2, 3, 4, D))
    assert "(T, B, D)" in msg and "(2, 3, 4, 4)" in msg and "4-D" in msg
    msg = lstm_error(lt.LSTM(D, H, batch_first=True), torch.randn(D))
    assert "(B, T, D)" in msg and f"({D},)" in msg


def test_input_with_wrong_feature_size_names_d():
    msg = lstm_error(lt.LSTM(D, H, batch_first=True), torch.randn(B, T, D + 1))
    assert f"D={D}" in msg and f"{(B, T, D + 1)}" in msg and "(B, T, D)" in msg


def test_bad_input_errors_are_also_runtime_errors_like_torch():
    with pytest.raises(RuntimeError):
        lt.LSTM(D, H)(torch.randn(T, B, D + 1))
    with pytest.raises(RuntimeError):
        nn.LSTM(D, H)(torch.randn(T, B, D + 1))


def test_initial_state_with_wrong_shape_names_the_expected_shape():
    m = lt.LSTM(D, H, num_layers=2, proj_size=P)
    x = torch.randn(T, B, D)
    good_h, good_c = torch.zeros(2, B, P), torch.zeros(2, B, H)
    msg = lstm_error(m, x, (torch.zeros(2, B, H), good_c))
    assert "h_0" in msg and f"{(2, B, P)}" in msg and f"{(2, B, H)}" in msg and "(N*L, B, P)" in msg
    msg = lstm_error(m, x, (good_h, torch.zeros(1, B, H)))
    assert "c_0" in msg and f"{(2, B, H)}" in msg and f"{(1, B, H)}" in msg
    msg = lstm_error(m, torch.randn(T, D), (good_h, good_c))
    assert "(N*L, P)" in msg and f"{(2, P)}" in msg


def test_input_with_wrong_dtype_names_both_dtypes():
    msg = lstm_error(lt.LSTM(D, H), torch.randn(T, B, D, dtype=torch.float64))
    assert "torch.float32" in msg and "torch.float64" in msg
    msg = lstm_error(
        lt.LSTM(D, H), torch.randn(T, B, D), (torch.zeros(1, B, H, dtype=torch.float64), torch.zeros(1, B, H))
    )
    assert "h_0" in msg and "torch.float64" in msg


def test_non_tensor_input_and_malformed_state_are_type_errors():
    m = lt.LSTM(D, H)
    lstm_error(m, [[0.0] * D], error=TypeError)
    msg = lstm_error(m, torch.randn(T, B, D), torch.zeros(1, B, H), error=TypeError)
    assert "(h_0, c_0)" in msg


def test_packed_sequence_is_rejected_with_a_clear_message():
    from torch.nn.utils.rnn import pack_padded_sequence

    packed = pack_padded_sequence(torch.randn(T, B, D), [5, 4, 2])
    msg = lstm_error(lt.LSTM(D, H), packed, error=TypeError)
    assert "PackedSequence" in msg and "pad_packed_sequence" in msg


def test_cell_rejects_bad_shapes_with_the_expected_shape():
    cell = lt.LSTMCell(D, H)
    msg = lstm_error(cell, torch.randn(B, D + 2))
    assert "(B, D)" in msg and f"{(B, D)}" in msg and f"{(B, D + 2)}" in msg
    msg = lstm_error(cell, torch.randn(2, B, D))
    assert "(B, D)" in msg and "3-D" in msg
    msg = lstm_error(cell, torch.randn(B, D), (torch.zeros(B, H + 1), torch.zeros(B, H)))
    assert "h_0" in msg and f"{(B, H)}" in msg and f"{(B, H + 1)}" in msg
    msg = lstm_error(cell, torch.randn(D), (torch.zeros(B, H), torch.zeros(B, H)))
    assert "(H,)" in msg


# --- written from the gate equations ---------------------------------------------------------


def test_forward_and_backward_call_no_fused_lstm_op(monkeypatch):
    """Patch every fused LSTM entry point to raise, then run forward and backward."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a fused LSTM op was called")

    for owner, name in [
        (torch, "lstm"),
        (torch, "lstm_cell"),
        (torch._VF, "lstm"),
        (torch._VF, "lstm_cell"),
        (nn.LSTM, "forward"),
        (nn.LSTMCell, "forward"),
        (torch, "_thnn_fused_lstm_cell"),
    ]:
        if hasattr(owner, name):
            monkeypatch.setattr(owner, name, forbidden)
    m = lt.LSTM(D, H, num_layers=2, bidirectional=True, proj_size=P, dropout=0.2)
    x = torch.randn(T, B, D, requires_grad=True)
    out, (h_n, c_n) = m(x)
    (out.sum() + h_n.sum() + c_n.sum()).backward()
    h, c = lt.LSTMCell(D, H)(x[0])
    (h.sum() + c.sum()).backward()
    assert x.grad is not None


def test_no_aten_rnn_kernel_runs_in_forward_or_backward():
    """Every ATen op that runs is recorded: none of them is an LSTM / RNN kernel."""
    dispatch = pytest.importorskip("torch.utils._python_dispatch")

    seen = set()

    class Record(dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.add(str(func))
            return func(*args, **(kwargs or {}))

    m = lt.LSTM(D, H, num_layers=2, bidirectional=True)
    x = torch.randn(T, B, D, requires_grad=True)
    with Record():
        out, (h_n, c_n) = m(x)
        (out.sum() + c_n.sum()).backward()
        lt.LSTMCell(D, H)(x[0])[0].sum().backward()
    assert any("addmm" in op for op in seen)  # the recorder did see the work
    assert not [op for op in seen if "lstm" in op or "rnn" in op or "gru" in op]


# --- property tests --------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 3),
    steps=st.integers(1, 4),
    input_size=st.integers(1, 4),
    hidden=st.integers(1, 4),
    layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_small_shapes_match_torch(
    batch, steps, input_size, hidden, layers, bidirectional, batch_first, bias, seed
):
    torch.manual_seed(seed)
    kwargs = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    ref = nn.LSTM(input_size, hidden, **kwargs).double()
    ours = lt.LSTM(input_size, hidden, **kwargs).double()
    ours.load_state_dict(ref.state_dict())
    shape = (batch, steps, input_size) if batch_first else (steps, batch, input_size)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    NL = layers * (2 if bidirectional else 1)
    hx = (
        torch.randn(NL, batch, hidden, dtype=torch.float64, requires_grad=True),
        torch.randn(NL, batch, hidden, dtype=torch.float64, requires_grad=True),
    )
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


@settings(max_examples=25, deadline=None)
@given(batch=st.integers(1, 3), input_size=st.integers(1, 4), hidden=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_random_small_cells_match_torch(batch, input_size, hidden, seed):
    torch.manual_seed(seed)
    ref = nn.LSTMCell(input_size, hidden).double()
    ours = lt.LSTMCell(input_size, hidden).double()
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(batch, input_size, dtype=torch.float64)
    hx = (torch.randn(batch, hidden, dtype=torch.float64), torch.randn(batch, hidden, dtype=torch.float64))
    for a, b in zip(ours(x, hx), ref(x, hx), strict=True):
        torch.testing.assert_close(a, b, **TOL[torch.float64])


# --- other dtypes and devices ----------------------------------------------------------------


def test_bfloat16_forward_on_cpu_is_close_to_float32():
    ref, ours = make_pair(torch.float32, num_layers=2)
    x, (h0, c0) = make_inputs(ours, dtype=torch.float32)
    expected, (h_n, c_n) = ref(x, (h0, c0))
    ours.to(torch.bfloat16)
    out, (h_n16, c_n16) = ours(x.bfloat16(), (h0.bfloat16(), c0.bfloat16()))
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expected, rtol=0, atol=5e-2)
    torch.testing.assert_close(c_n16.float(), c_n, rtol=0, atol=5e-2)
    out.float().sum().backward()  # the backward runs in bfloat16 too
    assert ours.weight_hh_l0.grad.dtype == torch.bfloat16


@pytest.mark.cuda
@cuda
@pytest.mark.parametrize("config", CONFIGS[::4], ids=config_id)
def test_cuda_outputs_and_gradients_match_torch(config):
    ref, ours = make_pair(torch.float64, device="cuda", **config)
    x, hx = make_inputs(ours, dtype=torch.float64, device="cuda")
    out = ours(x, hx)[0]
    assert out.device.type == "cuda"
    assert_same_as_torch(ref, ours, x, hx, torch.float64)


@pytest.mark.cuda
@cuda
def test_cuda_float32_matches_cudnn():
    ref, ours = make_pair(torch.float32, device="cuda", num_layers=2, bidirectional=True)
    x, hx = make_inputs(ours, dtype=torch.float32, device="cuda")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        assert_same_as_torch(ref, ours, x, hx, torch.float32)


@pytest.mark.cuda
@cuda
def test_cuda_bfloat16_forward_is_close_to_float32():
    ref, ours = make_pair(torch.float32, device="cuda", num_layers=2)
    x, hx = make_inputs(ours, dtype=torch.float32, device="cuda")
    expected = ref(x, hx)[0]
    ours.to(torch.bfloat16)
    out = ours(x.bfloat16(), tuple(t.bfloat16() for t in hx))[0]
    torch.testing.assert_close(out.float(), expected, rtol=0, atol=5e-2)
