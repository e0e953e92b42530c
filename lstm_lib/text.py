"""Text for a character-level language model: a corpus that ships with Python, its symbols, splits and batches.

The corpus is the English text of Python's own documentation that ``pydoc``
shows for ``help("topic")``: the module ``pydoc_data.topics`` holds it as a
dict from topic name to text, about 465,000 characters in all. It is in every
CPython installation, so nothing is downloaded.

A character model sees the text as a sequence of symbol ids. :class:`Vocabulary`
maps characters to ids and back; :func:`split_ids` cuts the sequence into
contiguous training, validation and test parts (contiguous, so that no test
sentence also sits in the training text); :func:`random_windows` draws the
mini-batches of truncated backpropagation through time: B windows of T + 1
symbols at random places, the first T the input and the last T the targets,
each target the symbol after its input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "load_python_docs",
    "Vocabulary",
    "TextSplits",
    "CharCorpus",
    "split_ids",
    "load_char_corpus",
    "random_windows",
]


def load_python_docs():
    """The text of ``pydoc_data.topics``: every topic's text, joined in sorted order of the topic names.

    Returns one ``str`` (about 465,000 characters; the exact number depends on
    the Python version, whose documentation it is).
    """
    from pydoc_data.topics import topics

    return "".join(topics[name] for name in sorted(topics))


class Vocabulary:
    """The symbols of a text, in sorted order, and the maps between characters and ids 0..V-1.

    Args:
        chars: the characters to know (any iterable; duplicates are dropped).
    """

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        if not self.chars:
            raise ValueError("a vocabulary needs at least one character")
        self._ids = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every character that occurs in ``text``."""
        return cls(text)

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"Vocabulary({len(self)} symbols)"

    def encode(self, text):
        """``text`` as a (len(text),) int64 array of ids; a character outside the vocabulary raises KeyError."""
        try:
            return np.fromiter((self._ids[c] for c in text), dtype=np.int64, count=len(text))
        except KeyError as err:
            raise KeyError(f"character {err.args[0]!r} is not in the vocabulary of {len(self)} symbols") from None

    def decode(self, ids):
        """Ids (any 1-d integer sequence) back to a string."""
        ids = np.asarray(ids)
        if ids.ndim != 1 or (ids.size and (ids.min() < 0 or ids.max() >= len(self))):
            raise ValueError(f"ids must be a 1-d array of integers in 0..{len(self) - 1}")
        return "".join(self.chars[i] for i in ids.tolist())


class TextSplits(NamedTuple):
    """Contiguous parts of one sequence of symbol ids, each a 1-d int64 array, in the text's order."""

    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def split_ids(ids, fractions=(0.9, 0.05, 0.05)):
    """Cut ``ids`` into contiguous training, validation and test parts.

    The training part is the first ``fractions[0]`` of the sequence, the
    validation part the next ``fractions[1]``, the test part the rest.

    Args:
        ids: (N,) symbol ids.
        fractions: three positive numbers that sum to 1.
    Returns:
        :class:`TextSplits` (views of ``ids``).
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError(f"ids must have shape (N,), got shape {ids.shape}")
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers that sum to 1, got {fractions}")
    a = int(round(fractions[0] * len(ids)))
    b = a + int(round(fractions[1] * len(ids)))
    if not 0 < a < b < len(ids):
        raise ValueError(f"{len(ids)} symbols are too few to split by {fractions}")
    return TextSplits(ids[:a], ids[a:b], ids[b:])


class CharCorpus(NamedTuple):
    """The character corpus: the text, its vocabulary and the three splits of its ids."""

    text: str
    vocab: Vocabulary
    splits: TextSplits


def load_char_corpus(fractions=(0.9, 0.05, 0.05)):
    """Python's documentation (:func:`load_python_docs`) as a :class:`CharCorpus`, split 90/5/5 by default.

    The vocabulary is every character of the whole text, so that the
    validation and test parts hold no unknown symbol; the models and the
    n-gram baselines share it.
    """
    text = load_python_docs()
    vocab = Vocabulary.from_text(text)
    return CharCorpus(text, vocab, split_ids(vocab.encode(text), fractions))


def random_windows(ids, batch_size, length, rng):
    """A mini-batch for truncated backpropagation through time: B windows at random places.

    Each window is ``length + 1`` consecutive symbols ``ids[s : s + T + 1]``;
    its first T are the input and its last T the targets, so ``y[b, t]`` is
    the symbol that follows ``x[b, t]``.

    Args:
        ids: (N,) symbol ids, N > T.
        batch_size: B.
        length: T, the number of steps the gradient flows back through.
        rng: a ``numpy.random.Generator`` (or a seed) that draws the starts.
    Returns:
        ``x`` (B, T) and ``y`` (B, T), int64, with ``y[:, :-1] == x[:, 1:]``.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) <= length or length < 1 or batch_size < 1:
        raise ValueError(f"need 1-d ids longer than T={length}, and B, T >= 1; got {ids.shape}, B={batch_size}")
    rng = np.random.default_rng(rng)
    starts = rng.integers(0, len(ids) - length, size=batch_size)
    windows = ids[starts[:, None] + np.arange(length + 1)[None, :]].astype(np.int64)
    return windows[:, :-1], windows[:, 1:]
