"""lstm_lib.torch.variants: each variant changes exactly the one thing its name says."""

from __future__ import annotations

import pytest
import torch

from lstm_lib.torch.variants import VARIANTS, VariantLSTM, variant_lstm_cell


def _copy_into_nn(model):
    ref = torch.nn.LSTM(model.input_size, model.hidden_size, batch_first=True).double()
    with torch.no_grad():
        for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ref, k + "_l0").copy_(getattr(model, k))
    return ref


def _states(seed=0, B=3, D=4, H=5):
    g = torch.Generator().manual_seed(seed)
    w = [
        torch.randn(4 * H, D, generator=g, dtype=torch.float64),
        torch.randn(4 * H, H, generator=g, dtype=torch.float64),
        torch.randn(4 * H, generator=g, dtype=torch.float64),
        torch.randn(4 * H, generator=g, dtype=torch.float64),
    ]
    x, h, c = (torch.randn(B, n, generator=g, dtype=torch.float64) for n in (D, H, H))
    return x, h, c, w


def test_vanilla_is_torch_nn_lstm():
    torch.manual_seed(0)
    model = VariantLSTM(4, 6, "vanilla", dtype=torch.float64)
    x = torch.randn(3, 9, 4, dtype=torch.float64)
    h0, c0 = torch.randn(1, 3, 6, dtype=torch.float64), torch.randn(1, 3, 6, dtype=torch.float64)
    out, (h, c) = model(x, (h0, c0))
    ref_out, (ref_h, ref_c) = _copy_into_nn(model)(x, (h0, c0))
    torch.testing.assert_close(out, ref_out, rtol=0, atol=1e-12)
    torch.testing.assert_close(h, ref_h, rtol=0, atol=1e-12)
    torch.testing.assert_close(c, ref_c, rtol=0, atol=1e-12)


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_is_the_gate_equations_with_its_one_change(variant):
    x, h_prev, c_prev, (wi, wh, bi, bh) = _states()
    a = x @ wi.T + bi + h_prev @ wh.T + bh
    a_i, a_f, a_g, a_o = a.chunk(4, -1)
    i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
    act = torch.tanh
    one = torch.ones_like(i)
    if variant == "no_input_gate":
        i = one
    elif variant == "no_forget_gate":
        f = one
    elif variant == "no_output_gate":
        o = one
    elif variant == "no_input_activation":
        g = a_g
    elif variant == "no_output_activation":
        act = lambda c: c  # noqa: E731
    elif variant == "coupled_input_forget":
        f = 1 - i
    c = f * c_prev + i * g
    h = o * act(c)
    got_h, got_c = variant_lstm_cell(x, h_prev, c_prev, wi, wh, bi, bh, variant=variant)
    torch.testing.assert_close(got_c, c, rtol=0, atol=1e-12)
    torch.testing.assert_close(got_h, h, rtol=0, atol=1e-12)
    if variant != "vanilla":  # and it differs from the vanilla cell
        van_h, _ = variant_lstm_cell(x, h_prev, c_prev, wi, wh, bi, bh)
        assert not torch.allclose(got_h, van_h)


def test_a_fixed_gate_leaves_its_block_without_gradient():
    torch.manual_seed(1)
    model = VariantLSTM(3, 4, "no_forget_gate", dtype=torch.float64)
    out, _ = model(torch.randn(2, 5, 3, dtype=torch.float64))
    out.sum().backward()
    H = 4
    assert torch.all(model.weight_ih.grad[H : 2 * H] == 0) and torch.any(model.weight_ih.grad[:H] != 0)


def test_same_seed_same_initial_weights_for_every_variant_and_the_forget_bias():
    weights = []
    for v in VARIANTS:
        torch.manual_seed(5)
        weights.append(VariantLSTM(3, 4, v).weight_hh.detach().clone())
    assert all(torch.equal(weights[0], w) for w in weights)
    torch.manual_seed(5)
    plain = VariantLSTM(3, 4).bias_ih.detach().clone()
    torch.manual_seed(5)
    biased = VariantLSTM(3, 4, forget_bias=1.0).bias_ih.detach()
    torch.testing.assert_close(biased[4:8], plain[4:8] + 1)
    torch.testing.assert_close(biased[:4], plain[:4])


def test_time_major_input_and_clear_errors():
    torch.manual_seed(2)
    model = VariantLSTM(3, 4, batch_first=False, dtype=torch.float64)
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    out, (h, _) = model(x)
    assert out.shape == (6, 2, 4) and h.shape == (1, 2, 4)
    torch.testing.assert_close(out[-1], h[0])
    with pytest.raises(ValueError, match="variant must be one of"):
        VariantLSTM(3, 4, "peephole")
    with pytest.raises(ValueError, match=r"x must have shape \(T, B, D\) with D=3"):
        model(torch.randn(6, 2, 5, dtype=torch.float64))
