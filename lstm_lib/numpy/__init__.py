"""The LSTM in NumPy, everything by hand: every forward has its backward."""

from .activations import relu, relu_backward, relu_forward, sigmoid, tanh
from .cell import CellCache, lstm_cell_backward, lstm_cell_forward
from .init import init_dense_params, init_lstm_params, init_lstm_stack_params
from .layer import LSTMCache, lstm_backward, lstm_forward

__all__ = [
    "sigmoid", "tanh", "relu", "relu_forward", "relu_backward",
    "init_lstm_params", "init_lstm_stack_params", "init_dense_params",
    "lstm_cell_forward", "lstm_cell_backward", "CellCache",
    "lstm_forward", "lstm_backward", "LSTMCache",
]
