"""Run a learner's definitions on hidden inputs in a separate, locked-down process.

Isolation, from the outside in:

* namespaces (``unshare``; as root, or with unprivileged user namespaces): a
  new network namespace with no interfaces (no network), a new PID namespace
  (the sandbox cannot see or signal the grader, and every process it starts
  dies with it) and a mount namespace in which every mount is read-only but
  the sandbox's own folder. Where ``unshare`` is unavailable the run goes on
  without them and the feedback says so;
* a fresh ``python -I`` (no user site, no PYTHON* variables) with a minimal
  environment, in its own session, in a private temporary folder as cwd;
* resource limits set before the learner's code runs: CPU time, address space,
  file size, processes, no core dumps; a wall-clock limit enforced here, which
  kills the whole process group;
* an audit hook (``_child.py``) that blocks the forbidden modules, writing
  outside the folder, processes, signals, sockets and ctypes.

Inputs go in as .npy files and JSON, outputs come back the same way; nothing
is unpickled, and every file the sandbox wrote is validated here before use.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cases import DType, Outcome, Rng

CHILD = Path(__file__).with_name("_child.py")
NO_NAMESPACES_ENV = "LSTM_COURSE_NO_NAMESPACES"  # set to 1 to test the fallback path

_UNSHARE_ROOT = ["--net", "--pid", "--fork", "--mount-proc", "--kill-child"]
_UNSHARE_USER = ["--user", "--map-root-user"] + _UNSHARE_ROOT


@dataclass
class Limits:
    timeout_s: float = 10.0  # wall clock for one function's run (definitions + all cases)
    memory_mb: int = 2048  # address space; numpy alone maps a few hundred MB
    fsize_mb: int = 64
    nproc: int = 256
    output_bytes: int = 16 * 1024  # of the learner's stdout/stderr kept for feedback
    max_output_elements: int = 10**6

    @property
    def cpu_s(self) -> int:
        return int(self.timeout_s) + 2


@dataclass
class RunResult:
    outcomes: list  # per case: the list of Outcome of its calls
    notes: list = field(default_factory=list)  # definitions that failed
    output: str = ""  # the learner's stdout/stderr, truncated
    output_bytes: int = 0  # how much it printed in all
    elapsed: float = 0.0


# Run inside the new mount namespace, before python: every mount becomes
# read-only except a bind mount of the sandbox's own folder ($1). Mount
# propagation is private there (unshare's default), so the host sees nothing.
_READ_ONLY = r"""
W="$1"; shift
mount --make-rprivate / 2>/dev/null
mount --bind "$W" "$W" || exit 97
awk '{print $2}' /proc/self/mounts | while read -r m; do
  mount -o remount,bind,ro "$(printf '%b' "$m")" 2>/dev/null
