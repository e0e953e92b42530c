"""Plausible mistakes in ``sigmoid(x)``."""

from . import mistake

CONTEXT = ()  # sigmoid needs nothing but NumPy

MISTAKES = [
    mistake(
        "sigmoid",
        "naive formula overflows",
        "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))",
        expect="np.exp overflows",
    ),
    mistake("sigmoid", "sign inside exp", "def sigmoid(x):\n    return 1 / (1 + np.exp(x))", expect="sigmoid(-x)"),
    mistake(
        "sigmoid",
        "exp(x) / (1 + exp(x)) overflows",
        "def sigmoid(x):\n    return np.exp(x) / (1 + np.exp(x))",
        expect="np.exp overflows",
    ),
    mistake(
        "sigmoid",
        "np.where computes both branches",
        "def sigmoid(x):\n    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))",
        expect="computes both a and b",
    ),
    mistake(
        "sigmoid",
        "float32 promoted to float64",
        "def sigmoid(x):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    e = np.exp(-np.abs(x))\n"
        "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
        expect="returns float64 for float32 input",
    ),
    mistake(
        "sigmoid",
        "takes |x| in place",
        "def sigmoid(x):\n"
        "    neg = x < 0\n"
        "    x[neg] = -x[neg]\n"
        "    e = np.exp(-x)\n"
        "    return np.where(neg, e / (1 + e), 1 / (1 + e))",
        expect="writes into x",
        needs=("modified",),
    ),
    mistake(
        "sigmoid",
        "branches of np.where swapped",
        "def sigmoid(x):\n    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))",
        expect="branches of np.where are swapped",
    ),
    mistake(
        "sigmoid",
        "the branch for x < 0 forgotten",
        "def sigmoid(x):\n    e = np.exp(-np.abs(x))\n    return 1 / (1 + e)",
        expect="for x < 0",
    ),
    mistake(
        "sigmoid",
        "exp(-x) instead of exp(-|x|)",
        "def sigmoid(x):\n    e = np.exp(-x)\n    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))",
        expect="for x < 0",
    ),
    mistake(
        "sigmoid",
        "clipping that is not enough in float32",
        "def sigmoid(x):\n    x = np.clip(x, -500, 500)\n    return 1 / (1 + np.exp(-x))",
        expect="np.exp overflows",
    ),
    mistake("sigmoid", "tanh instead of sigmoid", "def sigmoid(x):\n    return np.tanh(x)", expect="this is tanh(x)"),
    mistake(
        "sigmoid",
        "math.exp on an array",
        "import math\n\ndef sigmoid(x):\n    return 1 / (1 + math.exp(-x))",
        expect=("math functions", "line 4"),
    ),
    mistake(
        "sigmoid",
        "a flat list of values",
        "def sigmoid(x):\n"
        "    e = np.exp(-np.abs(x))\n"
        "    return np.array([1 / (1 + v) if s >= 0 else v / (1 + v)\n"
        "                     for s, v in zip(x.ravel(), e.ravel())])",
        expect="shaped like x",
    ),
    mistake(
        "sigmoid",
        "minus instead of plus in 1 + exp",
        "def sigmoid(x):\n    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1 / (1 - e), e / (1 + e))",
        expect="for x > 0",
        held_out=True,
    ),
    mistake(
        "sigmoid",
        "typo in the branch for x < 0",
        "def sigmoid(x):\n    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1 / (1 + e), e / (1 - e))",
        expect="for x < 0",
        held_out=True,
    ),
]
