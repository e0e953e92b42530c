"""lstm_lib.numpy.variant_cell_forward: the NumPy reference of the gate ablation, equal to
lstm_lib.torch.variants' cell for every variant."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lstm_lib.numpy import VARIANTS, init_lstm_params, lstm_cell_forward, variant_cell_forward
from lstm_lib.torch import variants as torch_variants


def _inputs(seed=0, B=3, D=4, H=5, dtype=np.float64):
    rng = np.random.default_rng(seed)
    p = {
        "weight_ih": rng.normal(0, 0.7, (4 * H, D)),
        "weight_hh": rng.normal(0, 0.7, (4 * H, H)),
        "bias_ih": rng.normal(0, 0.5, 4 * H),
        "bias_hh": rng.normal(0, 0.5, 4 * H),
    }
    x, h, c = rng.normal(0, 1, (B, D)), rng.uniform(-1, 1, (B, H)), rng.normal(0, 1.5, (B, H))
    return x.astype(dtype), h.astype(dtype), c.astype(dtype), {k: v.astype(dtype) for k, v in p.items()}


def test_variants_are_the_torch_modules():
    assert VARIANTS == torch_variants.VARIANTS


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_variant_equals_the_torch_cell_in_float64(variant, seed):
    x, h_prev, c_prev, p = _inputs(seed, B=1 + seed, D=3 + seed, H=2 + 2 * seed)
    h, c = variant_cell_forward(x, h_prev, c_prev, p, variant)
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    h_ref, c_ref = torch_variants.variant_lstm_cell(
        torch.from_numpy(x),
        torch.from_numpy(h_prev),
        torch.from_numpy(c_prev),
        t["weight_ih"],
        t["weight_hh"],
        t["bias_ih"],
        t["bias_hh"],
        variant=variant,
    )
    np.testing.assert_allclose(h, h_ref.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(c, c_ref.numpy(), rtol=0, atol=1e-12)


def test_vanilla_is_lstm_cell_forward():
    x, h_prev, c_prev, p = _inputs(3)
    h, c = variant_cell_forward(x, h_prev, c_prev, p, "vanilla")
    h_ref, c_ref, _ = lstm_cell_forward(x, h_prev, c_prev, p)
    np.testing.assert_array_equal(h, h_ref)
    np.testing.assert_array_equal(c, c_ref)


def test_every_variant_changes_the_step():
    x, h_prev, c_prev, p = _inputs(4)
    steps = {v: variant_cell_forward(x, h_prev, c_prev, p, v) for v in VARIANTS}
    for v in VARIANTS[1:]:
        assert not np.allclose(steps[v][0], steps["vanilla"][0]), v


def test_no_forget_gate_keeps_the_whole_memory():
    x, h_prev, c_prev, p = _inputs(5)
    # With the input term zeroed (g = tanh(0) = 0 through a zero candidate block), c = c_prev exactly.
    p = dict(p)
    for k in ("weight_ih", "weight_hh"):
        p[k] = p[k].copy()
        p[k][2 * 5 : 3 * 5] = 0
    for k in ("bias_ih", "bias_hh"):
        p[k] = p[k].copy()
        p[k][2 * 5 : 3 * 5] = 0
    _, c = variant_cell_forward(x, h_prev, c_prev, p, "no_forget_gate")
    np.testing.assert_array_equal(c, c_prev)
    _, c_vanilla = variant_cell_forward(x, h_prev, c_prev, p, "vanilla")
    assert np.all(np.abs(c_vanilla) < np.abs(c_prev))


def test_coupled_gate_interpolates_between_memory_and_candidate():
    x, h_prev, c_prev, p = _inputs(6)
    _, c = variant_cell_forward(x, h_prev, c_prev, p, "coupled_input_forget")
    # c = (1 - i) c_prev + i g with g in (-1, 1): between c_prev and a value in (-1, 1).
    assert np.all(c >= np.minimum(c_prev, -1.0)) and np.all(c <= np.maximum(c_prev, 1.0))
    _, c_vanilla = variant_cell_forward(x, h_prev, c_prev, p, "vanilla")
    assert not np.allclose(c, c_vanilla)


def test_no_output_activation_lets_h_exceed_one():
    x, h_prev, c_prev, p = _inputs(7)
    c_prev = c_prev * 5
    h, c = variant_cell_forward(x, h_prev, c_prev, p, "no_output_activation")
    assert np.abs(h).max() > 1.0
    h_vanilla, _ = variant_cell_forward(x, h_prev, c_prev, p, "vanilla")
    assert np.abs(h_vanilla).max() < 1.0


@pytest.mark.parametrize("variant", VARIANTS)
def test_float32_stays_float32_and_inputs_are_not_modified(variant):
    x, h_prev, c_prev, p = _inputs(8, dtype=np.float32)
    before = [a.copy() for a in (x, h_prev, c_prev, *p.values())]
    h, c = variant_cell_forward(x, h_prev, c_prev, p, variant)
    assert h.dtype == c.dtype == np.float32
    for a, b in zip((x, h_prev, c_prev, *p.values()), before, strict=True):
        np.testing.assert_array_equal(a, b)
    h64, c64 = variant_cell_forward(
        *(a.astype(np.float64) for a in (x, h_prev, c_prev)), {k: v.astype(np.float64) for k, v in p.items()}, variant
    )
    np.testing.assert_allclose(h, h64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c, c64, rtol=1e-5, atol=1e-6)


def test_unknown_variant_is_refused_with_the_list():
    x, h_prev, c_prev, p = _inputs()
    with pytest.raises(ValueError, match="coupled_input_forget.*got 'peephole'"):
        variant_cell_forward(x, h_prev, c_prev, p, "peephole")


def test_shapes_are_checked_like_lstm_cell_forward():
    p = init_lstm_params(4, 3, rng=0)
    with pytest.raises(ValueError, match=r"x must have shape \(B, D\)"):
        variant_cell_forward(np.zeros((2, 5)), np.zeros((2, 3)), np.zeros((2, 3)), p, "vanilla")
    with pytest.raises(ValueError, match=r"c_prev must have shape \(B, H\)"):
        variant_cell_forward(np.zeros((2, 4)), np.zeros((2, 3)), np.zeros((1, 3)), p, "vanilla")
    with pytest.raises(ValueError, match="missing 'bias_hh'"):
        variant_cell_forward(
            np.zeros((2, 4)),
            np.zeros((2, 3)),
            np.zeros((2, 3)),
            {k: v for k, v in p.items() if k != "bias_hh"},
            "vanilla",
        )
