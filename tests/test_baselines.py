"""lstm_lib.baselines: n-gram bits per character, softmax with temperature, seasonal naive, RMSE.

The n-gram model is checked against a plain dictionary count, written independently,
on small random texts; the others against their definitions.
"""

from collections import Counter

import numpy as np
import pytest

from lstm_lib.baselines import ngram_bits_per_char, rmse, seasonal_naive_forecast, softmax_with_temperature


def _bits_by_counting(train, test, n, V, alpha):
    """The order-n model with add-alpha smoothing, counted with dictionaries."""
    train, test = [int(c) for c in train], [int(c) for c in test]
    joint = Counter(tuple(train[t - n + 1 : t + 1]) for t in range(n - 1, len(train)))
    context = Counter(tuple(train[t - n + 1 : t]) for t in range(n - 1, len(train)))
    bits = [
        -np.log2((joint[tuple(test[t - n + 1 : t + 1])] + alpha) / (context[tuple(test[t - n + 1 : t])] + alpha * V))
        for t in range(n - 1, len(test))
    ]
    return float(np.mean(bits))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.01])
def test_ngram_bits_match_counting_with_dictionaries(n, alpha):
    rng = np.random.default_rng(n * 100 + int(alpha * 10))
    V = 6
    # A text with structure (a biased walk), so that higher orders have something to learn.
    train = np.cumsum(rng.integers(0, 3, 400)) % V
    test = np.cumsum(rng.integers(0, 3, 120)) % V
    got = ngram_bits_per_char(train, test, n, V, alpha)
    assert isinstance(got, float)
    assert got == pytest.approx(_bits_by_counting(train, test, n, V, alpha), rel=1e-12)


def test_ngram_unigram_by_hand():
    # train "aab" over V = 3 (c unseen), alpha = 1: P(a) = 3/6, P(b) = 2/6, P(c) = 1/6.
    got = ngram_bits_per_char(np.array([0, 0, 1]), np.array([0, 1, 2]), 1, 3)
    assert got == pytest.approx(-(np.log2(3 / 6) + np.log2(2 / 6) + np.log2(1 / 6)) / 3)


def test_ngram_skips_the_first_n_minus_1_test_symbols():
    # The bigram model: the first test symbol has no context and is not scored.
    train = np.array([0, 1, 0, 1, 0, 1])
    got = ngram_bits_per_char(train, np.array([2, 0, 1]), 2, 3, alpha=1.0)
    # P(1|0) = (3 + 1) / (3 + 3), P(0|... ) of "0 after 2": 2 never seen as a context: 1/3.
    assert got == pytest.approx(-(np.log2(1 / 3) + np.log2(4 / 6)) / 2)


def test_ngram_unseen_context_and_symbol_are_uniform_and_finite():
    got = ngram_bits_per_char(np.array([0, 0, 0, 0]), np.array([3, 3, 3]), 3, 5, alpha=0.5)
    assert got == pytest.approx(np.log2(5))


def test_ngram_training_text_shorter_than_n_counts_nothing():
    assert ngram_bits_per_char(np.array([1]), np.array([0, 1, 2]), 3, 4) == pytest.approx(2.0)


def test_ngram_higher_orders_win_on_a_text_with_structure():
    rng = np.random.default_rng(0)
    text = np.cumsum(rng.integers(0, 2, 6000)) % 5  # the next symbol is the same or +1
    b1, b2 = (ngram_bits_per_char(text[:5000], text[5000:], n, 5) for n in (1, 2))
    assert b1 == pytest.approx(np.log2(5), abs=0.05)
    assert b2 == pytest.approx(1.0, abs=0.05)


def test_ngram_large_vocabulary_and_order_do_not_overflow():
    rng = np.random.default_rng(1)
    V = 3000
    train = rng.integers(0, V, 500)
    got = ngram_bits_per_char(train, train[:50], 4, V)
    assert np.isfinite(got) and got < np.log2(V)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n=0), "n must be a positive integer"),
        (dict(n=2.0), "n must be a positive integer"),
        (dict(alpha=0.0), "alpha must be > 0"),
        (dict(vocab_size=3), "ids in 0..vocab_size-1 = 0..2"),
        (dict(train_ids=np.array([0.0, 1.0])), "integer symbol ids"),
        (dict(test_ids=np.array([[0, 1]])), "1-d array"),
        (dict(test_ids=np.array([1]), n=2), "at least n = 2 symbols"),
        (dict(vocab_size=10**7, n=3), "too many n-grams"),
    ],
)
def test_ngram_errors_name_the_argument(kwargs, message):
    args = dict(train_ids=np.array([0, 1, 2, 3]), test_ids=np.array([3, 2, 1]), n=2, vocab_size=4)
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        ngram_bits_per_char(**args)


