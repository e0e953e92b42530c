"""The sandbox on its own: what a submission can see, write and reach, and the mechanisms
fairness relies on (stand-ins, banned names, modified arguments).

Most tests run a small learner function through ``run_function``; the attacks
that must fail with or without namespaces run in both modes (``unsealed``
simulates a machine without them). ``sandbox_command`` runs plain python in the
sealed file system without the audit hook, to show the seal holds on its own.
"""

import collections
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import nbformat
import numpy as np
import pytest

from lstm_lib.grading.cases import Call, Case
from lstm_lib.grading.notebook import Snippet
from lstm_lib.grading.sandbox import (
    Limits,
    SandboxUnavailable,
    host,
    isolation,
    run_function,
    sandbox_command,
    wire,
)
from lstm_lib.numpy import sigmoid as ref_sigmoid
from lstm_lib.numpy import tanh as ref_tanh

ROOT = Path(__file__).resolve().parents[1]
# The learner's code gets the checkout's path reversed, so that the job handed
# to the sandbox (which holds that code) does not name it.
HIDDEN = f"CHECKOUT = {str(ROOT)[::-1]!r}[::-1]\n"
X = np.linspace(-4.0, 4.0, 9)


def run(code, *calls, function="f", stand_ins=None, banned=None, timeout=20):
    """Outcomes (one per call) and the RunResult of ``function`` defined by ``code``."""
    snippets = [Snippet(textwrap.dedent(code), "cell 1", "definition", (function,))]
    calls = calls or (Call((X,)),)
    cases = [Case(f"case {i}", (c,)) for i, c in enumerate(calls)]
    result = run_function(
        snippets,
        function,
        (("y", ()),),
        "an array",
        cases,
        ("lstm_lib", "torch"),
        Limits(timeout_s=timeout, allow_unsandboxed=True),
        stand_ins=stand_ins,
        banned=banned,
    )
    return [c[0] for c in result.outcomes], result


@pytest.fixture
def sealed():
    if not isolation().sealed:
        pytest.skip("namespaces are unavailable on this machine")


@pytest.fixture
def unsealed():
    """As on a machine without namespaces (grading allowed with --allow-unsandboxed)."""
    old = os.environ.get(host.NO_NAMESPACES_ENV)
    os.environ[host.NO_NAMESPACES_ENV] = "1"
    host._isolate.cache_clear()
    try:
        yield
    finally:
        if old is None:
            del os.environ[host.NO_NAMESPACES_ENV]
        else:
            os.environ[host.NO_NAMESPACES_ENV] = old
        host._isolate.cache_clear()


@pytest.fixture(params=["sealed", "unsealed"])
def mode(request):
    request.getfixturevalue(request.param)
    return request.param


def printed(result) -> dict:
    """The JSON line the learner's code printed after "REPORT "."""
    line = next(ln for ln in result.output.splitlines() if ln.startswith("REPORT "))
    return json.loads(line[len("REPORT ") :])


# ------------------------------------------------------------------ sealed: nothing to find

WALK = (
    HIDDEN
    + """
import json, os

def f(x):
    seen, stack, found, walked = set(), ["/"], [], 0
    while stack:
        d = stack.pop()
        try:
            st = os.stat(d)
            entries = list(os.scandir(d))
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        for e in entries:
            walked += 1
            p = e.path
            if p.endswith(".ipynb") or "lstm_lib" in p or CHECKOUT in p or \\
                    p.endswith(("/solutions", "/.venv", "pyproject.toml")):
                found.append(p)
            try:
                if e.is_dir():  # follows symlinks, which are walked like folders
                    stack.append(p)
            except OSError:
                pass
    links = {p: os.path.exists(p) for p in ("/proc/self/root", "/proc/1/root", "/proc/1/cwd",
                                             "/dev/fd", "/proc/self/mountinfo")}
    with open("job.json") as fh:
        job_names_it = CHECKOUT in fh.read()
    print("REPORT " + json.dumps({"walked": walked, "found": found, "links": links,
                                  "job": job_names_it, "top": sorted(os.listdir("/")),
                                  "sandbox": sorted(os.listdir("/sandbox"))}))
    return x
"""
)


