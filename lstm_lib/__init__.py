"""lstm_lib: the LSTM that the course builds, in NumPy (``lstm_lib.numpy``) and PyTorch (``lstm_lib.torch``)."""

__version__ = "0.1.0"
