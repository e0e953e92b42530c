"""The sandbox of an exercise that allows PyTorch (exercise 9): torch works there, lstm_lib
does not, nothing names the checkout, tensors come back as arrays of their own dtype; and
without namespaces such an exercise is refused.

Each test starts one sandbox that imports torch (seconds each); the package is
staged once for the whole module.
"""

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="exercise 9's sandbox needs PyTorch (pip install '.[torch]')")

from lstm_lib.grading.cases import Call, Case  # noqa: E402
from lstm_lib.grading.notebook import Snippet  # noqa: E402
from lstm_lib.grading.sandbox import (  # noqa: E402
    Limits,
    SandboxUnavailable,
    host,
    isolation,
    policy,
    run_function,
    wire,
)

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = f"CHECKOUT = {str(ROOT)[::-1]!r}[::-1]\n"  # the job must not name the checkout
X = np.linspace(-1.0, 1.0, 12).reshape(2, 2, 3)
TORCH = ("torch",)


def run(code, *calls, outputs=(("y", ()),), packages=TORCH, forbidden=("lstm_lib",), timeout=120):
    snippets = [Snippet(textwrap.dedent(code), "cell 1", "definition", ("f",))]
    cases = [Case(f"case {i}", (c,)) for i, c in enumerate(calls or (Call((X,)),))]
    result = run_function(
        snippets,
        "f",
        outputs,
        "an array",
        cases,
        forbidden,
        Limits(timeout_s=timeout, memory_mb=4096, allow_unsandboxed=True),
        packages=packages,
    )
    return [c[0] for c in result.outcomes], result


