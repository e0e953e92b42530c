"""The LSTM in PyTorch, written from its gate equations.

- :class:`LSTMCell`, :class:`LSTM`: drop-ins for ``torch.nn.LSTMCell`` and
  ``torch.nn.LSTM`` (same arguments, outputs, ``state_dict`` keys and
  initialisation), on whatever device and dtype their parameters have.
- :func:`lstm_cell`, :func:`lstm_layer_reference`, :func:`lstm_layer`: the same
  model as functions of tensors (:mod:`lstm_lib.torch.functional`):
  ``lstm_layer_reference`` is a readable loop of cells with autograd's
  backward, ``lstm_layer`` the same layer with a hand-written backward pass.
- :func:`to_numpy_params`, :func:`load_numpy_params`: parameters to and from
  ``lstm_lib.numpy``'s dicts, and :func:`numpy_to_state_dict`, those dicts as
  ``torch.nn.LSTM``'s ``state_dict`` (:mod:`lstm_lib.torch.interop`).
- :class:`VowelClassifier`, :func:`train_and_predict`: a bidirectional LSTM
  classifier over packed sequences and its training recipe for the Japanese
  vowels (:mod:`lstm_lib.torch.classify`).
- :class:`VariantLSTM`, :func:`variant_lstm_cell`: the LSTM's gate variants
  (no forget gate, coupled input and forget gate, ...) from one cell with a
  switch, for ablations (:mod:`lstm_lib.torch.variants`).

The applications and experiments of the later chapters have their own
modules, imported where they are used: :mod:`lstm_lib.torch.lm` (a
character-level language model), :mod:`lstm_lib.torch.forecast` (a small
forecaster) and :mod:`lstm_lib.torch.experiments` (the classic experiments).
"""

from .classify import VowelClassifier, train_and_predict
from .functional import LSTMLayerFunction, lstm_cell, lstm_layer, lstm_layer_reference
from .interop import load_numpy_params, numpy_to_state_dict, to_numpy_params
from .modules import LSTM, LSTMCell, LSTMInputError
from .variants import VARIANTS, VariantLSTM, variant_lstm_cell

__all__ = [
    "LSTM",
    "LSTMCell",
    "LSTMInputError",
    "LSTMLayerFunction",
    "lstm_cell",
    "lstm_layer",
    "lstm_layer_reference",
    "load_numpy_params",
    "numpy_to_state_dict",
    "to_numpy_params",
    "train_and_predict",
    "VowelClassifier",
    "VARIANTS",
    "VariantLSTM",
    "variant_lstm_cell",
]
