r"""The classic LSTM experiments of chapter 11, as training and evaluation loops.

Each function trains one model on one task with an explicit budget (a number of
steps, a batch size, a learning rate) and a seed, then evaluates it on fresh test
data drawn with another seed, and returns what the chapter prints:

- :func:`run_adding`: the adding problem (Hochreiter and Schmidhuber, 1997):
  regression at each sequence's last real step; the fraction of test sequences
  whose error is below 0.04 (:func:`lstm_lib.classics.adding_correct`).
- :func:`run_temporal_order`: the temporal order problem (same paper):
  classification into four classes at the last real step; test accuracy.
- :func:`run_reber`: the continual embedded Reber grammar (Gers, Schmidhuber and
  Cummins, 2000): next-symbol prediction over an endless stream, trained with
  truncated backpropagation through time and never reset; the fraction of
  correctly predicted symbols (:func:`lstm_lib.classics.reber_correct`) and the
  cell state's size along a long test stream.
- :func:`run_ablation`: one task, every gate variant of
  :mod:`lstm_lib.torch.variants`, a few seeds each.

The recurrent layer is ``torch.nn.LSTM`` or ``torch.nn.RNN`` (tanh) where no
variant is needed, since both run the loop over time inside one operator, and
:class:`~lstm_lib.torch.variants.VariantLSTM` for the variants. The same seed
gives the same result on the same machine (one thread, CPU).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..classics import adding_correct, reber_correct
from ..tasks import adding_problem, reber_stream, temporal_order
from .variants import VARIANTS, VariantLSTM

__all__ = [
    "KINDS",
    "SequenceModel",
    "chrono_init_",
    "AddingResult",
    "run_adding",
    "TemporalOrderResult",
    "run_temporal_order",
    "ReberResult",
    "run_reber",
    "reber_batches",
    "AblationResult",
    "run_ablation",
]

#: The recurrent layers a :class:`SequenceModel` can use: ``torch.nn.LSTM``,
#: ``torch.nn.RNN`` (tanh), or any LSTM variant of :mod:`lstm_lib.torch.variants`.
KINDS = ("lstm", "rnn") + VARIANTS


def _positive_int(name, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def chrono_init_(weight_bias_ih, bias_hh, hidden_size, t_max, *, generator=None):
    r"""Chrono initialisation of an LSTM's gate biases (Tallec and Ollivier, 2018), in place.

    The forget gate's bias is drawn as :math:`b_f = \log u`, :math:`u \sim U(1, t_{max} - 1)`,
    and the input gate's is :math:`b_i = -b_f`: each unit starts out keeping its
    cell state for a typical time of up to ``t_max`` steps, and writing little into
    it. A freshly initialised LSTM (biases near 0, gates near 0.5) forgets half its
    cell state at every step, so the gradient from a target 100 steps away starts
    out vanishingly small; with these biases it does not.

    Args:
        weight_bias_ih: the (4H,) ``bias_ih`` of a layer (gates i, f, g, o), set to
            the new biases for i and f (g and o untouched).
        bias_hh: its (4H,) ``bias_hh``; the i and f blocks are set to 0, so that
            the sums are the drawn values.
        hidden_size: H.
        t_max: the longest dependency expected, > 2.
        generator: a ``torch.Generator`` for the draw (default: the global one).
    """
    H = _positive_int("hidden_size", hidden_size)
    if not t_max > 2:
        raise ValueError(f"t_max must be > 2, got {t_max!r}")
    u = torch.rand(H, generator=generator, dtype=torch.float64) * (t_max - 2) + 1
    b_f = torch.log(u).to(weight_bias_ih)
    with torch.no_grad():
        weight_bias_ih[:H] = -b_f
        weight_bias_ih[H : 2 * H] = b_f
        bias_hh[: 2 * H] = 0.0


class SequenceModel(nn.Module):
    """A recurrent layer and a linear head, read at each sequence's last real step or at every step.

    Args:
        kind: one of ``KINDS``: ``"lstm"`` (``torch.nn.LSTM``), ``"rnn"``
            (``torch.nn.RNN``, tanh) or an LSTM variant (``VariantLSTM``).
        input_size: D; hidden_size: H; output_size: the head's outputs.
        chrono: None (the layer's default initialisation) or the ``t_max`` of
            :func:`chrono_init_` for the gate biases (LSTMs only).

    ``forward(x, lengths=None, state=None)`` takes x (B, T, D) batch-first.
    With ``lengths`` (B,), it returns the head's output at each sequence's last real
    step, (B, output_size): the steps after a sequence's end cannot change the
    steps before it, so the padded batch runs whole and the right step is gathered.
    Without ``lengths``, it returns ``(outputs (B, T, output_size), state)``, with the
    final state for the next chunk of a stream (``state`` the previous one, or None).
    """

    def __init__(self, kind, input_size, hidden_size, output_size, *, chrono=None):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        self.kind = kind
        if kind == "lstm":
            self.rnn = nn.LSTM(input_size, hidden_size, batch_first=True)
            biases = (self.rnn.bias_ih_l0, self.rnn.bias_hh_l0)
        elif kind == "rnn":
            self.rnn = nn.RNN(input_size, hidden_size, nonlinearity="tanh", batch_first=True)
            biases = None
        else:
            self.rnn = VariantLSTM(input_size, hidden_size, kind, batch_first=True)
            biases = (self.rnn.bias_ih, self.rnn.bias_hh)
        if chrono is not None:
            if biases is None:
                raise ValueError("chrono initialisation sets gate biases: an RNN has none")
            chrono_init_(*biases, hidden_size, chrono)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x, lengths=None, state=None):
        if x.dim() != 3:
            raise ValueError(f"x must have shape (B, T, D), got {tuple(x.shape)}")
        if lengths is None:
            out, state = self.rnn(x, state)
            return self.head(out), state
        lengths = torch.as_tensor(lengths, device=x.device)
        if lengths.shape != (x.shape[0],) or bool((lengths < 1).any()) or bool((lengths > x.shape[1]).any()):
            raise ValueError(f"lengths must be (B,) = ({x.shape[0]},) values in 1..T={x.shape[1]}")
        out, _ = self.rnn(x)
        last = out[torch.arange(x.shape[0], device=x.device), lengths - 1]  # (B, H)
        return self.head(last)


def _tensors(task, dtype=torch.float32):
    return torch.as_tensor(task.x, dtype=dtype), torch.as_tensor(task.lengths)


def _train(model, batches, loss_fn, *, steps, lr, clip):
    """Adam on ``steps`` batches from ``batches()``; the loss of each batch before its update."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = np.empty(steps)
    model.train()
    for step in range(steps):
        loss = loss_fn(model, *batches())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses[step] = loss.item()
    return losses


# ----------------------------------------------------------------------- adding


class AddingResult(NamedTuple):
    """One run of the adding problem."""

    kind: str
    losses: np.ndarray  # (steps,) training MSE of each batch, before its update
    pred: np.ndarray  # (N,) the outputs at the test sequences' ends
    target: np.ndarray  # (N,) their targets
    correct: np.ndarray  # (N,) bool, |pred - target| < 0.04

    @property
    def fraction_correct(self) -> float:
        return float(self.correct.mean())


def run_adding(
    kind,
    *,
    T=100,
    hidden_size=32,
    steps=800,
    batch_size=64,
    lr=1e-2,
    clip=1.0,
    chrono=True,
    seed=0,
    n_test=1000,
    test_seed=12345,
) -> AddingResult:
    """Train on the adding problem at minimal lag T; evaluate on ``n_test`` fresh sequences.

    Every step draws a new batch of ``batch_size`` sequences (as the paper does:
    no fixed training set), and the loss is the squared error at each sequence's
    last real step. LSTMs get :func:`chrono_init_` with ``t_max = T`` unless
    ``chrono`` is False; an RNN has no gates and keeps PyTorch's initialisation.

    Returns:
        :class:`AddingResult`; ``fraction_correct`` is the paper's criterion.
    """
    steps, batch_size = _positive_int("steps", steps), _positive_int("batch_size", batch_size)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SequenceModel(kind, 2, hidden_size, 1, chrono=T if chrono and kind != "rnn" else None)

    def batches():
        task = adding_problem(batch_size, T, rng=rng)
        return (*_tensors(task), torch.as_tensor(task.y, dtype=torch.float32))

    def loss_fn(model, x, lengths, y):
        return F.mse_loss(model(x, lengths)[:, 0], y)

    losses = _train(model, batches, loss_fn, steps=steps, lr=lr, clip=clip)
    test = adding_problem(n_test, T, rng=np.random.default_rng(test_seed))
    model.eval()
    with torch.no_grad():
        pred = model(*_tensors(test))[:, 0].double().numpy()
    return AddingResult(kind, losses, pred, test.y, adding_correct(pred, test.y))


# --------------------------------------------------------------- temporal order


class TemporalOrderResult(NamedTuple):
    """One run of the temporal order problem."""

    kind: str
    losses: np.ndarray  # (steps,) training cross-entropy of each batch, before its update
    predicted: np.ndarray  # (N,) predicted classes of the test sequences
    target: np.ndarray  # (N,) their classes

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.target).mean())