def test_walking_the_whole_file_system_finds_no_notebook_no_lstm_lib_and_no_checkout(sealed):
    (o,), result = run(WALK)
    assert o.status == "ok", o.error
    seen = printed(result)
    assert seen["walked"] > 500, "the walk went through the runtime and libraries"
    assert seen["found"] == []
    assert seen["links"] == dict.fromkeys(seen["links"], False)
    assert not seen["job"], "the job does not name the checkout"
    assert seen["top"] == ["dev", "lib", "lib64", "proc", "python", "sandbox", "usr"] or set(seen["top"]) <= {
        "dev",
        "lib",
        "lib64",
        "proc",
        "python",
        "sandbox",
        "usr",
        "bin",
    }
    assert seen["sandbox"] == ["child.py", "in", "job.json", "wire.py"]


READ_REFERENCE = (
    HIDDEN
    + """
import json, os, sys

def f(x):
    got, errors = None, {}
    for p in PATHS:
        try:
            with open(p) as fh:
                text = fh.read()
        except BaseException as err:
            errors[p] = type(err).__name__
            continue
        errors[p] = "read"
        if "def sigmoid" in text:
            space = {}
            exec(text.replace("from ._checks import as_float_array",
                              "as_float_array = lambda n, v: v"), space)
            got = space["sigmoid"]
    for how in ("import", "path"):
        try:
            if how == "import":
                sys.path.insert(0, CHECKOUT)
                from lstm_lib.numpy import sigmoid as got
            else:
                import importlib.util
                spec = importlib.util.spec_from_file_location(
                    "a", CHECKOUT + "/lstm_lib/numpy/activations.py")
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
        except BaseException as err:
            errors[how] = type(err).__name__
    print("REPORT " + json.dumps(errors))
    return got(x) if got else x * 0
"""
)


def reference_paths() -> list:
    """Every way to name the reference's source or a solution from the host's paths."""
    src, sol = "lstm_lib/numpy/activations.py", "solutions/02_gates_and_memory_cell.ipynb"
    paths = [
        ROOT / src,
        ROOT / sol,
        Path(f"/proc/self/root{ROOT}/{src}"),
        Path(f"/proc/1/root{ROOT}/{src}"),
        Path(f"/proc/self/cwd/../../{ROOT}/{src}"),
        Path(f"/dev/fd/../../..{ROOT}/{src}"),
    ]
    venv = ROOT / ".venv"
    if (venv / "lib64").is_symlink():  # lib64 -> lib: a path that is not the folder's text
        site = next((venv / "lib64").glob("python3*/site-packages"), None)
        if site is not None:
            paths += [p for p in site.glob("__editable__*")]
            paths.append(venv / "lib64" / "../../lstm_lib/numpy/activations.py")
    return [str(p) for p in paths]


def test_the_reference_and_the_solutions_cannot_be_read_by_any_path(mode):
    paths = reference_paths()
    assert any(os.path.exists(p) for p in paths)
    (o,), result = run(f"PATHS = {paths!r}\n" + READ_REFERENCE)
    errors = printed(result)
    assert [p for p in paths if errors[p] == "read"] == []
    assert errors["import"] == "ForbiddenImport"
    assert errors["path"] in ("FileNotFoundError", "SandboxViolation")
    assert o.status == "ok" and not np.allclose(o.outputs["y"], ref_sigmoid(X)), "the attack got nothing: zeros score 0"


