"""Exercise 9, *The LSTM in PyTorch*: ``numpy_to_state_dict`` and ``train_and_predict``.

What the text asks of ``numpy_to_state_dict(params_list)``: the ``state_dict`` of
the ``torch.nn.LSTM`` that has these NumPy parameters, a dict of ``torch.Tensor``
under ``torch.nn.LSTM``'s keys (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, then layer 1, ...; the backward direction of a bidirectional
layer under the same keys ending in ``_reverse``), each tensor with the array's
values, shape and dtype. ``params_list`` is one layer's dict, a list of dicts
(one per layer) or a list of ``(params_fwd, params_bwd)`` pairs; it is not
modified. The order of the keys is not graded.

Of ``train_and_predict(x_train, len_train, y_train, x_test, len_test, *, seed)``:
the predicted labels of the test sequences, a (M,) int64 array (or tensor) in
the order of ``x_test``, at least ``ACCURACY_TARGET`` of them right on the
Japanese vowels (the sequences of both splits come in a new order every
grading run), within the sandbox's ``TIME_LIMIT_S`` seconds on one CPU thread,
starting Python and PyTorch included. torch, torch.nn.LSTM included, is
allowed; lstm_lib is not.
"""

from __future__ import annotations

import functools

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, shape_str
from ..sandbox.wire import EVERY_ITEM
from .spec import ExerciseSpec, FunctionSpec, reference

ACCURACY_TARGET = 0.95  # the reference reaches 98.1-98.4% (seeds 0-2)
TIME_LIMIT_S = 120.0  # the whole sandbox run: starting PyTorch (seconds on a busy machine) and training
MEMORY_MB = 4096  # address space: PyTorch maps far more than it uses
CLASSES = 9
_KEYS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
_F64 = np.float64

# ---------------------------------------------------------------- numpy_to_state_dict


def _layer(rng, D, H, dtype):
    k = 1.0 / np.sqrt(H)
    return {
        "weight_ih": rng.uniform(-k, k, (4 * H, D)).astype(dtype),
        "weight_hh": rng.uniform(-k, k, (4 * H, H)).astype(dtype),
        "bias_ih": rng.uniform(-k, k, 4 * H).astype(dtype),
        "bias_hh": rng.uniform(-k, k, 4 * H).astype(dtype),
    }


def _stack(rng, D, H, L, bidirectional, dtype):
    if not bidirectional:
        return [_layer(rng, D if layer == 0 else H, H, dtype) for layer in range(L)]
    return [
        (_layer(rng, D if layer == 0 else 2 * H, H, dtype), _layer(rng, D if layer == 0 else 2 * H, H, dtype))
        for layer in range(L)
    ]


def _sizes(rng):
    D = int(rng.integers(2, 6))
    H = int(rng.integers(2, 5))
    if D == H:  # a transposed weight_ih must not have the right shape by chance
        D += 1
    return D, H


def _state_cases(rng) -> list:
    cases = []
    D, H = _sizes(rng)
    cases.append(
        Case(
            f"one layer as a dict, D = {D}, H = {H}: keys weight_ih_l0, ..., bias_hh_l0",
            (Call((_layer(rng, D, H, _F64),)),),
        )
    )
    D, H = _sizes(rng)
    cases.append(
        Case(
            f"a list of 2 layers, D = {D}, H = {H}: layer 1 under the keys ending in _l1",
            (Call((_stack(rng, D, H, 2, False, _F64),)),),
        )
    )
    D, H = _sizes(rng)
    cases.append(
        Case(
            f"a bidirectional LSTM of 2 layers, a list of (params_fwd, params_bwd) pairs, "
            f"D = {D}, H = {H}: the backward direction under the keys ending in _reverse",
            (Call((_stack(rng, D, H, 2, True, _F64),)),),
        )
    )
    D, H = _sizes(rng)
    cases.append(
        Case(
            f"float32 arrays, a list of 2 layers, D = {D}, H = {H}: the tensors stay float32",
            (Call((_stack(rng, D, H, 2, False, np.float32),)),),
        )
    )
    return cases


def _expected(params_list) -> dict:
    """{key: array} of the reference's state_dict (its tensors as arrays)."""
    state = reference("numpy_to_state_dict")(params_list)
    return {k: t.detach().cpu().numpy() for k, t in state.items()}


def _got(outputs: dict) -> tuple[dict, np.ndarray]:
    items = {k[len("state[") : -1]: v for k, v in outputs.items() if k.startswith("state[") and k.endswith("]")}
    return items, outputs.get("state.tensor", np.zeros(0, dtype=bool))


