"""Chapter 9's PyTorch code and exercise 9: the vowel classifier, numpy_to_state_dict, grading."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="lstm_lib.torch needs PyTorch (pip install '.[torch]')")

from lstm_lib.data import load_japanese_vowels  # noqa: E402
from lstm_lib.torch import classify  # noqa: E402

# --- lstm_lib.torch.classify ------------------------------------------------------------------


@pytest.fixture(scope="module")
def vowels():
    return load_japanese_vowels()


@pytest.mark.parametrize("pooling", ["last", "mean"])
def test_classifier_gives_logits_that_ignore_what_the_padding_holds(pooling):
    torch.manual_seed(0)
    model = classify.VowelClassifier(4, 5, 3, pooling=pooling).double()
    lengths = torch.tensor([3, 6, 1])
    x = torch.randn(3, 6, 4, dtype=torch.float64)
    logits = model(x, lengths)
    assert logits.shape == (3, 3)
    noisy = x.clone()
    for b, n in enumerate(lengths):
        noisy[b, n:] = 100.0
    torch.testing.assert_close(model(noisy, lengths), logits, rtol=0, atol=1e-12)


def test_classifier_last_pooling_is_each_direction_after_its_last_real_step():
    torch.manual_seed(1)
    model = classify.VowelClassifier(4, 5, 3).double()
    x = torch.randn(1, 6, 4, dtype=torch.float64)
    # Alone and unpadded, a sequence of 4 steps: the forward direction's state after step 3,
    # the backward direction's after step 0, are h_n.
    _, (h_n, _) = model.lstm(x[:, :4])
    want = model.head(torch.cat([h_n[0], h_n[1]], dim=1))
    torch.testing.assert_close(model(x, torch.tensor([4])), want, rtol=0, atol=1e-12)


def test_classifier_rejects_unknown_pooling_and_bad_shapes():
    with pytest.raises(ValueError, match="pooling must be 'last' or 'mean'"):
        classify.VowelClassifier(pooling="max")
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        classify.VowelClassifier()(torch.zeros(5, 12), torch.tensor([5]))


def test_standardize_scales_real_steps_and_zeroes_padding():
    x = np.ones((2, 3, 2)) * 5.0
    out = classify.standardize(x, np.array([1, 3]), mean=np.array([1.0, 3.0]), std=np.array([2.0, 1.0]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(out[1], [[2.0, 2.0]] * 3)


def test_train_and_predict_reaches_96_percent_on_the_vowels_and_is_deterministic(vowels):
    d = vowels
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        pred = classify.train_and_predict(d.x_train, d.len_train, d.y_train, d.x_test, d.len_test,
                                          seed=0)
    finally:
        torch.set_num_threads(threads)
    assert pred.dtype == np.int64 and pred.shape == (370,)
    assert (pred == d.y_test).mean() >= 0.96
    # Same seed, same predictions: a few epochs on a slice is enough to see it.
    small = dict(x_train=d.x_train[:40], len_train=d.len_train[:40], y_train=d.y_train[:40],
                 x_test=d.x_test[:30], len_test=d.len_test[:30])
    np.testing.assert_array_equal(classify.train_and_predict(**small, seed=3),
                                  classify.train_and_predict(**small, seed=3))