WRITE = """
import json, mmap, os, pathlib, shutil, sqlite3, subprocess, sys

import numpy as np

def attempts(t):
    d, name = os.path.split(t)

    def dir_fd():
        fd = os.open(d, os.O_RDONLY)
        os.write(os.open(name, os.O_CREAT | os.O_WRONLY, dir_fd=fd), b"x")

    def with_mmap():
        fd = os.open(t, os.O_CREAT | os.O_RDWR)
        os.ftruncate(fd, 8)
        mmap.mmap(fd, 8)[:] = b"escaped!"

    def attach():
        sqlite3.connect(":memory:").execute(f"attach database '{t}' as e").execute(
            "create table e.t (a)")

    return {
        "open": lambda: open(t, "w").write("x"),
        "os.open": lambda: os.write(os.open(t, os.O_CREAT | os.O_WRONLY), b"x"),
        "os.open dir_fd": dir_fd,
        "sqlite3": lambda: sqlite3.connect(t).execute("create table t (a)"),
        "sqlite3 attach": attach,
        "shutil.copy": lambda: shutil.copy("inside.txt", t),
        "mmap": with_mmap,
        "subprocess": lambda: subprocess.run([sys.executable, "-c", f"open({t!r}, 'w')"]),
        "os.system": lambda: os.system(f"touch {t}"),
        "pathlib": lambda: pathlib.Path(t).write_text("x"),
        "os.rename": lambda: os.rename("inside.txt", t),
        "numpy": lambda: np.save(t, np.zeros(3)),
    }

def f(x):
    with open("inside.txt", "w") as fh:
        fh.write("mine")
    worked = []
    for t in TARGETS:
        for api, attempt in attempts(t).items():
            try:
                attempt()
            except BaseException:
                continue
            worked.append([api, t])
    print("REPORT " + json.dumps({"worked": worked, "inside": open("inside.txt").read()}))
    return x
"""


def test_writes_through_every_api_leave_nothing_outside_the_folder(mode, tmp_path):
    tag = uuid.uuid4().hex[:8]
    targets = [
        f"/tmp/lstm-escape-{tag}",
        str(tmp_path / f"escape-{tag}"),
        str(ROOT / "tests" / f"escape-{tag}"),
        f"{host.runtime().packages}/numpy/escape-{tag}",
        f"/python/packages/numpy/escape-{tag}",
        f"/escape-{tag}",
        f"/usr/lib/escape-{tag}",
    ]
    try:
        (o,), result = run(f"TARGETS = {targets!r}\n" + WRITE)
        report = printed(result)
        assert o.status == "ok", o.error
        assert report["inside"] == "mine", "its own folder is writable"
        assert report["worked"] == []
        left = [t for t in targets if os.path.lexists(t) or os.path.lexists(t + ".npy")]
        assert left == []
    finally:
        for t in targets:
            for p in (t, t + ".npy"):
                if os.path.lexists(p) and "escape-" in p:
                    os.remove(p)


def _in_seal(tmp_path, code, *args):
    """Plain python, no audit hook, in the sealed file system."""
    box = tmp_path / "box"
    box.mkdir()
    cmd = sandbox_command(box, [sys.executable, "-I", "-S", "-c", textwrap.dedent(code), *map(str, args)])
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def test_without_the_audit_hook_the_seal_alone_keeps_files_network_and_privileges(sealed, tmp_path):
    code = """
        import ctypes, errno, json, os, socket, sys
        report = {}
        for t in ["/escape", "/python/escape", "/python/packages/numpy/escape",
                  "/usr/lib/escape", "/dev/escape", "/proc/escape", sys.argv[1]]:
            try:
                open(t, "w").write("x")
                report[t] = "written"
            except OSError as err:
                report[t] = errno.errorcode[err.errno]
        try:
            socket.create_connection(("1.1.1.1", 53), timeout=2)
            report["network"] = "connected"
        except OSError as err:
            report["network"] = type(err).__name__
        libc = ctypes.CDLL(None, use_errno=True)
        report["mount"] = libc.mount(b"none", b"/sandbox", b"tmpfs", 0, None)
        for what, call in (("chroot", lambda: os.chroot("/sandbox")),
                           ("setuid", lambda: os.setuid(0) if os.getuid() else os.setuid(1)),
                           ("mknod", lambda: os.mknod("/sandbox/disk", 0o600 | 0o60000))):
            try:
                call()
                report[what] = "done"
            except OSError as err:
                report[what] = errno.errorcode[err.errno]
        report["pid"], report["ppid"], report["proc"] = os.getpid(), os.getppid(), os.listdir("/proc")
        print(json.dumps(report))
    """
    outside = tmp_path / "outside.txt"
    proc = _in_seal(tmp_path, code, outside)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    for t in [
        "/escape",
        "/python/escape",
        "/python/packages/numpy/escape",
        "/usr/lib/escape",
        "/dev/escape",
        "/proc/escape",
        str(outside),
    ]:
        assert report[t] in ("EROFS", "EACCES", "ENOENT", "EPERM"), (t, report[t])
    assert not outside.exists()
    assert (
        report["network"] in ("OSError", "ConnectionRefusedError", "TimeoutError") and report["network"] != "connected"
    )
    assert report["mount"] == -1
    assert report["chroot"] == report["mknod"] == "EPERM" and report["setuid"] in ("EPERM", "EINVAL")
    assert (report["pid"], report["ppid"], report["proc"]) == (1, 0, [])