def _same(got: dict, want: dict, transform=lambda k, a: a, dtype_free=True) -> bool:
    """Whether ``got`` holds, under ``want``'s keys, ``transform(key, want[key])``."""
    if set(got) != set(want):
        return False
    for k, w in want.items():
        w = transform(k, w)
        if w is None:
            return False
        g = got[k]
        if g.shape != w.shape:
            return False
        if not close(g.astype(_F64), w.astype(_F64), dtype=w.dtype if not dtype_free else _F64):
            return False
    return True


def _gate_orders():
    """Gate orders a learner may write instead of i, f, g, o, with their names."""
    return [
        ((0, 1, 3, 2), "i, f, o, g"),
        ((3, 0, 1, 2), "o, i, f, g"),
        ((1, 0, 2, 3), "f, i, g, o"),
        ((0, 2, 1, 3), "i, g, f, o"),
        ((3, 2, 1, 0), "o, g, f, i"),
    ]


def _reblock(a, order):
    H = a.shape[0] // 4
    return np.concatenate([a[k * H : (k + 1) * H] for k in order], axis=0)


def _swap_direction(key):
    return key[: -len("_reverse")] if key.endswith("_reverse") else key + "_reverse"


def _shift_layer(key, by):
    stem, _, rest = key.rpartition("_l")
    num, sep, tail = rest.partition("_")
    return f"{stem}_l{int(num) + by}{sep}{tail}"


def _state_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    (params_list,) = case.calls[0].args
    want = _expected(params_list)
    got, tensor = _got(outcomes[0].outputs)
    problems = []
    missing, extra = [k for k in want if k not in got], [k for k in got if k not in want]
    if missing or extra:
        problems.append(f"the keys differ from torch.nn.LSTM's: missing {missing}, unexpected {extra}")
        return _key_diagnosis(problems, got, want)
    for k, w in want.items():
        g = got[k]
        if g.shape != w.shape:
            problems.append(f"[{k!r}] has shape {shape_str(g.shape)}, expected {shape_str(w.shape)}")
        elif not close(g.astype(_F64), w.astype(_F64), dtype=w.dtype):
            problems.append(f"[{k!r}] has other values than the array it comes from")
        if g.dtype != w.dtype:
            problems.append(f"[{k!r}] has dtype {g.dtype}, expected {w.dtype} (the array's own)")
    not_tensors = [k for k, t in zip(got, tensor, strict=False) if not t]
    if not problems and not not_tensors:
        return Verdict(True)
    if not problems:
        return Verdict(
            False,
            [
                f"[{not_tensors[0]!r}] is a NumPy array, not a torch.Tensor"
                + (f" ({len(not_tensors)} of {len(got)} values)" if len(not_tensors) > 1 else "")
            ],
            "the values are NumPy arrays: a state_dict holds torch tensors, "
            "torch.from_numpy(a) or torch.tensor(a) (which keep the array's dtype)",
            "the type of the values",
        )
    return _value_diagnosis(problems, got, want)


def _key_diagnosis(problems, got, want) -> Verdict:
    gk = set(got)
    if any(k in gk for k in _KEYS) and not any(k.startswith(_KEYS) and "_l" in k for k in gk):
        return Verdict(
            False,
            problems,
            "the keys have no layer suffix: torch.nn.LSTM names layer 0's "
            "weight_ih 'weight_ih_l0' (and layer l's 'weight_ih_l{l}'), even with one layer",
        )
    if {_shift_layer(k, 1) for k in want} == gk:
        return Verdict(
            False, problems, "the layer index is off by one: layers count from 0, 'weight_ih_l0' is the first layer's"
        )
    if {_swap_direction(k) for k in want} == gk:
        return Verdict(
            False,
            problems,
            "_reverse is on the wrong direction: the first of each "
            "(params_fwd, params_bwd) pair is the forward direction (keys without _reverse), "
            "the second gets the keys ending in _reverse",
        )
    if any(k.endswith("_reverse") for k in want) and not any(k.endswith("_reverse") for k in gk):
        return Verdict(
            False,
            problems,
            "the backward direction is missing: each layer of a bidirectional "
            "LSTM is a (params_fwd, params_bwd) pair; the second one's arrays go under the keys "
            "ending in _reverse ('weight_ih_l0_reverse', ...)",
        )
    if (
        any(k.startswith(("weight_ih_l", "bias_ih_l")) for k in gk)
        and len(gk) < len(want)
        and all(k in want for k in gk)
    ):
        return Verdict(
            False,
            problems,
            None,
            "which layers are converted: every layer of the list (and both directions of a pair) gives four keys",
        )
    return Verdict(
        False,
        problems,
        None,
        "the keys: 'weight_ih_l{layer}', 'weight_hh_l{layer}', "
        "'bias_ih_l{layer}', 'bias_hh_l{layer}', with '_reverse' after them for the backward "
        "direction",
    )


