"""The chain that ties lstm_lib.torch to ground truth: torch.nn.LSTM -> the reference layer -> the fast layer.

``lstm_layer_reference`` is a loop of ``lstm_cell`` whose backward pass autograd
derives; it is checked against torch.nn.LSTM's own kernel. ``lstm_layer``, with
its hand-written backward, is checked against the reference: outputs and every
gradient, in float64, to rounding error.
"""

import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from torch import nn  # noqa: E402

import lstm_lib.torch as lt  # noqa: E402
from lstm_lib.torch import modules  # noqa: E402
from lstm_lib.torch.functional import lstm_layer, lstm_layer_reference  # noqa: E402

TOL = dict(rtol=1e-12, atol=1e-12)
D, H, P = 3, 5, 2
# (T, B): several steps and sequences, then one step, then one sequence.
SHAPES = [(4, 3), (1, 1), (1, 3), (6, 1)]
KINDS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")


def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def grads_of_random_loss(outputs, leaves, seed, used=None):
    """The gradient, with respect to every leaf, of a random linear function of the outputs.

    ``used`` (indices into ``outputs``) leaves the others out of the loss, so
    that their incoming gradient is zero.
    """
    gen = torch.Generator().manual_seed(seed)
    used = range(len(outputs)) if used is None else used
    loss = sum((outputs[k] * torch.randn(outputs[k].shape, generator=gen, dtype=torch.float64)).sum() for k in used)
    return torch.autograd.grad(loss, leaves)


def assert_all_close(names, got, want):
    assert len(names) == len(got) == len(want)
    for name, a, b in zip(names, got, want, strict=True):
        torch.testing.assert_close(a, b, **TOL, msg=lambda m, name=name: f"{name}: {m}")


# --- the reference against torch.nn.LSTM -----------------------------------------------------


def nn_layer_params(lstm, direction):
    """One direction's parameters of a one-layer torch.nn.LSTM, in lstm_layer's argument order."""
    suffix = "_l0_reverse" if direction == 1 else "_l0"
    return [getattr(lstm, kind + suffix, None) for kind in KINDS]


