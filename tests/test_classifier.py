"""lstm_lib.classifier: the sequence classifier's gradients, its padding, its scaler and split, and the loop."""

from __future__ import annotations

import numpy as np
import pytest

from lstm_lib.classifier import (
    FeatureScaler,
    accuracy,
    classifier_backward,
    classifier_forward,
    evaluate,
    init_classifier,
    loss_and_grads,
    predict,
    train_classifier,
    validation_split,
)
from lstm_lib.data import lengths_to_mask
from lstm_lib.numpy import SGD, Adam, grad_check, lstm_stack_forward, softmax_cross_entropy

LENGTHS = np.array([6, 3, 1, 5])


def _batch(seed=0, D=3, lengths=LENGTHS, C=5):
    rng = np.random.default_rng(seed)
    T = int(lengths.max())
    mask = lengths_to_mask(lengths, T)
    x = rng.standard_normal((len(lengths), T, D)) * mask[:, :, None]
    y = rng.integers(0, C, size=len(lengths))
    return x, mask, y


def _task(n=48, seed=0):
    """Two classes told apart by the sign of the first feature's mean, over 3 to 8 real steps."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 9, size=n)
    mask = lengths_to_mask(lengths, 8)
    y = np.arange(n) % 2
    x = rng.standard_normal((n, 8, 2))
    x[:, :, 0] += np.where(y == 1, 1.0, -1.0)[:, None]
    return x * mask[:, :, None], mask, y


@pytest.mark.parametrize("pooling", ["mean", "last"])
@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("fast", [True, False])
def test_classifier_backward_matches_finite_differences(pooling, bidirectional, fast):
    params = init_classifier(3, 4, 5, num_layers=2, bidirectional=bidirectional, dense_size=6, rng=1)
    x, mask, y = _batch()

    def run():  # the same dropout masks at every evaluation: a fresh Generator from one seed
        return loss_and_grads(params, x, mask, y, pooling=pooling, dropout=0.3, rng=np.random.default_rng(5), fast=fast)

    _, grads = run()
    # eps = 1e-4: with the default 1e-6, rounding the loss (about 1e-16 / eps) is as large as the
    # smallest LSTM gradients here (1e-5) allow; the truncation error of order eps^2 is smaller.
    result = grad_check(lambda: run()[0], params, grads, eps=1e-4, num_checks=6, rng=0)
    assert result.passed(1e-6), str(result)
    # Every part of the model gets a gradient, and some of the LSTM's is large enough to be checked relatively.
    top = params["lstm"][-1][0] if bidirectional else params["lstm"][-1]
    assert np.abs(grads["lstm"][-1][0]["weight_ih"] if bidirectional else grads["lstm"][-1]["weight_ih"]).max() > 1e-4
    assert top["weight_ih"].shape == (16, 8 if bidirectional else 4)


def test_a_wrong_backward_fails_the_gradient_check():
    params = init_classifier(3, 4, 5, dense_size=6, rng=1)
    x, mask, y = _batch()
    _, grads = loss_and_grads(params, x, mask, y)
    grads["lstm"][0][1]["weight_hh"] *= 1.01  # one direction of one layer, one percent off
    result = grad_check(lambda: loss_and_grads(params, x, mask, y)[0], params, grads, eps=1e-4, num_checks=6, rng=0)
    assert not result.passed(1e-6)
    assert max(result.errors, key=result.errors.get) == "lstm 0 1 weight_hh"


def test_init_classifier_shapes():
    params = init_classifier(12, 32, 9, num_layers=2, dense_size=16, rng=0)
    assert set(params) == {"lstm", "hidden", "output"}
    assert len(params["lstm"]) == 2 and all(len(pair) == 2 for pair in params["lstm"])
    assert params["lstm"][0][1]["weight_ih"].shape == (128, 12)
    assert params["lstm"][1][0]["weight_ih"].shape == (128, 64)  # layer 1 reads both directions of layer 0
    assert params["hidden"]["weight"].shape == (16, 64)
    assert params["output"]["weight"].shape == (9, 16) and params["output"]["bias"].shape == (9,)
    one_way = init_classifier(12, 32, 9, num_layers=3, bidirectional=False, rng=0)
    assert len(one_way["lstm"]) == 3 and isinstance(one_way["lstm"][0], dict)
    assert one_way["hidden"]["weight"].shape == (32, 32)


def test_forward_shapes_and_predictions():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, y = _batch()
    logits, _ = classifier_forward(params, x, mask)
    assert logits.shape == (4, 5) and logits.dtype == np.float64
    labels = predict(params, x, mask)
    assert labels.shape == (4,) and labels.dtype.kind == "i"
    assert np.array_equal(labels, logits.argmax(axis=1))
    assert accuracy(params, x, mask, labels) == 1.0
    loss, acc = evaluate(params, x, mask, y)
    assert np.isclose(loss, softmax_cross_entropy(logits, y)[0]) and acc == np.mean(labels == y)


def test_float32_parameters_and_inputs_stay_float32():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0, dtype=np.float32)
    x, mask, y = _batch()
    logits, cache = classifier_forward(params, x.astype(np.float32), mask)
    assert logits.dtype == np.float32
    grads = classifier_backward(softmax_cross_entropy(logits, y)[1], cache)
    assert grads["lstm"][0][0]["weight_hh"].dtype == np.float32


@pytest.mark.parametrize("pooling", ["mean", "last"])
def test_padding_changes_nothing(pooling):
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, _ = _batch()
    logits = classifier_forward(params, x, mask, pooling=pooling)[0]
    # Garbage in the padded steps ...
    noisy = x + 100.0 * np.random.default_rng(1).standard_normal(x.shape) * ~mask[:, :, None]
    assert np.allclose(classifier_forward(params, noisy, mask, pooling=pooling)[0], logits, rtol=0, atol=1e-12)
    # ... and each sequence alone, over its real steps only, give the same logits.
    for b, n in enumerate(LENGTHS):
        alone = classifier_forward(params, x[b : b + 1, :n], None, pooling=pooling)[0]
        assert np.allclose(alone, logits[b : b + 1], rtol=0, atol=1e-12)
    # Without the mask the padding is read as input, and the logits change.
    assert not np.allclose(classifier_forward(params, x, None, pooling=pooling)[0], logits, atol=1e-6)


def test_pooling_reads_the_top_layers_states():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, _ = _batch()
    hs, _, _ = lstm_stack_forward(x, None, None, params["lstm"], mask=mask, bidirectional=True)
    rows = np.arange(len(LENGTHS))
    pooled = {
        "mean": hs.sum(axis=1) / LENGTHS[:, None],
        # the forward direction after the last real step, the backward one after step 0
        "last": np.concatenate([hs[rows, LENGTHS - 1, :4], hs[:, 0, 4:]], axis=1),
    }
    for pooling, features in pooled.items():
        z = np.maximum(features @ params["hidden"]["weight"].T + params["hidden"]["bias"], 0)
        expected = z @ params["output"]["weight"].T + params["output"]["bias"]
        logits = classifier_forward(params, x, mask, pooling=pooling)[0]
        assert np.allclose(logits, expected, rtol=0, atol=1e-13), pooling


def test_an_epoch_reports_the_loss_before_its_updates_on_every_real_step():
    x, mask, y = _task(16)
    x, mask = np.concatenate([x, np.zeros((16, 4, 2))], axis=1), np.pad(mask, ((0, 0), (0, 4)))  # extra padding
    params = init_classifier(2, 4, 2, dense_size=4, rng=0)
    before, _ = loss_and_grads(params, x, mask, y)
    # One mini-batch of all 16 sequences: the epoch's loss is the loss before its only update.
    _, history = train_classifier(
        params, SGD(params, lr=0.1), x, mask, y, x, mask, y, epochs=1, batch_size=16, rng=0, progress=False
    )
    assert np.isclose(history.train_loss[0], before, rtol=1e-12, atol=0)
    assert history.val_loss[0] < before


def test_mean_and_last_pooling_differ():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, _ = _batch()
    mean = classifier_forward(params, x, mask, pooling="mean")[0]
    last = classifier_forward(params, x, mask, pooling="last")[0]
    assert not np.allclose(mean, last, atol=1e-6)


def test_fast_and_reference_paths_give_the_same_loss_and_gradients():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, y = _batch()
    fast_loss, fast_grads = loss_and_grads(params, x, mask, y, dropout=0.2, rng=3, fast=True)
    ref_loss, ref_grads = loss_and_grads(params, x, mask, y, dropout=0.2, rng=3, fast=False)
    assert np.isclose(fast_loss, ref_loss, rtol=1e-12, atol=0)
    for l in range(2):
        for d in range(2):
            for name, g in ref_grads["lstm"][l][d].items():
                assert np.allclose(fast_grads["lstm"][l][d][name], g, rtol=1e-10, atol=1e-13), (l, d, name)
    assert np.allclose(fast_grads["hidden"]["weight"], ref_grads["hidden"]["weight"], rtol=1e-10, atol=1e-13)


def test_feature_scaler_uses_real_steps_only_and_keeps_padding_zero():
    x, mask, _ = _batch(D=2)
    x = x + 5.0 * mask[:, :, None]  # real steps around 5, padding 0
    scaler = FeatureScaler.fit(x, mask)
    assert np.allclose(scaler.mean, x[mask].mean(axis=0)) and np.all(scaler.mean > 4)
    z = scaler.transform(x, mask)
    assert np.allclose(z[mask].mean(axis=0), 0.0) and np.allclose(z[mask].std(axis=0), 1.0)
    assert np.all(z[~mask] == 0.0)
    constant = FeatureScaler.fit(np.ones((2, 3, 1)), None)  # a constant feature: std 1, not a division by 0
    assert constant.std[0] == 1.0


def test_feature_scaler_errors():
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D\)"):
        FeatureScaler.fit(np.zeros((3, 4)), None)
    with pytest.raises(ValueError, match="no real step"):
        FeatureScaler.fit(np.zeros((2, 3, 1)), np.zeros((2, 3), bool))
    scaler = FeatureScaler.fit(np.ones((2, 3, 4)), None)
    with pytest.raises(ValueError, match="D=4"):
        scaler.transform(np.ones((2, 3, 5)), None)


def test_validation_split_is_stratified_disjoint_and_seeded():
    labels = np.repeat(np.arange(3), 10)
    train_idx, val_idx = validation_split(labels, 2, rng=0)
    assert len(val_idx) == 6 and np.array_equal(np.bincount(labels[val_idx]), [2, 2, 2])
    assert np.intersect1d(train_idx, val_idx).size == 0
    assert np.array_equal(np.union1d(train_idx, val_idx), np.arange(30))
    again = validation_split(labels, 2, rng=0)[1]
    other = validation_split(labels, 2, rng=1)[1]
    assert np.array_equal(val_idx, again) and not np.array_equal(val_idx, other)
    with pytest.raises(ValueError, match="class 2 has 1 sequences"):
        validation_split(np.array([0, 0, 1, 1, 2]), 1)
    with pytest.raises(ValueError, match="integer classes"):
        validation_split(np.array([0.0, 1.0]), 1)


def test_train_classifier_lowers_the_loss_and_returns_the_best_parameters():
    x, mask, y = _task()
    xv, mv, yv = _task(24, seed=1)
    params = init_classifier(2, 6, 2, num_layers=2, dense_size=8, rng=0)
    before, _ = evaluate(params, xv, mv, yv)
    best, history = train_classifier(
        params,
        Adam(params, lr=0.01),
        x,
        mask,
        y,
        xv,
        mv,
        yv,
        epochs=15,
        batch_size=16,
        dropout=0.1,
        noise=0.1,
        rng=0,
        progress=False,
    )
    assert len(history.train_loss) == len(history.val_loss) == len(history.val_accuracy) == 15
    assert history.best_val_loss == min(history.val_loss) < before / 2
    assert history.val_accuracy[history.best_epoch] >= 0.9
    loss, acc = evaluate(best, xv, mv, yv)
    assert np.isclose(loss, history.best_val_loss) and acc == history.val_accuracy[history.best_epoch]
    assert history.seconds > 0


def test_train_classifier_is_reproducible_with_a_seed():
    x, mask, y = _task(16)
    runs = []
    for seed in (3, 3, 4):
        params = init_classifier(2, 4, 2, dense_size=4, rng=0)
        _, history = train_classifier(
            params,
            Adam(params, lr=0.01),
            x,
            mask,
            y,
            x,
            mask,
            y,
            epochs=2,
            batch_size=8,
            dropout=0.2,
            noise=0.1,
            rng=seed,
            progress=False,
        )
        runs.append(history.val_loss)
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    x, mask, y = _task(16)
    params = init_classifier(2, 4, 2, dense_size=4, rng=0)
    # A learning rate this large makes the validation loss worse at once.
    _, history = train_classifier(
        params,
        SGD(params, lr=50.0),
        x,
        mask,
        y,
        x,
        mask,
        y,
        epochs=30,
        max_norm=None,
        patience=2,
        rng=0,
        progress=False,
    )
    assert len(history.val_loss) == history.best_epoch + 3 < 30


def test_clear_errors():
    params = init_classifier(3, 4, 5, dense_size=6, rng=0)
    x, mask, y = _batch()
    with pytest.raises(ValueError, match="pooling must be one of"):
        classifier_forward(params, x, mask, pooling="max")
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, D\)"):
        classifier_forward(params, x[0], mask)
    empty = mask.copy()
    empty[2] = False
    with pytest.raises(ValueError, match=r"no real step.*\[2\]|none for sequences \[2\]"):
        classifier_forward(params, x, empty)
    with pytest.raises(ValueError, match="mask must have shape"):
        classifier_forward(params, x, mask[:, :-1])
    with pytest.raises(ValueError, match="needs rng"):
        classifier_forward(params, x, mask, dropout=0.5)
    with pytest.raises(ValueError, match=r"params\['lstm'\] must be a non-empty list"):
        classifier_forward({**params, "lstm": {}}, x, mask)
    with pytest.raises(ValueError, match="ClassifierCache"):
        classifier_backward(np.zeros((4, 5)), cache=("not", "a", "cache"))
    with pytest.raises(ValueError, match=r"y_train must be \(N,\) integer class indices with N=4"):
        train_classifier(params, Adam(params), x, mask, y[:3], x, mask, y, epochs=1, progress=False)
    with pytest.raises(ValueError, match="y_val"):
        train_classifier(params, Adam(params), x, mask, y, x, mask, y.astype(float), epochs=1, progress=False)


def test_chapter_figures_draw_the_confusion_matrix_and_both_directions():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lstm_lib import viz

    fig, ax = plt.subplots()
    try:
        counts = viz.plot_confusion(ax, np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
        assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]  # row: true class, column: predicted
        assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
        with pytest.raises(ValueError, match="same shape"):
            viz.plot_confusion(ax, np.zeros(3, int), np.zeros(4, int), 2)
    finally:
        plt.close(fig)
    ax = viz.draw_bidirectional(length=3, T=5)
    try:
        texts = [t.get_text() for t in ax.texts]
        assert sum(r"\overrightarrow" in t for t in texts) == sum(r"\overleftarrow" in t for t in texts) == 3
        assert texts.count("padding") == 2 and "$x_3$" in texts and "$x_4$" not in texts
    finally:
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="length must be in 1..T=5"):
        viz.draw_bidirectional(length=6, T=5)
