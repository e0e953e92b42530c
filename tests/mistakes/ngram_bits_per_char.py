"""Plausible mistakes in ``ngram_bits_per_char``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ("from collections import Counter",)

OK = """
def ngram_bits_per_char(train_ids, test_ids, n, vocab_size, alpha=1.0):
    def windows(ids):
        ids = ids.tolist()
        return [tuple(ids[t - n + 1:t + 1]) for t in range(n - 1, len(ids))]

    train = windows(train_ids)
    joint = Counter(train)
    context = Counter(w[:-1] for w in train)
    test = windows(test_ids)
    p = np.array([(joint[w] + alpha) / (context[w[:-1]] + alpha * vocab_size) for w in test])
    return float(np.mean(-np.log2(p)))
"""

P = "p = np.array([(joint[w] + alpha) / (context[w[:-1]] + alpha * vocab_size) for w in test])"
RET = "return float(np.mean(-np.log2(p)))"
TRAIN = "train = windows(train_ids)"
TEST = "test = windows(test_ids)"

# The same model written over positions t, with the context sliced from the text: the
# slicing is where a learner goes wrong by one.
LOOP = """
def ngram_bits_per_char(train_ids, test_ids, n, vocab_size, alpha=1.0):
    joint, context = Counter(), Counter()
    for t in range(n - 1, len(train_ids)):
        ctx = tuple(train_ids[t - n + 1:t])
        joint[ctx, train_ids[t]] += 1
        context[ctx] += 1
    bits = []
    for t in range(n - 1, len(test_ids)):
        ctx = tuple(test_ids[t - n + 1:t])
        p = (joint[ctx, test_ids[t]] + alpha) / (context[ctx] + alpha * vocab_size)
        bits.append(-np.log2(p))
    return float(np.mean(bits))
"""


def changed(name, *edits, expect, held_out=False, src=OK):
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("ngram_bits_per_char", name, src, expect=expect, held_out=held_out)


def looped(name, *edits, expect, held_out=False):
    return changed(name, *edits, expect=expect, held_out=held_out, src=LOOP)


MISTAKES = [
    changed("natural log", (RET, "return float(np.mean(-np.log(p)))"), expect="natural log"),
    changed("no minus sign", (RET, "return float(np.mean(np.log2(p)))"), expect="minus sign"),
    changed(
        "no smoothing",
        (P, "p = np.array([joint[w] / max(context[w[:-1]], 1) for w in test])"),
        expect=("no smoothing", "not finite"),
    ),
    changed(
        "alpha not times vocab_size",
        (P, "p = np.array([(joint[w] + alpha) / (context[w[:-1]] + alpha) for w in test])"),
        expect="not multiplied by vocab_size",
    ),
    changed("counts from the test text", (TRAIN, "train = windows(test_ids)"), expect="taken from the test text"),
    changed(
        "counts from both texts",
        (TRAIN, "train = windows(np.concatenate([train_ids, test_ids]))"),
        expect="training and the test text together",
    ),
    changed("total not averaged", (RET, "return float(np.sum(-np.log2(p)))"), expect="not averaged"),
    changed(
        "divides by the test length",
        (RET, "return float(np.sum(-np.log2(p)) / len(test_ids))"),
        expect="divides by N_test",
    ),
    looped(
        "first n-1 positions scored",
        (
            "    for t in range(n - 1, len(test_ids)):\n        ctx = tuple(test_ids[t - n + 1:t])",
            "    for t in range(len(test_ids)):\n        ctx = tuple(test_ids[max(t - n + 1, 0):t])",
        ),
        expect="first n-1 test symbols are scored",
        held_out=True,
    ),
    looped(
        "context off by one",
        ("ctx = tuple(train_ids[t - n + 1:t])", "ctx = tuple(train_ids[t - n:t - 1])"),
        ("for t in range(n - 1, len(train_ids))", "for t in range(n, len(train_ids))"),
        ("ctx = tuple(test_ids[t - n + 1:t])", "ctx = tuple(test_ids[t - n:t - 1])"),
        ("for t in range(n - 1, len(test_ids))", "for t in range(n, len(test_ids))"),
        expect="off by one",
    ),
    looped(
        "context holds n symbols",
        ("ctx = tuple(train_ids[t - n + 1:t])", "ctx = tuple(train_ids[t - n:t])"),
        ("for t in range(n - 1, len(train_ids))", "for t in range(n, len(train_ids))"),
        ("ctx = tuple(test_ids[t - n + 1:t])", "ctx = tuple(test_ids[t - n:t])"),
        ("for t in range(n - 1, len(test_ids))", "for t in range(n, len(test_ids))"),
        expect="context holds n symbols",
    ),
    looped(
        "context includes the symbol",
        ("ctx = tuple(train_ids[t - n + 1:t])", "ctx = tuple(train_ids[t - n + 2:t + 1])"),
        ("ctx = tuple(test_ids[t - n + 1:t])", "ctx = tuple(test_ids[t - n + 2:t + 1])"),
        expect="holds the symbol it predicts",
    ),
    looped(
        "context counted at the end of training too",
        (
            "    for t in range(n - 1, len(train_ids)):\n        ctx = tuple(train_ids[t - n + 1:t])\n"
            "        joint[ctx, train_ids[t]] += 1\n        context[ctx] += 1",
            "    for t in range(n - 1, len(train_ids)):\n        ctx = tuple(train_ids[t - n + 1:t])\n"
            "        joint[ctx, train_ids[t]] += 1\n        context[ctx] += 1\n"
            "    context[tuple(train_ids[len(train_ids) - n + 1:])] += 1",
        ),
        expect=("the context", "counting"),
        held_out=True,
    ),
    changed(
        "alpha times vocab_size in the numerator",
        (P, "p = np.array([(joint[w] + alpha * vocab_size) / (context[w[:-1]] + alpha * vocab_size) for w in test])"),
        expect="the counting or the smoothing",
        held_out=True,
    ),
]
