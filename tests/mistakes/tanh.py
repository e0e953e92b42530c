"""Plausible mistakes in ``tanh(x)``, in a notebook whose ``sigmoid`` is right."""

from . import mistake

SIGMOID_OK = """
def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
"""
CONTEXT = (SIGMOID_OK,)

MISTAKES = [
    mistake("tanh", "np.tanh", "def tanh(x):\n    return np.tanh(x)", expect="ready-made tanh"),
    mistake(
        "tanh",
        "np.tanh under another name",
        "from numpy import tanh as np_tanh",
        "def tanh(x):\n    return np_tanh(x)",
        expect="ready-made tanh",
    ),
    mistake(
        "tanh",
        "math.tanh through np.vectorize",
        "import math",
        "def tanh(x):\n    return np.vectorize(math.tanh)(x)",
        expect="ready-made tanh",
    ),
    mistake(
        "tanh",
        "argument of sigmoid not doubled",
        "def tanh(x):\n    return 2 * sigmoid(x) - 1",
        expect="the argument of sigmoid is 2 * x",
    ),
    mistake("tanh", "the - 1 forgotten", "def tanh(x):\n    return 2 * sigmoid(2 * x)", expect="the - 1 is missing"),
    mistake(
        "tanh",
        "the factor 2 forgotten",
        "def tanh(x):\n    return sigmoid(2 * x) - 1",
        expect="the factor 2 in front is missing",
    ),
    mistake("tanh", "sign flipped", "def tanh(x):\n    return 1 - 2 * sigmoid(2 * x)", expect="the sign is flipped"),
    mistake(
        "tanh",
        "+ 1 for - 1",
        "def tanh(x):\n    return 2 * sigmoid(2 * x) + 1",
        expect="+ 1 where the identity has - 1",
    ),
    mistake("tanh", "sigmoid itself", "def tanh(x):\n    return sigmoid(x)", expect="this is sigmoid(x)"),
    mistake(
        "tanh",
        "exp formula overflows",
        "def tanh(x):\n    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        expect="an exp inside tanh overflows",
    ),
    mistake(
        "tanh",
        "one-exp formula overflows",
        "def tanh(x):\n    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))",
        expect="an exp inside tanh overflows",
    ),
    mistake(
        "tanh",
        "sinh / cosh overflows",
        "def tanh(x):\n    return np.sinh(x) / np.cosh(x)",
        expect="an exp inside tanh overflows",
    ),
    mistake(
        "tanh",
        "float32 promoted to float64",
        "def tanh(x):\n    x = np.asarray(x, dtype=float)\n    return 2 * sigmoid(2 * x) - 1",
        expect="returns float64 for float32 input",
    ),
    mistake(
        "tanh",
        "doubles x in place",
        "def tanh(x):\n    x *= 2\n    return 2 * sigmoid(x) - 1",
        expect="writes into x",
        needs=("modified",),
    ),
    mistake(
        "tanh",
        "its own sigmoid inlined, overflowing",
        "def tanh(x):\n    return 2 / (1 + np.exp(-2 * x)) - 1",
        expect="an exp inside tanh overflows",
    ),
    mistake(
        "tanh",
        "odd symmetry applied the wrong way for x < 0",
        "def tanh(x):\n    return np.where(x >= 0, 2 * sigmoid(2 * x) - 1, 1 - 2 * sigmoid(2 * x))",
        expect="for x < 0",
        held_out=True,
    ),
]
