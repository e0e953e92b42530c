"""Plausible mistakes in ``reber_correct``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ()

OK = """
def reber_correct(outputs, allowed):
    predicted = outputs > 0.5
    return np.all(predicted == (allowed == 1), axis=1)
"""

PRED = "predicted = outputs > 0.5"
RET = "return np.all(predicted == (allowed == 1), axis=1)"


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("reber_correct", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed(
        "argmax in the allowed set",
        (RET, "return allowed[np.arange(len(outputs)), outputs.argmax(axis=1)] == 1"),
        expect="argmax",
    ),
    changed(
        "one-hot argmax against the allowed set",
        (RET, "top = np.eye(outputs.shape[1])[outputs.argmax(axis=1)]\n    return np.all(top == allowed, axis=1)"),
        expect="argmax",
    ),
    changed(">= 0.5", (PRED, "predicted = outputs >= 0.5"), expect="strict"),
    changed(
        "only the allowed symbols compared",
        (RET, "return np.all(predicted | (allowed == 0), axis=1)"),
        expect="only the allowed symbols",
    ),
    changed(
        "only the allowed symbols compared, row by row",
        (RET, "return np.array([np.all(p[a == 1]) for p, a in zip(predicted, allowed)])"),
        expect="only the allowed symbols",
    ),
    changed(
        "only the symbols not allowed compared",
        (RET, "return np.all(~predicted | (allowed == 1), axis=1)"),
        expect="only the symbols not allowed",
    ),
    changed("any instead of all", (RET, RET.replace("np.all", "np.any")), expect="np.any"),
    changed("no axis", (RET, "return np.all(predicted == (allowed == 1))"), expect="one number"),
    changed("axis 0", (RET, RET.replace("axis=1", "axis=0")), expect="axis=1"),
    changed("elementwise", (RET, "return predicted == (allowed == 1)"), expect="(N, 7)"),
    changed("inverted", (RET, "return ~np.all(predicted == (allowed == 1), axis=1)"), expect="inverted"),
    changed("floats instead of bools", (RET, RET.replace("return np.all(", "return 1.0 * np.all(")), expect="dtype"),
    changed("threshold 0.4", (PRED, "predicted = outputs > 0.4"), expect="the comparison", held_out=True),
]