def _softmax_by_definition(z, T):
    e = np.exp(np.asarray(z, dtype=np.float64) / T)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("T", [0.3, 1.0, 2.5])
def test_softmax_with_temperature_is_softmax_of_logits_over_T(T):
    z = np.random.default_rng(2).normal(0, 2, (4, 7))
    p = softmax_with_temperature(z, T)
    np.testing.assert_allclose(p, _softmax_by_definition(z, T), rtol=1e-12)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)


def test_softmax_with_temperature_is_stable_for_large_logits():
    z = np.array([1000.0, 999.0, 0.0])
    with np.errstate(over="raise", invalid="raise"):
        p = softmax_with_temperature(z, 0.5)
    np.testing.assert_allclose(p, _softmax_by_definition(z - 1000.0, 0.5), rtol=1e-12)


def test_softmax_with_temperature_over_the_last_axis_of_3d_logits_keeps_float32():
    z = np.random.default_rng(3).normal(0, 1, (2, 3, 5)).astype(np.float32)
    p = softmax_with_temperature(z, 0.7)
    assert p.dtype == np.float32 and p.shape == z.shape
    np.testing.assert_allclose(p, _softmax_by_definition(z, 0.7), rtol=1e-5)


def test_temperature_sharpens_below_one_and_flattens_above():
    z = np.array([2.0, 1.0, 0.0])
    cold, warm, hot = (softmax_with_temperature(z, T) for T in (0.1, 1.0, 10.0))
    assert cold[0] > warm[0] > hot[0] > 1 / 3
    assert cold[0] > 0.99 and np.ptp(hot) < 0.1


@pytest.mark.parametrize("T", [0, -1.0, float("nan")])
def test_softmax_with_temperature_rejects_a_temperature_not_above_zero(T):
    with pytest.raises(ValueError, match="temperature must be > 0"):
        softmax_with_temperature(np.zeros(3), T)


def test_softmax_with_temperature_rejects_empty_logits():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., V\)"):
        softmax_with_temperature(np.zeros((2, 0)), 1.0)


def test_seasonal_naive_repeats_the_last_season():
    history = np.arange(30.0)  # the last season of 12: 18 .. 29
    got = seasonal_naive_forecast(history, 12, 24)
    np.testing.assert_array_equal(got, np.concatenate([np.arange(18.0, 30.0)] * 2))
    np.testing.assert_array_equal(seasonal_naive_forecast(history, 12, 5), np.arange(18.0, 23.0))


def test_seasonal_naive_follows_its_formula_and_keeps_the_dtype():
    history = np.random.default_rng(4).normal(0, 1, 17).astype(np.float32)
    got = seasonal_naive_forecast(history, 5, 13)
    assert got.dtype == np.float32 and got.shape == (13,)
    want = [history[len(history) - 5 + (k % 5)] for k in range(13)]
    np.testing.assert_array_equal(got, want)
    assert seasonal_naive_forecast(np.array([1, 2, 3]), 3, 2).dtype == np.float64


def test_seasonal_naive_returns_a_new_array():
    history = np.arange(24.0)
    got = seasonal_naive_forecast(history, 12, 12)
    got[:] = -1
    assert history.min() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.arange(5.0), 12, 3), "at least one season"),
        ((np.arange(24.0).reshape(2, 12), 12, 3), r"shape \(T,\)"),
        ((np.arange(24.0), 0, 3), "season must be a positive integer"),
        ((np.arange(24.0), 12, 0), "horizon must be a positive integer"),
    ],
)
def test_seasonal_naive_errors_name_the_argument(args, message):
    with pytest.raises(ValueError, match=message):
        seasonal_naive_forecast(*args)


def test_rmse():
    assert rmse([1.0, 2.0, 3.0], [1.0, 2.0, 7.0]) == pytest.approx(np.sqrt(16 / 3))
    with pytest.raises(ValueError, match="shape of pred"):
        rmse([1.0, 2.0], [1.0])