def run_temporal_order(
    kind,
    *,
    hidden_size=32,
    steps=600,
    batch_size=64,
    lr=1e-2,
    clip=1.0,
    chrono=True,
    length=(100, 110),
    t1=(10, 20),
    t2=(50, 60),
    seed=0,
    n_test=1000,
    test_seed=12345,
) -> TemporalOrderResult:
    """Train on the temporal order problem (4 classes, sequences of ``length`` steps); evaluate.

    ``length``, ``t1`` and ``t2`` are :func:`lstm_lib.tasks.temporal_order`'s: the
    ranges of the sequence length and of the two relevant positions (the paper's by default).

    As :func:`run_adding`, with cross-entropy at each sequence's last real step;
    LSTMs get :func:`chrono_init_` with ``t_max`` the longest sequence.
    """
    steps, batch_size = _positive_int("steps", steps), _positive_int("batch_size", batch_size)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SequenceModel(kind, 8, hidden_size, 4, chrono=length[1] if chrono and kind != "rnn" else None)

    def batches():
        task = temporal_order(batch_size, length=length, t1=t1, t2=t2, rng=rng)
        return (*_tensors(task), torch.as_tensor(task.y))

    def loss_fn(model, x, lengths, y):
        return F.cross_entropy(model(x, lengths), y)

    losses = _train(model, batches, loss_fn, steps=steps, lr=lr, clip=clip)
    test = temporal_order(n_test, length=length, t1=t1, t2=t2, rng=np.random.default_rng(test_seed))
    model.eval()
    with torch.no_grad():
        predicted = model(*_tensors(test)).argmax(dim=1).numpy()
    return TemporalOrderResult(kind, losses, predicted, test.y)