def test_the_staged_numpy_names_the_sandbox_path_not_the_checkout(sealed):
    code = HIDDEN + textwrap.dedent("""
        import json, os

        def f(x):
            hits, n = [], 0
            for top, dirs, files in os.walk("/python"):
                for name in files:
                    n += 1
                    with open(os.path.join(top, name), "rb") as fh:
                        if CHECKOUT.encode() in fh.read():
                            hits.append(os.path.join(top, name))
            import numpy
            print("REPORT " + json.dumps({"files": n, "hits": hits, "numpy": numpy.__file__}))
            return x
    """)
    (o,), result = run(code)
    report = printed(result)
    assert report["files"] > 1000 and report["hits"] == []
    assert report["numpy"] == "/python/packages/numpy/__init__.py"


# ------------------------------------------------------------------ without namespaces


def notebook(path: Path, *cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c).strip("\n")) for c in cells]
    nbformat.write(nb, str(path))
    return path


def run_cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "lstm_lib.grading.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


SIGMOID = """
import numpy as np

def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
"""


def test_without_namespaces_grade_refuses_and_says_what_is_missing(tmp_path):
    sub = notebook(tmp_path / "02_gates_and_memory_cell.ipynb", SIGMOID)
    proc = run_cli("grade", sub, "--out", tmp_path / "out", env={host.NO_NAMESPACES_ENV: "1"})
    assert proc.returncode == 2
    for words in (
        "namespaces are unavailable",
        f"{host.NO_NAMESPACES_ENV}=1",
        "mount, PID and network namespaces",
        "--allow-unsandboxed",
    ):
        assert words in proc.stderr, proc.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_run_function_refuses_without_namespaces_unless_allowed(unsealed):
    snippets = [Snippet("def f(x):\n    return x", "cell 1", "definition", ("f",))]
    with pytest.raises(SandboxUnavailable, match="--allow-unsandboxed"):
        run_function(snippets, "f", (("y", ()),), "an array", [Case("c", (Call((X,)),))], ())
    (o,), _ = run("def f(x):\n    return x + 1")
    assert o.status == "ok" and np.array_equal(o.outputs["y"], X + 1)


def test_with_allow_unsandboxed_it_grades_and_the_feedback_says_so(tmp_path):
    sub = notebook(tmp_path / "02_gates_and_memory_cell.ipynb", SIGMOID)
    proc = run_cli("grade", sub, "--out", tmp_path / "out", "--allow-unsandboxed", env={host.NO_NAMESPACES_ENV: "1"})
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "out" / "02_gates_and_memory_cell" / "feedback.md").read_text()
    assert "namespaces are unavailable" in text and "--allow-unsandboxed" in text


# ------------------------------------------------------------------ stand-ins


def test_a_stand_in_gives_the_reference_values_even_when_the_learners_own_is_wrong(mode):
    code = """
        def sigmoid(x):
            return x * 0 + 7  # wrong on purpose: tanh is graded alone

        def tanh(x):
            return 2 * sigmoid(2 * x) - 1
    """
    outs, _ = run(code, Call((X,)), Call((X.astype(np.float32),)), function="tanh", stand_ins={"sigmoid": ref_sigmoid})
    for o, x in zip(outs, (X, X.astype(np.float32)), strict=True):
        assert o.status == "ok", o.error
        assert o.outputs["y"].dtype == x.dtype
        np.testing.assert_allclose(o.outputs["y"], ref_tanh(x), rtol=1e-6, atol=1e-6)


