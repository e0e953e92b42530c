"""lstm_lib.text and lstm_lib.torch.lm: the character corpus, its splits and batches, the language model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lstm_lib.baselines import ngram_bits_per_char
from lstm_lib.text import (
    Vocabulary,
    load_char_corpus,
    load_python_docs,
    random_windows,
    split_ids,
)
from lstm_lib.torch.lm import CharLM, bits_per_char, next_logits, sample, train_char_lm


def test_python_docs_join_the_topics_in_sorted_order():
    from pydoc_data.topics import topics

    text = load_python_docs()
    first = sorted(topics)[0]
    assert text.startswith(topics[first]) and len(text) == sum(len(t) for t in topics.values())
    assert len(text) > 300_000


def test_vocabulary_round_trips_and_names_an_unknown_character():
    vocab = Vocabulary.from_text("hello, world")
    assert vocab.chars == sorted(set("hello, world")) and len(vocab) == 9
    ids = vocab.encode("low, hello")
    assert ids.dtype == np.int64 and vocab.decode(ids) == "low, hello"
    assert vocab.encode("d")[0] == vocab.chars.index("d")
    with pytest.raises(KeyError, match="'z' is not in the vocabulary"):
        vocab.encode("lzw")
    with pytest.raises(ValueError, match="0..8"):
        vocab.decode([9])


def test_splits_are_contiguous_and_cover_the_sequence():
    ids = np.arange(1000)
    parts = split_ids(ids)
    assert [len(p) for p in parts] == [900, 50, 50]
    assert np.array_equal(np.concatenate(parts), ids)
    with pytest.raises(ValueError, match="sum to 1"):
        split_ids(ids, (0.9, 0.2, 0.1))
    with pytest.raises(ValueError, match="too few"):
        split_ids(np.arange(3), (0.98, 0.01, 0.01))


def test_corpus_splits_share_one_vocabulary_with_no_unknown_symbol():
    corpus = load_char_corpus()
    assert len(corpus.vocab) == len(set(corpus.text))
    assert sum(len(p) for p in corpus.splits) == len(corpus.text)
    assert corpus.vocab.decode(corpus.splits.test) == corpus.text[-len(corpus.splits.test) :]


def test_random_windows_pair_each_symbol_with_the_next():
    ids = np.random.default_rng(0).integers(0, 50, size=500)
    x, y = random_windows(ids, 6, 20, rng=3)
    assert x.shape == y.shape == (6, 20) and x.dtype == np.int64
    assert np.array_equal(x[:, 1:], y[:, :-1])
    stretches = {tuple(ids[s : s + 21]) for s in range(len(ids) - 20)}
    for row_x, row_y in zip(x, y, strict=True):  # each window is a real stretch of the text
        assert tuple(np.r_[row_x, row_y[-1]]) in stretches
    assert np.array_equal(random_windows(ids, 6, 20, rng=3)[0], x)
    with pytest.raises(ValueError, match="longer than T"):
        random_windows(ids[:10], 2, 10, rng=0)


class _Counts(torch.nn.Module):
    """A 'model' whose logits are log-probabilities of a fixed bigram table: bits_per_char must equal the table's."""

    def __init__(self, table):
        super().__init__()
        self.logp = torch.log(torch.as_tensor(table))

    def forward(self, x, state=None):
        return self.logp[x], state


def test_bits_per_char_scores_every_symbol_after_the_first_across_chunks_and_streams():
    rng = np.random.default_rng(0)
    V = 5
    table = rng.dirichlet(np.ones(V), size=V)
    ids = rng.integers(0, V, size=1003)
    expected = -np.mean(np.log2(table[ids[:-1], ids[1:]]))
    for streams, chunk in ((1, 1000), (16, 7), (7, 256)):
        assert bits_per_char(_Counts(table), ids, streams=streams, chunk=chunk) == pytest.approx(expected, rel=1e-6)


def test_bits_per_char_carries_the_state_between_chunks():
    torch.manual_seed(0)
    model = CharLM(7, hidden_size=8).eval()
    ids = np.random.default_rng(1).integers(0, 7, size=200)
    whole = bits_per_char(model, ids, streams=1, chunk=1000)
    assert bits_per_char(model, ids, streams=1, chunk=13) == pytest.approx(whole, rel=1e-5)
    logits = torch.from_numpy(next_logits(model, ids[:-1]))
    direct = torch.nn.functional.cross_entropy(logits, torch.from_numpy(ids[1:])).item() / math.log(2)
    assert whole == pytest.approx(direct, rel=1e-5)


def test_an_untrained_model_is_near_uniform_and_training_lowers_the_bits():
    rng = np.random.default_rng(0)
    period = rng.integers(0, 6, size=17)
    ids = np.tile(period, 200)  # a text that repeats itself: easy to learn
    model, history = train_char_lm(
        ids[:3000], ids[3000:], 6, steps=60, batch_size=8, seq_len=20, hidden_size=32, lr=1e-2, eval_every=30, seed=0
    )
    assert history.train_bits.shape == (60,) and list(history.eval_steps) == [30, 60]
    assert history.train_bits[0] == pytest.approx(math.log2(6), abs=0.3)
    assert history.valid_bits[-1] < 0.5 * math.log2(6) and not model.training


def test_training_is_deterministic_for_a_seed():
    ids = np.random.default_rng(2).integers(0, 4, size=400)
    runs = [
        train_char_lm(ids[:300], ids[300:], 4, steps=5, batch_size=4, seq_len=10, hidden_size=8, seed=s)[1]
        for s in (1, 1, 2)
    ]
    assert np.array_equal(runs[0].train_bits, runs[1].train_bits)
    assert not np.array_equal(runs[0].train_bits, runs[2].train_bits)


def test_a_model_that_knows_the_bigram_table_beats_the_bigram_baseline_only_by_smoothing():
    # bits_per_char and ngram_bits_per_char score the same positions for n = 2.
    rng = np.random.default_rng(3)
    V = 4
    table = rng.dirichlet(np.ones(V), size=V)
    ids = [0]
    for _ in range(20000):
        ids.append(rng.choice(V, p=table[ids[-1]]))
    ids = np.array(ids)
    exact = bits_per_char(_Counts(table), ids[15000:])
    counted = ngram_bits_per_char(ids[:15000], ids[15000:], 2, V, alpha=1.0)
    assert exact <= counted < exact + 0.01


def test_sampling_follows_the_temperature():
    table = np.array([[0.7, 0.2, 0.1]] * 3)
    model = _Counts(table)
    cold = sample(model, [0], 2000, temperature=0.2, seed=0)
    warm = sample(model, [0], 2000, temperature=1.0, seed=0)
    hot = sample(model, [0], 2000, temperature=50.0, seed=0)
    assert cold.shape == (2000,) and cold.dtype == np.int64
    assert np.mean(cold == 0) > 0.98
    assert np.mean(warm == 0) == pytest.approx(0.7, abs=0.04)
    assert np.bincount(hot, minlength=3) / 2000 == pytest.approx([1 / 3] * 3, abs=0.05)
    assert np.array_equal(sample(model, [0], 50, 1.0, seed=4), sample(model, [0], 50, 1.0, seed=4))
    with pytest.raises(ValueError, match="temperature must be > 0"):
        sample(model, [0], 5, temperature=0)