# ------------------------------------------------------------------------ Reber


def reber_batches(n_streams, chunk, n_chunks, *, rng):
    """``n_streams`` continual Reber streams cut into ``n_chunks`` consecutive chunks of ``chunk`` steps.

    Returns:
        x (n_chunks, n_streams, chunk, 7) one-hot symbols and allowed
        (n_chunks, n_streams, chunk, 7) the multi-hot sets allowed next, float32
        tensors: chunk k of every stream continues chunk k - 1.
    """
    n_streams, chunk, n_chunks = (
        _positive_int(*a) for a in (("n_streams", n_streams), ("chunk", chunk), ("n_chunks", n_chunks))
    )
    need = chunk * n_chunks
    xs, allowed = [], []
    for _ in range(n_streams):
        # an embedded Reber string is at least 9 symbols long: need // 9 + 1 strings always suffice
        stream = reber_stream(need // 9 + 1, rng=rng)
        xs.append(stream.x[:need])
        allowed.append(stream.allowed[:need])

    def cut(a):  # (S, need, 7) -> (n_chunks, S, chunk, 7)
        a = np.stack(a).reshape(n_streams, n_chunks, chunk, -1).transpose(1, 0, 2, 3)
        return torch.as_tensor(np.ascontiguousarray(a), dtype=torch.float32)

    return cut(xs), cut(allowed)


class ReberResult(NamedTuple):
    """One run of the continual embedded Reber grammar."""

    kind: str
    losses: np.ndarray  # (steps,) training binary cross-entropy of each chunk, before its update
    correct: np.ndarray  # (n_test_streams, test_length) bool, every test step's prediction
    cell_size: np.ndarray  # (test_length,) mean |c_t| over units and test streams at each step (None: an RNN)

    @property
    def fraction_correct(self) -> float:
        return float(self.correct.mean())


def _cell_states(model, x):
    """Every step's cell state, (B, T, H), stepping the layer one step at a time (an LSTM or a variant)."""
    state, cells = None, []
    for t in range(x.shape[1]):
        _, state = model.rnn(x[:, t : t + 1], state)
        cells.append(state[1][0])
    return torch.stack(cells, dim=1)


def run_reber(
    kind,
    *,
    hidden_size=16,
    steps=300,
    n_streams=32,
    chunk=20,
    lr=1e-2,
    clip=1.0,
    seed=0,
    n_test_streams=8,
    test_length=2000,
    test_seed=12345,
) -> ReberResult:
    """Train next-symbol prediction on continual embedded Reber streams; evaluate on a long test stream.

    ``n_streams`` streams run side by side; each training step takes their next
    ``chunk`` symbols, starts from the state the previous chunk left (detached:
    truncated backpropagation through time) and never resets it, so the network
    must learn where strings start and end by itself. The loss is binary
    cross-entropy between sigmoid outputs and the set of symbols allowed next.

    The test runs ``n_test_streams`` fresh streams of ``test_length`` symbols in one
    go, state carried throughout, and scores every step with
    :func:`lstm_lib.classics.reber_correct`; for an LSTM or a variant it also
    records the cell state's mean absolute value at every step.

    Returns:
        :class:`ReberResult`.
    """
    steps = _positive_int("steps", steps)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SequenceModel(kind, 7, hidden_size, 7)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    xs, allowed = reber_batches(n_streams, chunk, steps, rng=rng)
    losses = np.empty(steps)
    state = None
    model.train()
    for step in range(steps):
        logits, state = model(xs[step], state=state)
        loss = F.binary_cross_entropy_with_logits(logits, allowed[step])
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        losses[step] = loss.item()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()

    x_test, allowed_test = reber_batches(n_test_streams, test_length, 1, rng=np.random.default_rng(test_seed))
    x_test, allowed_test = x_test[0], allowed_test[0]
    model.eval()
    with torch.no_grad():
        logits, _ = model(x_test)
        outputs = torch.sigmoid(logits).double().numpy()
        cells = _cell_states(model, x_test).abs().mean(dim=(0, 2)).double().numpy() if kind != "rnn" else None
    correct = reber_correct(outputs.reshape(-1, 7), allowed_test.numpy().reshape(-1, 7))
    return ReberResult(kind, losses, correct.reshape(n_test_streams, test_length), cells)


# --------------------------------------------------------------------- ablation


class AblationResult(NamedTuple):
    """Every variant's score on one task over a few seeds."""

    variants: tuple  # the variants, in the order of the rows
    seeds: tuple  # the seeds, in the order of the columns
    scores: np.ndarray  # (len(variants), len(seeds)) the task's score of each run (higher is better)
    runs: dict  # (variant, seed) -> the run's result


def run_ablation(run, score, variants, seeds, **budget) -> AblationResult:
    """Run ``run(variant, seed=seed, **budget)`` for every variant and seed.

    Args:
        run: one of this module's ``run_*`` functions (or any function with that call).
        score: the result -> a float, e.g. ``lambda r: r.fraction_correct``.
        variants: names from ``VARIANTS``; seeds: ints.
        budget: the same keyword arguments for every run (steps, batch size, ...).

    Returns:
        :class:`AblationResult`, every run under the same budget.
    """
    variants, seeds = tuple(variants), tuple(seeds)
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"variants must be in {', '.join(VARIANTS)}; got {v!r}")
    runs = {(v, s): run(v, seed=s, **budget) for v in variants for s in seeds}
    scores = np.array([[score(runs[v, s]) for s in seeds] for v in variants])
    return AblationResult(variants, seeds, scores, runs)