def test_a_stand_in_shows_its_own_source_and_nothing_of_the_reference(sealed):
    code = """
        import inspect, json

        def sigmoid(x):
            return x

        def tanh(x):
            seen = {"source": inspect.getsource(sigmoid), "names": sigmoid.__code__.co_names,
                    "consts": repr(sigmoid.__code__.co_consts),
                    "closure": repr([c.cell_contents for c in sigmoid.__closure__ or ()]),
                    "file": sigmoid.__code__.co_filename}
            print("REPORT " + json.dumps(seen))
            return 2 * sigmoid(2 * x) - 1
    """
    (o,), result = run(code, function="tanh", stand_ins={"sigmoid": ref_sigmoid})
    seen = printed(result)
    assert o.status == "ok"
    assert "def stand_in" in seen["source"] and seen["file"] == "/sandbox/child.py"
    for part in ("as_float_array", "exp", "abs", "Logistic"):
        assert all(part not in str(v) for v in seen.values()), part


def test_a_stand_in_fed_garbage_raises_in_the_learners_code_and_the_grader_goes_on(mode):
    code = """
        def tanh(x, how):
            if how == 0:
                return sigmoid(object())
            if how == 1:
                return sigmoid("not numbers")
            if how == 2:
                return sigmoid({"x": x, "deep": [[[[x]]]]})
            import json, os
            fd = json.load(open("job.json"))["fds"][0]
            os.write(fd, b"\\xff" * 64 if how == 3 else (2**62).to_bytes(8, "big"))
            return sigmoid(x)
    """
    outs, result = run(code, *(Call((X, k)) for k in range(5)), function="tanh", stand_ins={"sigmoid": ref_sigmoid})
    assert outs[0].status == "error" and "cannot cross the wire" in outs[0].error
    assert outs[1].status == "error" and "the reference sigmoid failed" in outs[1].error
    assert outs[2].status == "error" and "the reference sigmoid failed" in outs[2].error
    assert outs[3].status == "bad_output" and "not a message" in outs[3].error
    assert outs[4].status == "not_run"
    (o,), _ = run(
        "def tanh(x):\n    return 2 * sigmoid(2 * x) - 1", function="tanh", stand_ins={"sigmoid": ref_sigmoid}
    )
    assert o.status == "ok", "the grader is unharmed"


def test_the_function_graded_cannot_be_its_own_stand_in():
    with pytest.raises(ValueError, match="cannot be a stand-in"):
        run("def sigmoid(x):\n    return x", function="sigmoid", stand_ins={"sigmoid": ref_sigmoid})


# ------------------------------------------------------------------ banned names

BANNED_CODE = """
import math
import numpy as np
from numpy import tanh as T
t = np.tanh

def f(x, how):
    if how == "np.tanh":
        return np.tanh(x)
    if how == "alias made at definition":
        return t(x)
    if how == "from numpy import":
        return T(x)
    if how == "numpy's inner module":
        return np._core.umath.tanh(x)
    if how == "caught":
        try:
            return np.tanh(x)
        except Exception:
            return x * 0
    if how == "math.tanh":
        return np.array([math.tanh(v) for v in x])
    if how == "gc":
        import gc
        return next(o for o in gc.get_objects() if getattr(o, "__name__", "") == "tanh")(x)
    e = np.exp(-2 * x)
    return (1 - e) / (1 + e)
"""
NO_TANH = "tanh may not call a ready-made tanh"


def test_a_banned_name_is_blocked_through_every_alias_even_one_made_at_definition(mode):
    hows = [
        "np.tanh",
        "alias made at definition",
        "from numpy import",
        "numpy's inner module",
        "caught",
        "math.tanh",
        "gc",
        "by hand",
    ]
    outs, _ = run(BANNED_CODE, *(Call((X, h)) for h in hows), banned={"numpy.tanh": NO_TANH, "math.tanh": NO_TANH})
    by = dict(zip(hows, outs, strict=True))
    for how in hows[:6]:
        assert by[how].status == "blocked" and by[how].error == NO_TANH, (how, by[how])
    assert by["gc"].status == "blocked" and "gc.get_objects is not allowed" in by["gc"].error
    assert by["by hand"].status == "ok"
    np.testing.assert_allclose(by["by hand"].outputs["y"], np.tanh(X))


def test_banning_a_name_that_is_no_module_attribute_is_an_error():
    with pytest.raises(ValueError, match="not a module attribute"):
        run("def f(x):\n    return x", banned={"numpy.no_such_thing": "no"})


