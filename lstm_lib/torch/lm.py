r"""A character-level language model in PyTorch: the model, its training, bits per character, sampling.

:class:`CharLM` reads symbol ids and gives, at every step, the logits of the
next symbol: an embedding, ``torch.nn.LSTM``, a linear layer,

.. math::
    e_t = E[x_t], \qquad h_t = \mathrm{LSTM}(e_t, h_{t-1}), \qquad
    p(x_{t+1} \mid x_{\le t}) = \mathrm{softmax}(W h_t + b).

:func:`train_char_lm` trains it by truncated backpropagation through time on
random windows of the training text (:func:`lstm_lib.text.random_windows`) for
a fixed number of steps, so that a seed gives the same model on the same
machine however fast it is. :func:`bits_per_char` scores a whole split, the
state carried from one chunk to the next, and :func:`sample` draws text at a
temperature.

Bits per character is the cross-entropy in base 2: the average of
:math:`-\log_2 p(x_{t+1} \mid x_{\le t})` over the split. A model that
spreads its probability evenly over V symbols scores :math:`\log_2 V`; a
model that always knows the next symbol scores 0.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..text import random_windows

__all__ = ["CharLM", "TrainingHistory", "train_char_lm", "bits_per_char", "next_logits", "sample"]

LN2 = math.log(2.0)


class CharLM(nn.Module):
    """Symbol ids -> logits of the next symbol at every step.

    Args:
        vocab_size: V.
        hidden_size: H of every LSTM layer.
        num_layers: L.
        embedding_size: the size of each symbol's learned vector.
        dropout: between LSTM layers (``torch.nn.LSTM``'s ``dropout``).

    Inputs: x, state
        - **x** (B, T) int64 symbol ids.
        - **state**: ``(h, c)``, each (L, B, H), or None for zeros.

    Outputs: logits (B, T, V), and the state ``(h_n, c_n)`` after the last step.
    """

    def __init__(self, vocab_size, hidden_size=256, num_layers=1, embedding_size=64, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, num_layers=num_layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    @property
    def vocab_size(self):
        return self.head.out_features

    def forward(self, x, state=None):
        if x.dim() != 2 or x.dtype != torch.int64:
            raise ValueError(f"expected x of shape (B, T) and dtype int64, got {tuple(x.shape)} {x.dtype}")
        hs, state = self.lstm(self.embedding(x), state)
        return self.head(hs), state


class TrainingHistory(NamedTuple):
    """What :func:`train_char_lm` measured.

    ``train_bits`` (steps,): each step's training loss in bits per character,
    before its update; ``eval_steps`` and ``valid_bits``: the validation
    split's bits per character after those steps; ``seconds``: the training
    time, evaluations included.
    """

    train_bits: np.ndarray
    eval_steps: np.ndarray
    valid_bits: np.ndarray
    seconds: float


def train_char_lm(
    train_ids,
    valid_ids,
    vocab_size,
    *,
    steps=400,
    batch_size=32,
    seq_len=100,
    hidden_size=256,
    num_layers=1,
    lr=3e-3,
    clip=1.0,
    eval_every=100,
    seed=0,
):
    """Train a :class:`CharLM` with Adam on random windows of the training ids.

    Each step draws ``batch_size`` windows of ``seq_len + 1`` symbols, takes
    the mean cross-entropy of every next-symbol prediction, clips the
    gradient's norm to ``clip`` and updates. Every ``eval_every`` steps (and
    after the last) the validation split is scored with :func:`bits_per_char`.
    Runs on the CPU (a language model this small gains little on a GPU with
    batches of 32), at whatever number of threads PyTorch is set to.

    Args:
        train_ids, valid_ids: 1-d arrays of symbol ids in 0..V-1.
        vocab_size: V.
        steps: the number of updates (fixed, so a seed gives the same model).
        seed: seeds the initial weights and the windows.

    Returns:
        ``(model, history)``: the trained model, in eval mode, and a :class:`TrainingHistory`.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = CharLM(vocab_size, hidden_size, num_layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_bits, eval_steps, valid_bits = [], [], []
    start = time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        x, y = (torch.from_numpy(a) for a in random_windows(train_ids, batch_size, seq_len, rng))
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        train_bits.append(loss.item() / LN2)
        if step % eval_every == 0 or step == steps:
            eval_steps.append(step)
            valid_bits.append(bits_per_char(model, valid_ids))
            model.train()
    model.eval()
    history = TrainingHistory(
        np.array(train_bits), np.array(eval_steps), np.array(valid_bits), time.perf_counter() - start
    )
    return model, history


@torch.no_grad()
def bits_per_char(model, ids, *, streams=16, chunk=256):
    """The model's average :math:`-\\log_2 p` of every symbol of ``ids`` after the first, in bits.

    The split is read as ``streams`` contiguous pieces side by side (a batch),
    ``chunk`` steps at a time, the LSTM's state carried from chunk to chunk,
    so every prediction sees the whole of its piece before it. Each piece
    starts from a zero state at its first symbol; symbol ``ids[t]`` is
    predicted from ``ids[:t]`` within its piece, for t = 1..N-1.

    Args:
        model: a :class:`CharLM` (any module with its ``forward``).
        ids: (N,) symbol ids, N >= 2.
    Returns:
        A float: bits per character over the N - 1 predictions.
    """
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(f"ids must be a 1-d array of at least 2 symbols, got shape {ids.shape}")
    was_training = model.training
    model.eval()
    targets = len(ids) - 1
    length = -(-targets // streams)  # steps per stream, the last one padded
    padded = np.zeros(streams * length + 1, dtype=np.int64)
    padded[: len(ids)] = ids
    real = np.arange(streams * length) < targets
    x = torch.from_numpy(padded[:-1].reshape(streams, length))
    y = torch.from_numpy(padded[1:].reshape(streams, length))
    keep = torch.from_numpy(real.reshape(streams, length))
    total, state = 0.0, None
    for a in range(0, length, chunk):
        logits, state = model(x[:, a : a + chunk], state)
        nll = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:, a : a + chunk].reshape(-1), reduction="none")
        total += nll[keep[:, a : a + chunk].reshape(-1)].sum().item()
    model.train(was_training)
    return total / targets / LN2