def _value_diagnosis(problems, got, want) -> Verdict:
    if _same(got, want) and any(got[k].dtype != want[k].dtype for k in want):
        k = next(k for k in want if got[k].dtype != want[k].dtype)
        return Verdict(
            False,
            problems,
            f"the values are right but the dtype is {got[k].dtype}, not the "
            f"array's {want[k].dtype}: torch.tensor(a) and torch.from_numpy(a) keep it; "
            "torch.Tensor(a), torch.FloatTensor or .double() / .float() change it",
            "the dtype",
        )
    if _same(got, want, lambda k, a: a.T if a.ndim == 2 else a):
        return Verdict(
            False,
            problems,
            "the weights are transposed: torch.nn.LSTM keeps them as the "
            "NumPy LSTM does, weight_ih (4H, D) and weight_hh (4H, H); copy them as they are",
        )
    for order, name in _gate_orders():
        if _same(got, want, lambda k, a, o=order: _reblock(a, o)):
            return Verdict(
                False,
                problems,
                f"the gate blocks are reordered ({name}): both libraries "
                "stack the gates i, f, g, o in the rows, so no reordering is needed",
            )
    if any(k.endswith("_reverse") for k in want) and _same(got, want, lambda k, a: want[_swap_direction(k)]):
        return Verdict(
            False,
            problems,
            "_reverse is on the wrong direction: the first of each "
            "(params_fwd, params_bwd) pair is the forward direction (keys without _reverse), "
            "the second gets the keys ending in _reverse",
        )
    swap_bias = {"bias_ih": "bias_hh", "bias_hh": "bias_ih"}

    def swapped(k, a):
        stem = next((s for s in swap_bias if k.startswith(s + "_l")), None)
        return a if stem is None else want[swap_bias[stem] + k[len(stem) :]]

    if _same(got, want, swapped):
        return Verdict(
            False,
            problems,
            "bias_ih and bias_hh are swapped: each array goes under its own name, bias_ih to 'bias_ih_l{layer}'",
        )
    bad = [k for k in want if got[k].shape != want[k].shape or not close(got[k].astype(_F64), want[k].astype(_F64))]
    return Verdict(
        False,
        problems,
        None,
        f"the values under {bad[0]!r}: each key holds the array of that name of its layer and direction, unchanged",
    )


NUMPY_TO_STATE_DICT = FunctionSpec(
    name="numpy_to_state_dict",
    signature="numpy_to_state_dict(params_list)",
    returns="a dict of torch tensors under torch.nn.LSTM's keys ('weight_ih_l0', ...)",
    points=2.0,
    outputs=(("state", (EVERY_ITEM,)),),
    make_cases=_state_cases,
    judge=_state_judge,
)

# ---------------------------------------------------------------- train_and_predict


@functools.lru_cache(maxsize=1)
def vowels():
    """The Japanese vowels, as ``lstm_lib.data.load_japanese_vowels`` gives them."""
    from lstm_lib.data import load_japanese_vowels

    return load_japanese_vowels()


@functools.lru_cache(maxsize=1)
def _test_labels() -> dict:
    """{a test sequence's bytes: its label}: the grader finds each label from the sequence,
    so that the labels never go into the sandbox."""
    d = vowels()
    return {_row_key(x, n): int(y) for x, n, y in zip(d.x_test, d.len_test, d.y_test, strict=True)}


def _row_key(x, n) -> bytes:
    return np.ascontiguousarray(x, dtype=_F64).tobytes() + np.int64(n).tobytes()


def labels_of(x_test, len_test) -> np.ndarray:
    """The true labels of the test sequences ``x_test`` (in their order)."""
    table = _test_labels()
    return np.array([table[_row_key(x, n)] for x, n in zip(x_test, len_test, strict=True)], dtype=np.int64)


def _train_cases(rng) -> list:
    d = vowels()
    a, b = rng.permutation(len(d.y_train)), rng.permutation(len(d.len_test))
    seed = int(rng.integers(1000))
    return [
        Case(
            f"the Japanese vowels ({len(a)} training, {len(b)} test sequences, in a new order), "
            f"seed {seed}: at least {ACCURACY_TARGET:.0%} of the test labels right",
            (Call((d.x_train[a], d.len_train[a], d.y_train[a], d.x_test[b], d.len_test[b]), {"seed": seed}),),
        )
    ]