# ------------------------------------------------------------------ modified arguments

MODIFY_CODE = """
def f(x, params, how, scale=None):
    if how == 1:
        x += 1
    elif how == 2:
        params["weight"][0, 0] = 9.0
    elif how == 3:
        params["bias"] = params["bias"] + 1
    elif how == 4:
        del params["weight"]
    elif how == 5:
        scale *= 2
    elif how == 6:
        x[0] = 5
        raise ValueError("after changing x")
    return x * 1.0
"""


def test_arguments_changed_in_place_are_found_by_the_host(mode):
    params = {"weight": np.ones((2, 3)), "bias": np.zeros(2)}
    nan = X.copy()
    nan[1] = np.nan
    calls = [Call((X, params, how), {"scale": np.ones(2)}) for how in range(7)]
    calls.append(Call((nan, params, 0)))
    outs, _ = run(MODIFY_CODE, *calls)
    assert [o.modified for o in outs] == [
        (),
        ("args[0]",),
        ("args[1]['weight']",),
        ("args[1]['bias']",),
        ("args[1]['weight']",),
        ("kwargs['scale']",),
        ("args[0]",),
        (),
    ]
    assert outs[6].status == "error"
    assert np.array_equal(X, np.linspace(-4.0, 4.0, 9)), "the host's arrays are untouched"


# ------------------------------------------------------------------ the wire


def test_the_wire_rejects_what_is_not_a_plain_array_or_a_message():
    with pytest.raises(wire.WireError, match="plain numeric"):
        import io

        f = io.BytesIO()
        np.save(f, np.array([{"a": 1}], dtype=object), allow_pickle=True)
        wire.load_npy(f.getvalue(), 100)
    good = wire.npy_bytes(np.arange(6.0).reshape(2, 3))
    assert np.array_equal(wire.load_npy(good, 6), np.arange(6.0).reshape(2, 3))
    for bad, why in ((good[:-8], "size"), (good, "too large"), (b"garbage", "not an .npy")):
        with pytest.raises(wire.WireError, match=why):
            wire.load_npy(bad, 5 if why == "too large" else 6)

    def feed(data):
        buf = [data]

        def read_exact(n):
            if len(buf[0]) < n:
                raise EOFError
            out, buf[0] = buf[0][:n], buf[0][n:]
            return out

        return read_exact

    frame = lambda b: len(b).to_bytes(8, "big") + b  # noqa: E731
    with pytest.raises(wire.WireError, match="more than"):
        wire.read_message(feed((2**40).to_bytes(8, "big")), 10)
    with pytest.raises(wire.WireError, match="not JSON"):
        wire.read_message(feed(frame(b"[" * 100000)), 10)
    with pytest.raises(wire.WireError, match="array count"):
        wire.read_message(feed(frame(b'{"arrays": 100000}')), 10)
    with pytest.raises(wire.WireError, match="ended early"):
        wire.read_message(feed(frame(b'{"arrays": 1}')), 10)
    for value in ({"t": "pickle"}, {"t": "array", "i": 3}, [1, 2]):
        with pytest.raises(wire.WireError):
            wire.decode(value, [])
    deep = {"t": "list", "items": []}
    for _ in range(40):
        deep = {"t": "list", "items": [deep]}
    with pytest.raises(wire.WireError, match="deeply"):
        wire.decode(deep, [])
    arrays = []
    cache = collections.namedtuple("CellCache", ["f", "c"])(np.ones(2), 0.5)
    value = {"a": (1.0, np.float32(2), [np.ones(2), None, "s", True, 3]), "cache": cache}
    back = wire.decode(json.loads(json.dumps(wire.encode(value, arrays))), arrays)
    assert back["a"][0] == 1.0 and isinstance(back["a"][0], float)
    assert back["a"][1].dtype == np.float32 and back["a"][2][1:] == [None, "s", True, 3]
    assert type(back["cache"]).__name__ == "CellCache" and back["cache"].c == 0.5
    with pytest.raises(wire.WireError, match="named tuple"):
        wire.decode({"t": "namedtuple", "name": "x; import os", "fields": [], "items": []}, [])