@torch.no_grad()
def next_logits(model, ids):
    """The logits of the symbol after each prefix of ``ids``: (N, V) float64 NumPy, row t after ``ids[:t+1]``."""
    model.eval()
    logits, _ = model(torch.as_tensor(np.asarray(ids, dtype=np.int64))[None])
    return logits[0].double().numpy()


@torch.no_grad()
def sample(model, prompt_ids, length, temperature=1.0, seed=0):
    """Draw ``length`` symbols after ``prompt_ids``, one at a time, at a temperature.

    After the prompt, each next symbol is drawn from
    :math:`\\mathrm{softmax}(z / \\tau)`, with z the model's logits and
    :math:`\\tau` the temperature, and fed back as the next input. Below 1 the
    distribution sharpens towards the likeliest symbol; above 1 it flattens
    towards uniform.

    Args:
        model: a :class:`CharLM`.
        prompt_ids: 1-d ids, at least one.
        length: how many symbols to draw.
        temperature: > 0.
        seed: seeds the draws (a ``torch.Generator`` of its own).
    Returns:
        (length,) int64 NumPy array: the drawn ids, prompt excluded.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    prompt = torch.as_tensor(np.asarray(prompt_ids, dtype=np.int64))
    if prompt.dim() != 1 or len(prompt) < 1:
        raise ValueError("prompt_ids must be a 1-d array of at least one id")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    logits, state = model(prompt[None])
    drawn = []
    for _ in range(length):
        probs = torch.softmax(logits[0, -1].double() / temperature, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=generator)
        drawn.append(int(nxt))
        logits, state = model(nxt[None], state)
    return np.array(drawn, dtype=np.int64)