done
mount -o remount,bind,rw "$W" || exit 98
exec "$@"
"""


def sandbox_command(workdir: Path, argv: list) -> list:
    """The command that runs ``argv`` (a python command) in the sandbox for ``workdir``."""
    prefix, read_only, _ = isolation()
    if read_only:
        return [*prefix, "/bin/sh", "-c", _READ_ONLY, "sh", str(workdir), *argv]
    return [*prefix, *argv]


@functools.lru_cache(maxsize=1)
def isolation() -> tuple[tuple, bool, str]:
    """(command prefix, read-only mounts?, description) of the strongest isolation available."""
    if os.environ.get(NO_NAMESPACES_ENV) == "1":
        return (), False, _NO_NS + f" ({NO_NAMESPACES_ENV}=1)"
    exe = shutil.which("unshare")
    if not exe:
        return (), False, _NO_NS
    probe = ("import os, sys\n"
             "open(os.path.join(sys.argv[1], 'in'), 'w').write('x')\n"
             "try:\n    open(os.path.join(sys.argv[2], 'out'), 'w').write('x')\n"
             "except OSError:\n    sys.exit(0)\n"
             "sys.exit(5)\n")
    for opts, how in ((_UNSHARE_ROOT, "as root"), (_UNSHARE_USER, "in a user namespace")):
        base = [exe, *opts]
        if _probe(base + [sys.executable, "-I", "-c", "pass"]) != 0:
            continue
        with tempfile.TemporaryDirectory(prefix="lstm-probe-") as tmp:
            inner, outer = Path(tmp, "w"), Path(tmp, "o")
            inner.mkdir()
            outer.mkdir()
            cmd = [*base, "/bin/sh", "-c", _READ_ONLY, "sh", str(inner), sys.executable, "-I",
                   "-c", probe, str(inner), str(outer)]
            ro = _probe(cmd) == 0 and (inner / "in").exists() and not (outer / "out").exists()
        desc = f"network, PID and mount namespaces ({how}): no network, the grader's " \
               "processes out of sight"
        desc += ", every folder but its own read-only" if ro else \
            " (read-only mounts unavailable: writes are confined by the audit hook only)"
        return tuple(base), ro, desc
    return (), False, _NO_NS


def _probe(cmd) -> int:
    try:
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30).returncode
    except (OSError, subprocess.SubprocessError):
        return -1


_NO_NS = ("namespaces are unavailable on this machine (no unshare, no root and no unprivileged "
          "user namespaces): the submission ran without network or PID isolation, confined "
          "only by resource limits and the audit hook")


def namespaces_available() -> bool:
    return bool(isolation()[0])


def _blocked_dirs(forbidden) -> list:
    """[folder, why] pairs: folders the sandbox may not even read (the forbidden packages)."""
    dirs = {}
    for mod in forbidden:
        try:
            spec = importlib.util.find_spec(mod)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        for loc in spec.submodule_search_locations or []:
            dirs.setdefault(os.path.realpath(loc), f"it forbids {mod}")
        if spec.origin and not spec.submodule_search_locations:
            dirs.setdefault(os.path.realpath(spec.origin), f"it forbids {mod}")
    # The grading package itself: the sandbox loads what it needs before the hook.
    dirs.setdefault(os.path.realpath(Path(__file__).parent), "the grader's own code")
    return [[d, why] for d, why in sorted(dirs.items())]


def _encode(value, arrays: list):
    if isinstance(value, Rng):
        return {"t": "rng", "seed": int(value.seed)}
    if isinstance(value, DType):
        return {"t": "dtype", "name": value.name}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"t": "array", "file": f"a{len(arrays) - 1}.npy"}
    if isinstance(value, dict):
        return {"t": "dict", "items": {str(k): _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, list):
        return {"t": "list", "items": [_encode(v, arrays) for v in value]}
    if isinstance(value, tuple):
        return {"t": "tuple", "items": [_encode(v, arrays) for v in value]}
    if isinstance(value, float):
        return {"t": "float", "value": value}  # JSON has no nan/inf but this keeps 1.0 a float
    if value is None or isinstance(value, (bool, int, str)):
        return value
    raise TypeError(f"cannot pass {type(value).__name__} to the sandbox")


def _read_capped(fd: int, cap: int, box: dict) -> None:
    kept, total = [], 0
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        if total < cap:
            kept.append(chunk[: cap - total])
        total += len(chunk)
    box["data"] = b"".join(kept)
    box["total"] = total


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _open_regular(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, if it is a regular file (no symlinks) no larger than max_bytes."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size > max_bytes:
            raise ValueError(f"{st.st_size} bytes, more than {max_bytes}")
        chunks, left = [], st.st_size
        while left > 0:
            chunk = os.read(fd, min(left, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_array(path: Path, max_elements: int) -> np.ndarray:
    """A plain numeric array from a .npy file the sandbox wrote; ValueError if it is anything else."""
    import io

    data = _open_regular(path, max_elements * 16 + 4096)
    f = io.BytesIO(data)
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise ValueError(f"dtype {dtype} is not a plain numeric type")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if count > max_elements or any(d < 0 for d in shape):
        raise ValueError(f"shape {shape} is too large")
    body = data[f.tell():]
    if len(body) != count * dtype.itemsize:
        raise ValueError("the file's size does not match its header")
    arr = np.frombuffer(body, dtype=dtype, count=count)
    arr = arr.reshape(shape, order="F" if fortran else "C")
    return np.array(arr)  # a writeable copy, native byte order kept as given


def run_function(snippets, function: str, outputs, returns: str, cases, forbidden,
                 limits: Limits | None = None) -> RunResult:
    """Define the snippets in a sandbox and call ``function`` on every call of every case."""
    limits = limits or Limits()
    workdir = Path(tempfile.mkdtemp(prefix="lstm-grade-"))
    try:
        return _run(workdir, snippets, function, outputs, returns, cases, forbidden,
                    limits)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(workdir, snippets, function, outputs, returns, cases, forbidden, limits):
    (workdir / "in").mkdir()
    (workdir / "out").mkdir()
    arrays: list = []
    calls, index = [], []
    for ci, case in enumerate(cases):
        for k, call in enumerate(case.calls):
            calls.append({"args": _encode(tuple(call.args), arrays),
                          "kwargs": _encode(dict(call.kwargs), arrays)})
            index.append((ci, k))
    for n, a in enumerate(arrays):
        np.save(workdir / "in" / f"a{n}.npy", a, allow_pickle=False)
    job = {
        "function": function,
        "outputs": [[name, list(path)] for name, path in outputs],
        "returns": returns,
        "snippets": [{"code": s.code, "label": s.label, "kind": s.kind, "names": list(s.names)}
                     for s in snippets],
        "calls": calls,
        "forbidden": list(forbidden),
        "blocked_dirs": _blocked_dirs(forbidden),
        "max_output_elements": limits.max_output_elements,
        "limits": {"cpu_s": limits.cpu_s, "memory_mb": limits.memory_mb,
                   "fsize_mb": limits.fsize_mb, "nproc": limits.nproc},
    }
    (workdir / "job.json").write_text(json.dumps(job))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir),
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    cmd = sandbox_command(workdir, [sys.executable, "-I", "-B", str(CHILD), str(workdir)])
    t0 = time.monotonic()
    rfd, wfd = os.pipe()
    try:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                stdout=wfd, stderr=wfd, start_new_session=True)
    finally:
        os.close(wfd)
    box: dict = {}
    reader = threading.Thread(target=_read_capped, args=(rfd, limits.output_bytes, box),
                              daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill_group(proc.pid)  # also whatever it left behind in its process group
        proc.wait()
    elapsed = time.monotonic() - t0
    reader.join(timeout=5)
    os.close(rfd)
    output = box.get("data", b"").decode("utf-8", "replace")
    total = box.get("total", 0)
    if total > len(box.get("data", b"")):
        output += f"\n[... {total - len(box.get('data', b''))} more bytes of output not kept]"

    events = _read_events(workdir / "out" / "results.jsonl")
    notes = []
    results, started = {}, []
    for ev in events:
        kind = ev.get("event")
        if kind == "setup" and isinstance(ev.get("notes"), list):
            notes = [str(n)[:600] for n in ev["notes"][:20]]
        elif kind == "start" and isinstance(ev.get("call"), int):
            started.append(ev["call"])
        elif kind == "result" and isinstance(ev.get("call"), int) and 0 <= ev["call"] < len(calls):
            results.setdefault(ev["call"], ev)  # the first word on a call is the one kept
    if timed_out:
        ended = ("timeout", f"the time limit of {limits.timeout_s:g} s ran out")
    else:
        ended = ("crashed", _exit_text(proc.returncode, limits))
    outcomes = [[None] * len(c.calls) for c in cases]
    for k, (ci, j) in enumerate(index):
        ev = results.get(k)
        if ev is not None:
            o = _outcome(ev, workdir / "out", outputs, limits)
        elif k in started:
            o = Outcome(ended[0], error=ended[1])
        elif not events:
            o = Outcome(ended[0], error=ended[1] + " before the definitions were run")
        else:
            o = Outcome("not_run", error="the time ran out during an earlier case" if timed_out
                        else "the sandbox ended during an earlier call")
        outcomes[ci][j] = o
    return RunResult(outcomes, notes, output, total, elapsed)


def _exit_text(code: int, limits: Limits) -> str:
    if code is None:
        return "it did not exit"
    sig = -code if code < 0 else (code - 128 if code > 128 else 0)
    if sig:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        why = {"SIGXCPU": f" (the CPU time limit, {limits.cpu_s} s)",
               "SIGKILL": " (killed: out of memory or time?)",
               "SIGSEGV": " (a crash)"}.get(name, "")
        return f"it was ended by {name}{why}"
    return f"exit code {code} (os._exit, or a crash)"


def _read_events(path: Path) -> list:
    try:
        data = _open_regular(path, 4 * 2**20)
    except (OSError, ValueError):
        return []
    events = []
    for line in data.decode("utf-8", "replace").splitlines()[:10000]:
        try:
            ev = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            continue
        if isinstance(ev, dict):
            events.append(ev)
    return events


def _outcome(ev: dict, out_dir: Path, outputs, limits: Limits) -> Outcome:
    status = ev.get("status")
    text = lambda key, n=1500: str(ev.get(key, ""))[:n]  # noqa: E731
    warnings = tuple(str(w)[:300] for w in ev.get("warnings", [])[:5]) \
        if isinstance(ev.get("warnings"), list) else ()
    if status in ("not_implemented", "error", "blocked", "bad_return", "missing"):
        return Outcome(status, error=text("error"), warnings=warnings, detail=text("detail"))
    if status != "ok":
        return Outcome("bad_output", error=f"unknown status {str(status)[:40]!r}")
    files = ev.get("outputs")
    if not isinstance(files, dict):
        return Outcome("bad_output", error="the sandbox sent no outputs")
    arrays = {}
    for name, _ in outputs:
        meta = files.get(name)
        file = meta.get("file") if isinstance(meta, dict) else None
        if not isinstance(file, str) or "/" in file or file.startswith(".") or \
                not file.endswith(".npy"):
            return Outcome("bad_output", error=f"the output {name} is missing")
        try:
            arrays[name] = load_array(out_dir / file, limits.max_output_elements)
        except (OSError, ValueError) as err:
            return Outcome("bad_output", error=f"the output {name} is not a plain array ({err})")
    return Outcome("ok", outputs=arrays, warnings=warnings)
