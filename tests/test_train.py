"""lstm_lib.train: the model's gradients, fast and reference paths alike, and the loop's promises."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.numpy import SGD, Adam, mse_loss
from lstm_lib.train import evaluate, init_model, model_backward, model_forward, train


def _data(n=40, T=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, T, 1))
    return x, x.mean(axis=1)  # the target: the window's mean


def test_model_backward_matches_finite_differences():
    params = init_model(1, 3, rng=0)
    x, y = _data(5, 4)
    pred, cache = model_forward(params, x)
    grads = model_backward(mse_loss(pred, y)[1], cache)
    eps = 1e-6
    for part in params:
        for name, p in params[part].items():
            for k in [0, p.size // 2, p.size - 1]:
                old = p.flat[k]
                p.flat[k] = old + eps
                up = mse_loss(model_forward(params, x)[0], y)[0]
                p.flat[k] = old - eps
                down = mse_loss(model_forward(params, x)[0], y)[0]
                p.flat[k] = old
                assert np.isclose(grads[part][name].flat[k], (up - down) / (2 * eps), rtol=1e-5, atol=1e-8)


def test_fast_and_reference_paths_train_alike():
    x, y = _data()
    results = []
    for fast in (True, False):
        params = init_model(1, 4, rng=1)
        best, history = train(
            params, SGD(params, lr=0.1), x, y, x, y, epochs=3, batch_size=8, rng=2, fast=fast, progress=False
        )
        results.append((best, history.val_loss))
    assert np.allclose(results[0][1], results[1][1], rtol=1e-10)
    assert np.allclose(results[0][0]["lstm"]["weight_hh"], results[1][0]["lstm"]["weight_hh"])


def test_train_lowers_the_loss_and_returns_the_best_parameters():
    x, y = _data()
    xv, yv = _data(20, seed=1)
    params = init_model(1, 8, rng=0)
    before = evaluate(params, xv, yv)
    best, history = train(params, Adam(params, lr=0.01), x, y, xv, yv, epochs=30, batch_size=8, rng=0, progress=False)
    assert len(history.train_loss) == len(history.val_loss) == len(history.grad_norm) == 30
    assert history.best_val_loss == min(history.val_loss) < before / 2
    assert np.isclose(evaluate(best, xv, yv), history.best_val_loss)


def test_train_is_reproducible_with_a_seed():
    x, y = _data()
    runs = []
    for _ in range(2):
        params = init_model(1, 4, rng=3)
        runs.append(train(params, Adam(params, lr=0.01), x, y, x, y, epochs=3, rng=4, progress=False)[1].val_loss)
    assert runs[0] == runs[1]


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    x, y = _data()
    params = init_model(1, 4, rng=0)
    # A learning rate this large makes the validation loss worse at once.
    _, history = train(
        params, SGD(params, lr=50.0), x, y, x, y, epochs=50, max_norm=None, patience=3, rng=0, progress=False
    )
    assert len(history.val_loss) == history.best_epoch + 4 < 50


def test_clipping_bounds_the_update_and_reports_the_norm():
    x, y = _data()
    params = init_model(1, 4, rng=0)
    _, history = train(params, SGD(params, lr=0.01), x, y * 1000, x, y, epochs=2, max_norm=1.0, rng=0, progress=False)
    assert min(history.grad_norm) > 1.0


def test_adam_step_is_one_update_of_adam():
    rng = np.random.default_rng(0)
    p0, g1, g2 = rng.standard_normal((3, 4, 2))
    params = {"w": p0.copy()}
    opt = Adam(params, lr=0.01)
    from lstm_lib.numpy.optim import adam_step

    p, m, v = p0, np.zeros_like(p0), np.zeros_like(p0)
    for t, g in enumerate([g1, g2], start=1):
        opt.step({"w": g})
        p, m, v = adam_step(p, g, m, v, t, lr=0.01)
    assert np.allclose(p, params["w"], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("t", [0, -1, 0.5, float("nan"), None, True])
def test_adam_step_refuses_a_step_count_below_one(t):
    from lstm_lib.numpy.optim import adam_step

    z = np.zeros(3)
    with pytest.raises(ValueError, match="counted from 1"):
        adam_step(z + 1, z + 0.1, z, z, t)


def test_clip_gradients_returns_what_clip_grad_norm_does_in_place():
    from lstm_lib.numpy import clip_grad_norm
    from lstm_lib.numpy.optim import clip_gradients

    grads = {"a": {"x": np.array([3.0, 0.0])}, "b": {"y": np.array([[0.0], [4.0]])}}
    clipped, norm = clip_gradients(grads, 1.0)
    assert norm == 5.0 and grads["a"]["x"][0] == 3.0  # the input is left as it was
    assert clip_grad_norm(grads, 1.0) == norm
    assert np.allclose(clipped["a"]["x"], grads["a"]["x"]) and np.allclose(clipped["b"]["y"], grads["b"]["y"])
