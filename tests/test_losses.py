"""The losses: values and gradients against torch and finite differences, stability, dtypes."""

import numpy as np
import pytest
import torch

from lstm_lib.numpy import mse_loss, perplexity, softmax, softmax_cross_entropy


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = f(x)
        x[idx] = old - eps
        down = f(x)
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


def test_mse_loss_matches_torch_and_finite_differences():
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    loss, dpred = mse_loss(pred, target)
    p = torch.tensor(pred, requires_grad=True)
    want = torch.nn.functional.mse_loss(p, torch.tensor(target))
    want.backward()
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(dpred, p.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dpred, numeric_grad(lambda a: mse_loss(a, target)[0], pred.copy()), rtol=1e-6, atol=1e-9)


def test_softmax_cross_entropy_matches_torch_and_finite_differences():
    rng = np.random.default_rng(1)
    logits, targets = rng.normal(0, 3, size=(5, 4)), rng.integers(0, 4, size=5)
    loss, dlogits = softmax_cross_entropy(logits, targets)
    z = torch.tensor(logits, requires_grad=True)
    want = torch.nn.functional.cross_entropy(z, torch.tensor(targets))
    want.backward()
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, z.grad.numpy(), rtol=1e-10, atol=1e-14)
    num = numeric_grad(lambda a: softmax_cross_entropy(a, targets)[0], logits.copy())
    np.testing.assert_allclose(dlogits, num, rtol=1e-6, atol=1e-9)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [-1e300, 1e300, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dlogits = softmax_cross_entropy(logits, np.array([0, 0]))
    assert np.isfinite(loss) and np.isfinite(dlogits).all()
    assert loss == pytest.approx(1e300)  # the second row puts all its mass on the wrong class


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_keep_the_dtype_and_leave_their_inputs_alone(dtype):
    rng = np.random.default_rng(2)
    pred, target = rng.normal(size=(2, 3)).astype(dtype), rng.normal(size=(2, 3)).astype(dtype)
    logits, targets = rng.normal(size=(4, 3)).astype(dtype), np.array([0, 2, 1, 2])
    copies = [a.copy() for a in (pred, target, logits, targets)]
    _, dpred = mse_loss(pred, target)
    _, dlogits = softmax_cross_entropy(logits, targets)
    assert dpred.dtype == dtype and dlogits.dtype == dtype
    for a, b in zip((pred, target, logits, targets), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_perplexity_of_a_uniform_guess_is_the_number_of_classes():
    for C in (2, 7, 65):
        assert perplexity(np.zeros((3, C)), np.arange(3) % C) == pytest.approx(C)
    sure = np.array([[50.0, 0.0, 0.0], [0.0, 50.0, 0.0]])
    assert perplexity(sure, np.array([0, 1])) == pytest.approx(1.0)


def test_softmax_rows_sum_to_one_and_match_torch_even_for_huge_logits():
    logits = np.array([[1000.0, 999.0, -5.0], [0.1, 0.2, 0.3]])
    p = softmax(logits)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p, torch.softmax(torch.tensor(logits), dim=1).numpy(), rtol=1e-12)


def test_exercise_5_states_what_it_grades_and_its_corpus_covers_both_functions():
    from pathlib import Path

    import nbformat
    from mistakes import corpus

    root = Path(__file__).resolve().parents[1]
    stated = [
        "the mean over all $N$ elements",
        "not the sum",
        "$2(\\hat y - y)/N$",
        "Float32 inputs give a float32 `dpred`",
        "(N, C)",
        "integer class indices",
        "the mean over the N examples",
        "$(\\mathrm{softmax}(z) - \\mathrm{onehot}(y))/N$",
        "Float32 logits give a float32 `dlogits`",
        "as large as $\\pm 1000$",
        "NumPy warns of no overflow",
        "leave their inputs unchanged",
    ]
    for folder in ("solutions", "exercises"):
        nb = nbformat.read(root / folder / "05_losses_and_outputs.ipynb", as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        for phrase in stated:
            assert phrase in text, f"{folder}: the text does not say {phrase!r}"
    counts = {}
    for m in corpus():
        counts[m.function] = counts.get(m.function, 0) + 1
    assert counts["mse_loss"] >= 10 and counts["softmax_cross_entropy"] >= 10
