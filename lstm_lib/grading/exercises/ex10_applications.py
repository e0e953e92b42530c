"""Exercise 10, *Applications*: ``ngram_bits_per_char``, ``softmax_with_temperature`` and
``seasonal_naive_forecast``.

What the text asks of ``ngram_bits_per_char(train_ids, test_ids, n, vocab_size, alpha=1.0)``:
one number, the mean over the test positions t = n-1 .. N_test-1 (the first n-1 test symbols
are not scored) of -log2 P(test_ids[t] | the n-1 symbols before it), with P(c | context) =
(count(context, c) + alpha) / (count(context) + alpha * vocab_size), counts from train_ids
(count(context) the number of times the context is followed by a symbol there; for n = 1
the number of training symbols); inputs not modified.

Of ``softmax_with_temperature(logits, temperature)``: softmax(logits / temperature) over the
last axis, of the shape of logits and in its dtype, finite for logits as large as 1000;
the grader calls it with temperature > 0 only.

Of ``seasonal_naive_forecast(history, season, horizon)``: the (horizon,) array with
forecast[k] = history[len(history) - season + (k mod season)], in the dtype of history.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..cases import Call, Case, Outcome, Verdict
from ..judging import close, compare_array, runtime_warnings, shape_str
from .spec import ExerciseSpec, FunctionSpec, reference

_F64 = np.float64


def _as_number(got) -> np.ndarray:
    got = np.asarray(got)
    return got.reshape(()) if got.size == 1 else got


def _same_number(got: float, want: float, rtol=1e-6, atol=1e-9) -> bool:
    if np.isnan(want) or np.isnan(got):
        return bool(np.isnan(want) and np.isnan(got))
    if np.isinf(want) or np.isinf(got):
        return got == want
    return abs(got - want) <= atol + rtol * abs(want)


# ---------------------------------------------------------------- ngram_bits_per_char


def _markov_text(rng, V, length, symbols):
    """A text over ``symbols`` (a subset of 0..V-1) from a random first-order Markov chain
    with peaked transitions, so that the order of the model matters."""
    k = len(symbols)
    P = rng.dirichlet(np.full(k, 0.4), size=k)
    cumulative = P.cumsum(axis=1)
    u = rng.random(length)
    out = np.empty(length, dtype=np.int64)
    state = int(rng.integers(k))
    for t in range(length):
        out[t] = symbols[state]
        state = min(int(np.searchsorted(cumulative[state], u[t], side="right")), k - 1)
    return out


def _ngram_cases(rng) -> list:
    cases = []
    for n, alpha, V, unseen, label in (
        (1, None, int(rng.integers(4, 7)), False, "alpha not given (1.0)"),
        (2, 1.0, int(rng.integers(5, 8)), True, "alpha = 1.0"),
        (2, 0.5, int(rng.integers(4, 7)), True, "alpha = 0.5"),
        (3, 0.5, int(rng.integers(3, 5)), True, "alpha = 0.5"),
        (3, 1.0, int(rng.integers(5, 8)), True, "alpha = 1.0"),
    ):
        n_train, n_test = int(rng.integers(150, 260)), int(rng.integers(40, 70))
        if unseen:
            # One symbol never occurs in training; the test text holds it a few times, so that
            # its probability, and that of the contexts holding it, come from the smoothing alone.
            new = int(rng.integers(V))
            seen = [s for s in range(V) if s != new]
            train = _markov_text(rng, V, n_train, seen)
            test = _markov_text(rng, V, n_test, seen)
            at = rng.choice(np.arange(n - 1, n_test), size=3, replace=False)
            test[at] = new
            head = f"a test symbol ({new}) never seen in training"
        else:
            train = _markov_text(rng, V, n_train, list(range(V)))
            train[:V] = np.arange(V)  # every symbol occurs in training
            test = _markov_text(rng, V, n_test, list(range(V)))
            head = "every test symbol seen in training"
        kwargs = {} if alpha is None else {"alpha": alpha}
        text = f"n = {n}, vocab_size = {V}, {n_train} training and {n_test} test symbols, {label}, {head}"
        calls = [Call((train, test, n, V), kwargs)]
        probes = ()
        if n > 1:  # the unigram model on the same texts, to tell the context from the counting
            calls.append(Call((train, test, 1, V), kwargs))
            probes = ("n = 1",)
        cases.append(Case(text, tuple(calls), probes=probes))
    return cases


def _ngram64(
    train,
    test,
    n,
    V,
    alpha,
    *,
    offsets=None,
    start=None,
    log=np.log2,
    den_alpha=None,
    counts_from="train",
    first="skip",
    reduce="mean",
):
    """Bits per symbol of a context model, counted with dictionaries, with one thing changed
    for a known mistake: ``offsets`` (where the context's symbols lie, relative to t; the
    right ones are -(n-1) .. -1), the first position counted and scored (``start``, the
    first where the whole context exists when None), the log, ``den_alpha`` (what alpha is multiplied by in the
    denominator, V when right), the text the counts come from ("train", "test", "both"),
    ``first`` (how the first positions are handled: "skip"; "uniform": scored log V, as
    an empty context never seen; "divide": skipped but the sum divided by N_test) and the
    reduction ("mean" or "sum")."""
    offsets = list(range(-(n - 1), 0)) if offsets is None else list(offsets)
    den_alpha = V if den_alpha is None else den_alpha
    train, test = [int(c) for c in train], [int(c) for c in test]
    text = {"train": train, "test": test, "both": train + test}[counts_from]
    lo = max([0] + [-k for k in offsets]) if start is None else start
    hi = max([0] + [k for k in offsets])

    def windows(ids):
        return [(tuple(ids[t + k] for k in offsets), ids[t]) for t in range(lo, len(ids) - hi)]

    joint, context = Counter(), Counter()
    for ctx, c in windows(text):
        joint[ctx, c] += 1
        context[ctx] += 1
    with np.errstate(all="ignore"):
        bits = [-log((joint[ctx, c] + alpha) / _F64(context[ctx] + alpha * den_alpha)) for ctx, c in windows(test)]
        total = float(np.sum(bits))
        if first == "uniform":
            total += lo * -log(1.0 / V)
            return total if reduce == "sum" else total / len(test)
        if first == "divide":
            return total / len(test)
        return total if reduce == "sum" else total / max(len(bits), 1)


def _ngram_variants(train, test, n, V, alpha) -> list:
    """(likely mistake, bits) for the known mistakes."""
    prev = list(range(-(n - 1), 0))
    out = [
        (
            "the natural log is used: bits are -log2 P, np.log2, not np.log (which gives nats, bits * ln 2)",
            _ngram64(train, test, n, V, alpha, log=np.log),
        ),
        ("log10 is used: bits are -log2 P, np.log2", _ngram64(train, test, n, V, alpha, log=np.log10)),
        (
            "the minus sign is missing: the cost of a symbol is -log2 P, a positive number",
            -_ngram64(train, test, n, V, alpha),
        ),
        (
            "there is no smoothing: add alpha to every count, P(c | context) = (count(context, c) + "
            "alpha) / (count(context) + alpha * vocab_size), so that a symbol never seen after a "
            "context keeps a probability above 0",
            _ngram64(train, test, n, V, 0.0),
        ),
        (
            "alpha is not multiplied by vocab_size in the denominator: (count(context, c) + alpha) / "
            "(count(context) + alpha * vocab_size), so that the V probabilities sum to 1",
            _ngram64(train, test, n, V, alpha, den_alpha=1),
        ),
        (
            "the counts are taken from the test text: count in train_ids, score test_ids",
            _ngram64(train, test, n, V, alpha, counts_from="test"),
        ),
        (
            "the counts are taken from the training and the test text together: count in train_ids "
            "only, score test_ids",
            _ngram64(train, test, n, V, alpha, counts_from="both"),
        ),
        (
            "the total is not averaged: the result is the mean of -log2 P over the scored test "
            "positions, not their sum",
            _ngram64(train, test, n, V, alpha, reduce="sum"),
        ),
        (
            "the total is not averaged: the result is the mean of -log2 P over the scored test "
            "positions, not their sum",
            _ngram64(train, test, n, V, alpha, reduce="sum", first="uniform"),
        ),
    ]
    out += [
        (
            "the context is off by one: it holds the n-1 symbols just before position t, "
            "ids[t-n+1 : t], and the first position counted and scored is t = n-1, not t = n",
            _ngram64(train, test, n, V, alpha, offsets=[k - 1 for k in prev], start=n),
        ),
        (
            "the context holds n symbols: an order-n model predicts from the n-1 symbols before, ids[t-n+1 : t]",
            _ngram64(train, test, n, V, alpha, offsets=list(range(-n, 0))),
        ),
    ]
    if n > 1:
        out += [
            (
                "the first n-1 test symbols are scored: they have no whole context, so the mean runs "
                "over t = n-1 .. N_test-1 only, N_test - n + 1 positions",
                _ngram64(train, test, n, V, alpha, first="uniform"),
            ),
            (
                "the mean divides by N_test: only the N_test - n + 1 positions t = n-1 .. N_test-1 are "
                "scored, so divide by their number",
                _ngram64(train, test, n, V, alpha, first="divide"),
            ),
            (
                "the context holds the symbol it predicts: it is the n-1 symbols before position t, "
                "ids[t-n+1 : t], which ends before t",
                _ngram64(train, test, n, V, alpha, offsets=[k + 1 for k in prev], start=n - 1),
            ),
            (
                "the context holds n-2 symbols: an order-n model predicts from the n-1 symbols before, ids[t-n+1 : t]",
                _ngram64(train, test, n, V, alpha, offsets=prev[1:]),
            ),
        ]
    return out


def _ngram_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    call = case.calls[0]
    train, test, n, V = call.args
    alpha = call.kwargs.get("alpha", 1.0)
    want = float(reference("ngram_bits_per_char")(train.copy(), test.copy(), n, V, alpha))
    got = _as_number(outcomes[0].outputs["bits"])
    if got.dtype.kind not in "biuf":
        return Verdict(
            False,
            [f"the result is not a number ({got.dtype})"],
            "return one float, the mean of -log2 P over the scored test positions",
        )
    if got.shape != ():
        problems = [f"the result has shape {shape_str(got.shape)}; expected one number"]
        return Verdict(
            False,
            problems,
            "the cost of each position is returned: return their mean, one number, np.mean(...)"
            if got.ndim == 1
            else "return one number, the mean of -log2 P over the scored test positions",
        )
    g = float(got)
    if _same_number(g, want):
        return Verdict(True)
    problems = [f"ngram_bits_per_char returned {g:.6g}, expected {want:.6g} bits per symbol"]
    for text, v in _ngram_variants(train, test, n, V, alpha):
        if not np.isfinite(v) and np.isfinite(want):
            if not np.isfinite(g):
                return Verdict(False, problems, text)
            continue
        if _same_number(g, v):
            return Verdict(False, problems, text)
    if not np.isfinite(g):
        return Verdict(
            False,
            problems,
            "the result is not finite: a probability of 0 (a symbol or "
            "a context never seen in training) gives -log2 0 = inf, and 0 / 0 gives nan; "
            "alpha is added to both counts, (count(context, c) + alpha) / (count(context) "
            "+ alpha * vocab_size)",
        )
    if case.probes and len(outcomes) > 1 and outcomes[1].status == "ok":
        probe = _as_number(outcomes[1].outputs["bits"])
        p_want = float(reference("ngram_bits_per_char")(train.copy(), test.copy(), 1, V, alpha))
        if probe.shape == () and _same_number(float(probe), p_want):
            return Verdict(
                False,
                problems,
                None,
                "the context: with n = 1 on the same texts your function is right, so "
                "look at how the n-1 symbols before position t are taken, in the training "
                "text and in the test text, and which test positions are scored",
            )
        return Verdict(
            False,
            problems,
            None,
            "the counting or the smoothing: even with n = 1 on the same texts your result "
            "is wrong; P(c) = (count(c) + alpha) / (N_train + alpha * vocab_size)",
        )
    return Verdict(
        False,
        problems,
        None,
        "the counting or the smoothing: P(c | context) = (count(context, c) + alpha) / "
        "(count(context) + alpha * vocab_size), counts from train_ids, the mean of "
        "-log2 P over the scored test positions",
    )


NGRAM_BITS_PER_CHAR = FunctionSpec(
    name="ngram_bits_per_char",
    signature="ngram_bits_per_char(train_ids, test_ids, n, vocab_size, alpha=1.0)",
    returns="one float, the bits per symbol on test_ids",
    points=3.0,
    outputs=(("bits", ()),),
    make_cases=_ngram_cases,
    judge=_ngram_judge,
    error_hints=(
        (
            "division by zero",
            "a context never seen in training has count 0: with the smoothing, the denominator "
            "count(context) + alpha * vocab_size is never 0",
        ),
        (
            "KeyError",
            "a context or an n-gram never seen in training is not in your dict: its count is 0, "
            "counts.get(key, 0) (or a collections.Counter, which gives 0 for a missing key)",
        ),
        (
            "unhashable type",
            "an array cannot be a dict key: turn a context into a tuple, tuple(ids[t-n+1:t]), or into one integer",
        ),
    ),
)


# ---------------------------------------------------------------- softmax_with_temperature

_OVERFLOW = (
    "np.exp overflows for large logits (exp(z) is inf above about 709 in float64, 88 in "
    "float32, and inf / inf is nan): subtract the largest scaled logit of each row first, "
    "z - z.max(axis=-1, keepdims=True) with z = logits / temperature; the probabilities do "
    "not change, and no exp exceeds 1"
)


# The one variant whose nan are its own: rows far below the whole array's maximum.
_GLOBAL_MAX = (
    "the maximum is subtracted for the whole array (z.max()), not per row: a row far below it has "
    "every exp round to 0, and 0 / 0 is nan; subtract each row's own maximum, "
    "z.max(axis=-1, keepdims=True)"
)


def _softmax64(z, axis=-1):
    z = np.asarray(z, dtype=_F64)
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_cases(rng) -> list:
    cases = []
    V = int(rng.integers(5, 9))
    N = int(rng.choice([k for k in range(3, 7) if k != V]))
    B, T = int(rng.integers(2, 4)), int(rng.choice([k for k in range(3, 6) if k != V]))
    for label, shape, dtype, temp, big in (
        (f"logits ({V},), temperature below 1", (V,), _F64, float(rng.uniform(0.3, 0.8)), False),
        (
            f"logits ({N}, {V}), temperature above 1: one row per example",
            (N, V),
            _F64,
            float(rng.uniform(1.5, 3.0)),
            False,
        ),
        (
            f"logits ({N}, {V}), float32 (the result stays float32), temperature below 1",
            (N, V),
            np.float32,
            float(rng.uniform(0.4, 0.9)),
            False,
        ),
        (
            f"logits ({N}, {V}) with rows near +-1000, temperature below 1: finite, no overflow",
            (N, V),
            _F64,
            float(rng.uniform(0.2, 0.5)),
            True,
        ),
        (
            f"logits ({B}, {T}, {V}), temperature above 1: the softmax runs over the last axis",
            (B, T, V),
            _F64,
            float(rng.uniform(1.2, 2.5)),
            False,
        ),
    ):
        z = rng.normal(0, 2.0, shape)
        if big:
            rows = rng.permutation(shape[0])[: max(2, shape[0] // 2)]
            z[rows] += rng.choice([-1, 1], size=(rows.size, 1)) * rng.uniform(700, 1000, (rows.size, 1))
        z = z.astype(dtype)
        temp = round(temp, 3)
        cases.append(
            Case(f"{label}, temperature = {temp}", (Call((z, temp)), Call((z, 1.0))), probes=("temperature 1",))
        )
    return cases


def _softmax_variants(z, temp) -> list:
    z = np.asarray(z, dtype=_F64)
    p = _softmax64(z)
    out = [
        (
            "the logits are multiplied by the temperature: divide them, softmax(logits / "
            "temperature), so that a temperature below 1 sharpens the distribution",
            _softmax64(z * temp),
        ),
        (
            "the temperature is applied after the softmax, p ** (1 / temperature), and not "
            "renormalised: divide the logits by the temperature before the softmax (or renormalise "
            "p ** (1 / temperature) so that each row sums to 1)",
            p ** (1.0 / temp),
        ),
        (
            "the temperature is applied after the softmax, p ** temperature: divide the logits by "
            "the temperature before the softmax",
            p**temp,
        ),
        (
            "the probabilities are divided by the temperature after the softmax: divide the "
            "logits by it before the softmax",
            p / temp,
        ),
        ("the temperature is ignored: softmax(logits / temperature)", p),
        (
            "the softmax is normalised over the whole array, not over the last axis: sum with "
            "axis=-1, keepdims=True, so that each row sums to 1",
            _softmax64(z.reshape(-1) / temp).reshape(z.shape),
        ),
    ]
    for axis in range(z.ndim - 1):
        out.append(
            (
                "the softmax runs over the wrong axis: over the last one (axis=-1, "
                "keepdims=True), the V symbols of each row",
                _softmax64(z / temp, axis=axis),
            )
        )
    if z.ndim > 1:
        with np.errstate(all="ignore"):
            s = z / temp - (z / temp).max()  # the whole array's maximum
            e = np.exp(s)
            out.append(
                (
                    _GLOBAL_MAX,
                    e / e.sum(axis=-1, keepdims=True),
                )
            )
    return out


def _softmax_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    z, temp = case.calls[0].args
    want = reference("softmax_with_temperature")(z.copy(), temp)
    got = np.asarray(outcomes[0].outputs["probs"])
    problems = compare_array("probabilities", got, want)
    overflows = [w for w in runtime_warnings(outcomes[: case.graded]) if "overflow" in w]
    if overflows:
        problems.append(f"NumPy warned while softmax_with_temperature ran: {overflows[0]}")
    if not problems:
        return Verdict(True)
    dtype = want.dtype
    if got.shape != want.shape:
        if got.size == 1 or got.shape == want.shape[:-1]:
            return Verdict(
                False,
                problems,
                "the result is the probabilities, one per logit, of the "
                f"shape of logits {shape_str(z.shape)}: exp(z) / exp(z).sum(axis=-1, "
                "keepdims=True), not a sum or a single number",
            )
        return Verdict(
            False,
            problems,
            f"the probabilities have the shape of logits, "
            f"{shape_str(z.shape)}: keepdims=True keeps each row's maximum and sum "
            "broadcastable",
        )
    with np.errstate(all="ignore"):
        values_ok = close(got.astype(_F64), want.astype(_F64), dtype)
    if values_ok and not overflows:
        return Verdict(
            False,
            problems,
            f"the values are right but the result is {got.dtype} for "
            f"{dtype} logits: something promotes to float64 (np.float64 constants, "
            ".astype(np.float64)); dividing by a Python float keeps float32",
            "the dtype",
        )
    with np.errstate(all="ignore"):
        for text, alt in _softmax_variants(z, temp):
            # A variant that breaks down (nan) explains a result only where it is the global
            # maximum's: those nan are the mistake's own.
            if (np.isfinite(alt).all() or text == _GLOBAL_MAX) and close(got.astype(_F64), alt, dtype):
                return Verdict(False, problems, text)
    if overflows or not np.isfinite(got.astype(_F64)).all():
        return Verdict(False, problems, _OVERFLOW)
    if len(outcomes) > 1 and outcomes[1].status == "ok":
        probe = np.asarray(outcomes[1].outputs["probs"])
        if probe.shape == z.shape and close(probe.astype(_F64), _softmax64(z), dtype):
            return Verdict(
                False,
                problems,
                None,
                "how the temperature is applied: with temperature = 1 your function is "
                "right; divide the logits by the temperature before the softmax",
            )
    return Verdict(
        False,
        problems,
        None,
        "the softmax itself (it is wrong with temperature = 1 too): exp(z - m) / "
        "sum(exp(z - m)) over the last axis, m each row's maximum, z = logits / "
        "temperature",
    )


SOFTMAX_WITH_TEMPERATURE = FunctionSpec(
    name="softmax_with_temperature",
    signature="softmax_with_temperature(logits, temperature)",
    returns="an array of probabilities of the shape of logits",
    points=2.0,
    outputs=(("probs", ()),),
    make_cases=_softmax_cases,
    judge=_softmax_judge,
    error_hints=(
        (
            "could not be broadcast together",
            "each row's maximum and sum have one value per row: keep the last axis, "
            "z.max(axis=-1, keepdims=True) and e.sum(axis=-1, keepdims=True)",
        ),
    ),
)


# ---------------------------------------------------------------- seasonal_naive_forecast


def _series(rng, length, season):
    """A seasonal series with a trend and noise, like monthly passenger numbers."""
    t = np.arange(length)
    shape = rng.normal(0, 1, season)
    return 100 + rng.uniform(0.5, 2.0) * t + 20 * shape[t % season] + rng.normal(0, 3, length)


def _seasonal_cases(rng) -> list:
    cases = []
    for season, reps, extra, horizon, dtype, label in (
        (12, 4, int(rng.integers(1, 12)), 24, _F64, "two seasons ahead"),
        (12, 3, int(rng.integers(1, 12)), int(rng.integers(5, 11)), _F64, "a horizon shorter than a season"),
        (
            4,
            3,
            int(rng.integers(1, 4)),
            int(rng.integers(9, 12)),
            np.float32,
            "a horizon not a whole number of seasons, float32 (the forecast stays float32)",
        ),
        (7, 2, 0, 7, _F64, "one season ahead, a history of whole seasons"),
        (5, 1, int(rng.integers(1, 5)), 13, _F64, "a history of little more than one season"),
    ):
        length = season * reps + extra
        history = _series(rng, length, season).astype(dtype)
        text = f"history ({length},), season = {season}, horizon = {horizon}: {label}"
        calls = (Call((history, season, horizon)), Call((history, season, season)))
        cases.append(Case(text, calls, probes=("horizon = season",)))
    return cases


def _seasonal_variants(history, season, horizon) -> list:
    h = np.asarray(history, dtype=_F64)
    T = len(h)
    k = np.arange(horizon)
    out = [
        (
            "only the last value is repeated (the naive forecast): the seasonal naive forecast "
            "repeats the last whole season, forecast[k] = history[len(history) - season + "
            "(k % season)]",
            np.full(horizon, h[-1]),
        ),
        (
            "the season is taken from the start of the history: the forecast repeats the last "
            "season observed, history[len(history) - season:]",
            h[k % season],
        ),
        (
            "the forecast is the last season reversed: history[len(history) - season + (k % season)], in time order",
            h[T - 1 - (k % season)],
        ),
    ]
    if T >= 2 * season:
        out.append(
            (
                "the forecast repeats the season before the last (off by one season): "
                "forecast[k] = history[len(history) - season + (k % season)]",
                h[T - 2 * season + (k % season)],
            )
        )
    if T > season:
        out.append(
            (
                "the forecast starts one step too early: forecast[k] = history[len(history) "
                "- season + (k % season)], the value one season before the step it forecasts",
                h[T - season - 1 + (k % season)],
            )
        )
    shifted = T - season + 1 + (k % season)
    if shifted.max() < T:
        out.append(
            (
                "the forecast starts one step too late: forecast[k] = history[len(history) - season + (k % season)]",
                h[shifted],
            )
        )
    return out


def _seasonal_judge(case: Case, outcomes: list[Outcome]) -> Verdict:
    history, season, horizon = case.calls[0].args
    want = reference("seasonal_naive_forecast")(history.copy(), season, horizon)
    got = np.asarray(outcomes[0].outputs["forecast"])
    problems = compare_array("forecast", got, want)
    if not problems:
        return Verdict(True)
    if got.shape != want.shape:
        if got.shape == (season,) and horizon != season:
            return Verdict(
                False,
                problems,
                "the forecast is one season long: it has horizon values, "
                "the last season repeated as often as needed and cut at the horizon, "
                "history[len(history) - season + (k % season)] for k = 0 .. horizon-1",
            )
        if got.ndim == 1 and got.size > horizon:
            return Verdict(
                False,
                problems,
                "the forecast is longer than the horizon: the repeated season is cut after horizon values",
            )
        if got.ndim == 1 and got.size < horizon:
            return Verdict(
                False,
                problems,
                "the forecast is shorter than the horizon: repeat the "
                "last season as often as needed, forecast[k] = history[len(history) - "
                "season + (k % season)]",
            )
        return Verdict(False, problems, f"the forecast has shape (horizon,) = {shape_str(want.shape)}")
    if close(got.astype(_F64), want.astype(_F64)):
        return Verdict(
            False,
            problems,
            f"the values are right but the forecast is {got.dtype} for a "
            f"{history.dtype} history: it keeps the history's dtype (np.zeros and "
            "np.array default to float64)",
            "the dtype",
        )
    for text, alt in _seasonal_variants(history, season, horizon):
        if close(got.astype(_F64), alt, want.dtype):
            return Verdict(False, problems, text)
    if len(outcomes) > 1 and outcomes[1].status == "ok":
        probe = np.asarray(outcomes[1].outputs["forecast"])
        if probe.shape == (season,) and close(probe.astype(_F64), history[-season:].astype(_F64)):
            return Verdict(
                False,
                problems,
                None,
                "how the season repeats: with horizon = season your forecast is right "
                "(the last season), so look at the steps beyond it (or before it, when "
                "the horizon is shorter): forecast[k] = history[len(history) - season + "
                "(k % season)]",
            )
    return Verdict(
        False,
        problems,
        None,
        "which values are repeated: even with horizon = season the forecast is not the "
        "last season, history[len(history) - season:]",
    )


SEASONAL_NAIVE_FORECAST = FunctionSpec(
    name="seasonal_naive_forecast",
    signature="seasonal_naive_forecast(history, season, horizon)",
    returns="a (horizon,) array, the forecast",
    points=2.0,
    outputs=(("forecast", ()),),
    make_cases=_seasonal_cases,
    judge=_seasonal_judge,
    error_hints=(
        (
            "out of bounds",
            "an index past the end of history: the last season is history[len(history) - season:], "
            "and forecast[k] = history[len(history) - season + (k % season)] stays inside it",
        ),
    ),
)


EXERCISE = ExerciseSpec(
    "10_applications", "Applications", (NGRAM_BITS_PER_CHAR, SOFTMAX_WITH_TEMPERATURE, SEASONAL_NAIVE_FORECAST)
)

__all__ = ["EXERCISE", "NGRAM_BITS_PER_CHAR", "SEASONAL_NAIVE_FORECAST", "SOFTMAX_WITH_TEMPERATURE"]