@pytest.mark.parametrize("steps, batch", SHAPES)
@pytest.mark.parametrize("proj", [0, P], ids=["no-proj", "proj"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
def test_reference_matches_torch_nn_lstm_in_both_directions(steps, batch, proj, bias):
    """A bidirectional nn.LSTM is the reference run forward and in reverse, on each direction's weights."""
    torch.manual_seed(0)
    ref = nn.LSTM(D, H, bias=bias, proj_size=proj, bidirectional=True).double()
    x, h0, c0 = leaf(steps, batch, D), leaf(2, batch, proj or H), leaf(2, batch, H)
    out, (h_n, c_n) = ref(x, (h0, c0))
    runs = [lstm_layer_reference(x, h0[k], c0[k], *nn_layer_params(ref, k), reverse=k == 1) for k in (0, 1)]
    ours = (
        torch.cat([r[0] for r in runs], dim=2),
        torch.stack([r[1] for r in runs]),
        torch.stack([r[2] for r in runs]),
    )
    leaves = [x, h0, c0, *ref.parameters()]
    names = ["out", "h_n", "c_n", "dx", "dh0", "dc0"] + ["d" + n for n, _ in ref.named_parameters()]
    assert_all_close(
        names,
        ours + grads_of_random_loss(ours, leaves, seed=1),
        (out, h_n, c_n) + grads_of_random_loss((out, h_n, c_n), leaves, seed=1),
    )


# --- the fast layer against the reference ----------------------------------------------------


def layer_inputs(steps, batch, proj, bias, seed):
    """x, h0, c0 and one layer's parameters (None where absent), all float64 leaves."""
    torch.manual_seed(seed)
    h_out = P if proj else H
    return {
        "x": leaf(steps, batch, D),
        "h0": leaf(batch, h_out),
        "c0": leaf(batch, H),
        "weight_ih": leaf(4 * H, D),
        "weight_hh": leaf(4 * H, h_out),
        "bias_ih": leaf(4 * H) if bias in ("both", "ih") else None,
        "bias_hh": leaf(4 * H) if bias in ("both", "hh") else None,
        "weight_hr": leaf(P, H) if proj else None,
    }


def assert_fast_matches_reference(inputs, reverse, used=None, seed=2):
    leaves = {name: t for name, t in inputs.items() if t is not None and t.requires_grad}
    fast = lstm_layer(**inputs, reverse=reverse)
    ref = lstm_layer_reference(**inputs, reverse=reverse)
    names = ["out", "h_n", "c_n"] + ["d" + name for name in leaves]
    assert_all_close(
        names,
        fast + grads_of_random_loss(fast, list(leaves.values()), seed, used),
        ref + grads_of_random_loss(ref, list(leaves.values()), seed, used),
    )


@pytest.mark.parametrize("steps, batch", SHAPES)
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
@pytest.mark.parametrize("proj", [False, True], ids=["no-proj", "proj"])
@pytest.mark.parametrize("bias", ["both", "none", "ih", "hh"])
def test_fast_layer_matches_the_reference_in_outputs_and_every_gradient(steps, batch, reverse, proj, bias):
    assert_fast_matches_reference(layer_inputs(steps, batch, proj, bias, seed=3), reverse)


@pytest.mark.parametrize("used", [(0,), (1,), (2,), (1, 2)], ids=["out", "h_n", "c_n", "h_n+c_n"])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_fast_layer_matches_the_reference_when_the_loss_uses_only_some_outputs(used, reverse):
    assert_fast_matches_reference(layer_inputs(5, 2, True, "both", seed=4), reverse, used)


def test_fast_layer_matches_the_reference_when_only_the_weights_need_gradients():
    inputs = layer_inputs(5, 2, True, "both", seed=5)
    for name in ("x", "h0", "c0"):
        inputs[name] = inputs[name].detach()
    assert_fast_matches_reference(inputs, reverse=False)


# --- the module's switch between the two -----------------------------------------------------


MODULE_CONFIGS = [
    dict(),
    dict(num_layers=2, bidirectional=True, proj_size=P),
    dict(num_layers=2, bias=False, batch_first=True),
]


@pytest.mark.parametrize("config", MODULE_CONFIGS, ids=["default", "L2-bi-proj", "L2-nobias-bf"])
def test_lstm_running_the_reference_matches_torch_nn_lstm(config):
    torch.manual_seed(6)
    ref = nn.LSTM(D, H, **config).double()
    ours = lt.LSTM(D, H, **config).double()
    ours.load_state_dict(ref.state_dict())
    ours.fast = False
    NL = ref.num_layers * (2 if ref.bidirectional else 1)
    x = leaf(*((2, 4, D) if ref.batch_first else (4, 2, D)))
    h0, c0 = leaf(NL, 2, ref.proj_size or H), leaf(NL, 2, H)
    out, (h_n, c_n) = ours(x, (h0, c0))
    rout, (rh_n, rc_n) = ref(x, (h0, c0))
    names = ["out", "h_n", "c_n", "dx", "dh0", "dc0"] + ["d" + n for n, _ in ours.named_parameters()]
    assert_all_close(
        names,
        (out, h_n, c_n) + grads_of_random_loss((out, h_n, c_n), [x, h0, c0, *ours.parameters()], 7),
        (rout, rh_n, rc_n) + grads_of_random_loss((rout, rh_n, rc_n), [x, h0, c0, *ref.parameters()], 7),
    )


def test_lstm_runs_the_fast_layer_by_default_and_the_reference_with_fast_false(monkeypatch):
    calls = []
    for name in ("lstm_layer", "lstm_layer_reference"):
        original = getattr(modules, name)
        monkeypatch.setattr(modules, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))
    m = lt.LSTM(D, H, num_layers=2)
    x = torch.randn(3, 2, D)
    m(x)
    assert calls == ["lstm_layer"] * 2
    calls.clear()
    m.fast = False
    m(x)
    assert calls == ["lstm_layer_reference"] * 2
    assert lt.LSTM(D, H).fast is True