def printed(result) -> dict:
    line = next(ln for ln in result.output.splitlines() if ln.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


@pytest.fixture
def sealed():
    if not isolation().sealed:
        pytest.skip("namespaces are unavailable on this machine")


@pytest.fixture
def unsealed():
    old = host.os.environ.get(host.NO_NAMESPACES_ENV)
    host.os.environ[host.NO_NAMESPACES_ENV] = "1"
    host._isolate.cache_clear()
    try:
        yield
    finally:
        if old is None:
            del host.os.environ[host.NO_NAMESPACES_ENV]
        else:
            host.os.environ[host.NO_NAMESPACES_ENV] = old
        host._isolate.cache_clear()


def test_allowing_torch_brings_what_it_imports_and_nothing_for_the_others():
    assert host.allowed(None) == ("numpy",)
    assert set(host.allowed(TORCH)) == {"numpy", "torch", *policy.REQUIRES["torch"]}


TRAIN = """
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

def f(x):
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    packed = pack_padded_sequence(torch.tensor(x, dtype=torch.float32), torch.tensor([2, 1]),
                                  batch_first=True, enforce_sorted=False)
    _, (h_n, _) = lstm(packed)
    optimizer = torch.optim.Adam(lstm.parameters(), lr=0.1)
    h_n.pow(2).sum().backward()
    optimizer.step()
    return h_n  # a float32 tensor that requires grad
"""


def test_torch_nn_lstm_trains_in_the_sandbox_and_a_tensor_returns_as_a_float32_array(sealed):
    (o,), result = run(TRAIN)
    assert o.status == "ok", (o.error, result.notes, result.output)
    assert o.outputs["y"].dtype == np.float32 and o.outputs["y"].shape == (2, 2, 4)
    import torch
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    packed = pack_padded_sequence(
        torch.tensor(X, dtype=torch.float32), torch.tensor([2, 1]), batch_first=True, enforce_sorted=False
    )
    np.testing.assert_allclose(o.outputs["y"], lstm(packed)[1][0].detach().numpy(), rtol=1e-6)
    assert "cpuinfo" not in result.output, "torch's complaints are not the learner's output"


def test_a_state_dict_of_tensors_and_arrays_comes_back_item_by_item(sealed):
    code = """
    import numpy as np
    import torch

    def f(x):
        return {"weight_ih_l0": torch.tensor(x, dtype=torch.float64), "bias": np.float32(x[0, 0])}
    """
    (o,), _ = run(code, outputs=(("state", (wire.EVERY_ITEM,)),))
    assert o.status == "ok", o.error
    assert list(o.outputs) == ["state[weight_ih_l0]", "state[bias]", "state.tensor"]
    assert o.outputs["state[weight_ih_l0]"].dtype == np.float64
    np.testing.assert_array_equal(o.outputs["state[weight_ih_l0]"], X)
    np.testing.assert_array_equal(o.outputs["state.tensor"], [True, False])


def test_a_bfloat16_tensor_is_a_bad_return_that_says_why(sealed):
    (o,), _ = run("import torch\ndef f(x):\n    return torch.zeros(2, dtype=torch.bfloat16)\n")
    assert o.status == "bad_return" and "bfloat16" in o.error and "NumPy" in o.error


READ_CHECKOUT = (
    HIDDEN
    + """
import json, sys
import torch

def f(x):
    errors = {}
    try:
        sys.path.insert(0, CHECKOUT)
        import lstm_lib.torch
        errors["import"] = "imported"
    except BaseException as err:
        errors["import"] = type(err).__name__ + ": " + str(err)
    try:
        with open(CHECKOUT + "/lstm_lib/torch/classify.py") as fh:
            errors["read"] = "read " + str(len(fh.read()))
    except BaseException as err:
        errors["read"] = type(err).__name__
    try:
        torch.ops.load_library(CHECKOUT + "/x.so")
        errors["load_library"] = "loaded"
    except BaseException as err:
        errors["load_library"] = f"{type(err).__name__}: {err} (from {err.__cause__!r})"
    print("REPORT " + json.dumps(errors))
    return x
"""
)


def test_with_torch_allowed_lstm_lib_stays_forbidden_and_the_checkout_unreadable(sealed):
    (o,), result = run(READ_CHECKOUT)
    assert o.status == "ok", (o.error, result.notes)
    report = printed(result)
    assert report["import"].startswith("ForbiddenImport") and "lstm_lib" in report["import"]
    assert not report["read"].startswith("read")
    # torch loads a library with ctypes, which the hook refuses (torch rewraps the error)
    assert "ctypes.dlopen is not allowed" in report["load_library"]


def test_ctypes_reached_through_torch_is_refused(sealed):
    code = """
    import torch

    def f(x):
        ctypes = __import__("sys").modules["ctypes"]
        ctypes.CDLL(None).getpid()
        return x
    """
    (o,), _ = run(code)
    assert o.status == "blocked" and "ctypes" in o.error


def test_torch_is_not_in_a_sandbox_that_does_not_allow_it(sealed):
    code = """
    def f(x):
        import torch
        return x
    """
    (o,), _ = run(code, packages=None, forbidden=("lstm_lib",))
    assert o.status == "error" and "No module named 'torch'" in o.error


def test_nothing_staged_for_torch_names_the_checkout(sealed):
    code = HIDDEN + textwrap.dedent("""
        import json, os
        import torch

        def f(x):
            hits, n, skipped = [], 0, 0
            for top, dirs, files in os.walk("/python/packages"):
                for name in files:
                    path = os.path.join(top, name)
                    if os.path.getsize(path) > 2**22:  # the big shared libraries: built elsewhere
                        skipped += 1
                        continue
                    n += 1
                    with open(path, "rb") as fh:
                        if CHECKOUT.encode() in fh.read():
                            hits.append(path)
            print("REPORT " + json.dumps({"files": n, "hits": hits, "skipped": skipped,
                                          "torch": torch.__file__,
                                          "top": sorted(os.listdir("/python/packages"))}))
            return x
    """)
    (o,), result = run(code, timeout=300)
    assert o.status == "ok", (o.error, result.notes)
    report = printed(result)
    assert report["files"] > 5000 and report["hits"] == []
    assert report["torch"] == "/python/packages/torch/__init__.py"
    assert {"numpy", "torch", "typing_extensions.py"} <= set(report["top"])
    assert "lstm_lib" not in report["top"]


def test_without_namespaces_torch_is_refused_even_when_unsandboxed_grading_is_allowed(unsealed):
    # torch.from_file reads any file in C++, where the audit hook sees nothing: only the seal
    # keeps the course's files out of reach.
    with pytest.raises(SandboxUnavailable, match="allows torch.*only when sealed"):
        run("def f(x):\n    return x\n")
    (o,), _ = run("def f(x):\n    return x\n", packages=None)  # numpy alone still runs
    assert o.status == "ok"