def _train_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    _, _, y_train, x_test, len_test = case.calls[0].args
    M = len(len_test)
    y = labels_of(x_test, len_test)
    pred = outcomes[0].outputs["pred"]
    if pred.shape == (M, CLASSES):
        return Verdict(
            False,
            [f"the predictions have shape {shape_str(pred.shape)}, expected (M,) = ({M},)"],
            "these are the logits (or probabilities) of each class: return the label of the "
            "largest, logits.argmax(dim=1)",
            "the shape",
        )
    if pred.shape != (M,):
        return Verdict(
            False,
            [f"the predictions have shape {shape_str(pred.shape)}, expected (M,) = ({M},)"],
            f"one label per test sequence, in the order of x_test: an array of shape ({M},)",
            "the shape",
        )
    if pred.dtype.kind not in "iu":
        return Verdict(
            False,
            [f"the predictions have dtype {pred.dtype}, expected int64"],
            "labels are class indices: an int64 array, as argmax returns (.astype(np.int64) or .long())",
            "the dtype",
        )
    accuracy = float(np.mean(pred == y))
    problems = [] if pred.dtype == np.int64 else [f"the predictions have dtype {pred.dtype}, expected int64"]
    if accuracy >= ACCURACY_TARGET and not problems:
        return Verdict(True)
    if accuracy >= ACCURACY_TARGET:
        return Verdict(False, problems, "the labels are right but not int64: .astype(np.int64)", "the dtype")
    problems.append(f"{accuracy:.1%} of the {M} test labels are right, expected at least {ACCURACY_TARGET:.0%}")
    for shift in (1, -1):
        if np.mean(pred == y + shift) >= ACCURACY_TARGET - 0.1:
            return Verdict(
                False,
                problems,
                f"the labels are off by {shift:+d}: they are 0..{CLASSES - 1} in "
                "y_train already (speaker 1 is 0); predict them as they are",
            )
    counts = np.bincount(np.clip(pred, 0, None).astype(np.int64), minlength=CLASSES)
    if counts.max() >= 0.9 * M:
        return Verdict(
            False,
            problems,
            f"almost every sequence gets the same label ({int(np.argmax(counts))}): "
            "the model did not learn. Standardise the features with the training steps' mean and "
            "standard deviation, check that the loss goes down (cross_entropy of logits and "
            "y_train, optimizer.zero_grad() before each backward), and train for more epochs",
        )
    if accuracy < 2.0 / CLASSES:
        return Verdict(
            False,
            problems,
            "the accuracy is near chance (1 in 9): the predictions must be in the "
            "order of x_test (if you sort the sequences by length for packing, put the predictions "
            "back in the original order), and the model must be trained on x_train with y_train",
        )
    return Verdict(
        False,
        problems,
        None,
        "the model or its training: read each sequence's last real step, "
        "not the padded step T - 1 (pack the sequences with pack_padded_sequence, or gather h at "
        "len - 1), standardise with the training statistics, and train until the training loss "
        "is small",
    )


TRAIN_AND_PREDICT = FunctionSpec(
    name="train_and_predict",
    signature="train_and_predict(x_train, len_train, y_train, x_test, len_test, *, seed)",
    returns="the predicted test labels, an int64 array of shape (M,)",
    points=3.0,
    outputs=(("pred", ()),),
    make_cases=_train_cases,
    judge=_train_judge,
    error_hints=(
        (
            "Expected hidden[0] size",
            "the initial state must be (num_layers * num_directions, B, H): with bidirectional=True, 2 per layer",
        ),
        (
            "lengths array must be sorted in decreasing order",
            "pack_padded_sequence needs enforce_sorted=False for unsorted lengths",
        ),
        (
            "'lengths' argument should be a 1D CPU int64 tensor",
            "pack_padded_sequence wants the lengths as a CPU int64 tensor: torch.as_tensor(lengths)",
        ),
    ),
)

EXERCISE = ExerciseSpec(
    "09_lstm_in_pytorch",
    "The LSTM in PyTorch",
    (NUMPY_TO_STATE_DICT, TRAIN_AND_PREDICT),
    forbidden=("lstm_lib",),
    packages=("torch",),
    limits={"timeout_s": TIME_LIMIT_S, "memory_mb": MEMORY_MB},
)
