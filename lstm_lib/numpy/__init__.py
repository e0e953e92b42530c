"""The LSTM in NumPy, everything by hand: every forward has its backward.

Conventions: gate order i, f, g, o and PyTorch's parameter layout
(``weight_ih`` (4H, D), ``weight_hh`` (4H, H), ``bias_ih``, ``bias_hh`` (4H,));
sequences batch-first, x (B, T, D); float64 by default, float32 kept.

``lstm_forward`` and ``lstm_backward`` are the reference, the loop over time
that the book derives; ``masked_lstm_*`` (padded sequences), ``bilstm_*``
(both directions) and the classifier's loss are in ``sequences.py``.
``lstm_lib.numpy.fast`` has the same layer functions (``lstm_*``,
``masked_lstm_*``, ``bilstm_*``), arranged for speed and tested equal; the
stack and the training code use those by default.
"""

from . import fast
from .activations import relu, relu_backward, relu_forward, sigmoid, tanh
from .cell import CellCache, lstm_cell_backward, lstm_cell_forward
from .dense import DenseCache, dense_backward, dense_forward
from .gradcheck import GradCheckResult, grad_check
from .init import init_dense_params, init_lstm_params, init_lstm_stack_params
from .layer import LSTMCache, lstm_backward, lstm_forward
from .losses import mse_loss, perplexity, softmax, softmax_cross_entropy
from .optim import SGD, Adam, clip_grad_norm
from .rnn import (
    RNNCache,
    RNNStepCache,
    gradient_norms,
    init_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from .sequences import (
    BiLSTMCache,
    MaskedLSTMCache,
    bilstm_backward,
    bilstm_forward,
    classifier_loss,
    masked_lstm_backward,
    masked_lstm_forward,
    masked_mean_pool,
    masked_mean_pool_backward,
)
from .stack import StackCache, lstm_stack_backward, lstm_stack_forward
from .variants import VARIANTS, variant_cell_forward

__all__ = [
    "sigmoid",
    "tanh",
    "relu",
    "relu_forward",
    "relu_backward",
    "init_lstm_params",
    "init_lstm_stack_params",
    "init_dense_params",
    "lstm_cell_forward",
    "lstm_cell_backward",
    "CellCache",
    "lstm_forward",
    "lstm_backward",
    "LSTMCache",
    "lstm_stack_forward",
    "lstm_stack_backward",
    "StackCache",
    "dense_forward",
    "dense_backward",
    "DenseCache",
    "mse_loss",
    "softmax_cross_entropy",
    "softmax",
    "perplexity",
    "SGD",
    "Adam",
    "clip_grad_norm",
    "grad_check",
    "GradCheckResult",
    "init_rnn_params",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "RNNStepCache",
    "RNNCache",
    "gradient_norms",
    "masked_lstm_forward",
    "masked_lstm_backward",
    "MaskedLSTMCache",
    "bilstm_forward",
    "bilstm_backward",
    "BiLSTMCache",
    "masked_mean_pool",
    "masked_mean_pool_backward",
    "classifier_loss",
    "VARIANTS",
    "variant_cell_forward",
    "fast",
]
