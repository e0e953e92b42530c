"""The grader's side: seal a folder, start the child in it, answer its stand-ins, read its results."""

from __future__ import annotations

import atexit
import functools
import importlib
import importlib.util
import json
import marshal
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from ..cases import DType, Outcome, Rng
from . import policy, wire
from .policy import Limits

HERE = Path(__file__).parent
SEAL = HERE / "seal.py"
CHILD_FILES = ("child.py", "wire.py")  # copied into every sandbox's folder
NO_NAMESPACES_ENV = "LSTM_COURSE_NO_NAMESPACES"  # "1": act as if namespaces were unavailable
BUILD_FAILED = 97  # seal.py's exit status


def _once(fn):
    """``fn``'s result, computed once per process even when grading threads ask together."""
    cached = functools.lru_cache(maxsize=1)(fn)

    @functools.wraps(fn)
    def once():
        with _ONCE:
            return cached()

    once.cache_clear = cached.cache_clear
    return once


_ONCE = threading.RLock()


class SandboxUnavailable(RuntimeError):
    """Namespaces are unavailable, and running without them was not allowed."""


class Isolation(NamedTuple):
    prefix: tuple  # the unshare command; () without namespaces
    sealed: bool  # the submission sees only the sandbox's own file system
    description: str  # for the feedback


@dataclass
class RunResult:
    outcomes: list  # per case: the list of Outcome of its calls
    notes: list = field(default_factory=list)  # definitions that failed
    output: str = ""  # the learner's stdout/stderr, truncated
    output_bytes: int = 0  # how much it printed in all
    elapsed: float = 0.0


# ------------------------------------------------------------------ the sealed file system


class Runtime(NamedTuple):
    interpreter: str  # the real binary behind sys.executable
    stdlib: str
    libpython: str | None  # when the interpreter links to a shared libpython
    packages: str  # the staged copies of the allowed packages (policy.PACKAGES at first)
    root: str  # an empty folder: each sandbox mounts its own root there, in its namespace
    library_dirs: tuple  # the system's folders of shared libraries the interpreter needs
    library_links: tuple  # (path, target) of the symlinks on the way to them


@_once
def runtime() -> Runtime:
    """What the sandbox runs on, found once per process (and policy.PACKAGES staged)."""
    stdlib = os.path.dirname(os.path.realpath(os.__file__))
    libpython = None
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        so = os.path.join(sysconfig.get_config_var("LIBDIR") or "", sysconfig.get_config_var("INSTSONAME") or "")
        libpython = os.path.realpath(so) if os.path.isfile(so) else None
    stage = Path(tempfile.mkdtemp(prefix="lstm-sandbox-runtime-"))
    atexit.register(shutil.rmtree, stage, True)
    stage.chmod(0o755)
    for sub in ("root", "packages", "sets"):
        (stage / sub).mkdir()
        (stage / sub).chmod(0o755)
    interpreter = os.path.realpath(sys.executable)
    binaries = [interpreter, *([libpython] if libpython else [])]
    dirs, links = _system_libraries(binaries, own=(f"{stage}/", libpython or interpreter))
    return Runtime(interpreter, stdlib, libpython, str(stage / "packages"), str(stage / "root"), dirs, links)


class Staged(NamedTuple):
    """A package staged in ``runtime().packages``, and what it needs from the system."""

    entries: tuple  # names in the staged folder: "numpy", "numpy.libs", "typing_extensions.py"
    library_dirs: tuple
    library_links: tuple
    snapshots: tuple = ()  # (staged copy, where it is mounted): policy.SNAPSHOTS


def allowed(packages=None) -> tuple:
    """Every package a sandbox that allows ``packages`` holds: policy.PACKAGES, those asked
    for and what each requires (policy.REQUIRES), in a stable order."""
    names = list(policy.PACKAGES) + list(packages or ())
    i = 0
    while i < len(names):
        names += [r for r in policy.REQUIRES.get(names[i], ()) if r not in names]
        i += 1
    return tuple(sorted(set(names)))


@functools.lru_cache(maxsize=None)
def _staged_cached(name: str, stage: str) -> Staged:
    rt = runtime()
    dest = Path(rt.packages)
    entries = _stage_package(name, dest)
    binaries = [str(p) for e in entries if (dest / e).is_dir() for p in (dest / e).rglob("*.so*") if p.is_file()]
    dirs, links = _system_libraries(binaries, own=(f"{stage}/", rt.libpython or rt.interpreter))
    snapshots = []
    for path in policy.SNAPSHOTS.get(name, ()):
        copy = Path(stage) / "snapshots" / path.strip("/").replace("/", "_")
        copy.parent.mkdir(mode=0o755, exist_ok=True)
        try:
            with open(path, "rb") as f:
                copy.write_bytes(f.read())
        except OSError:
            continue  # not on this machine: the package does without
        copy.chmod(0o644)
        snapshots.append((str(copy), path))
    return Staged(tuple(entries), dirs, links, tuple(snapshots))


def staged(name: str) -> Staged:
    """Stage the package ``name`` once per process (a copy whose byte-code names the
    sandbox's paths); the staging of torch takes seconds, numpy's a fraction of one."""
    with _ONCE:
        rt = runtime()
        return _staged_cached(name, os.path.dirname(rt.packages))


def packages_folder(packages=None) -> str:
    """A folder holding only the allowed packages (symlinks into the staged copies): what
    the child puts on sys.path when nothing is sealed."""
    names = allowed(packages)
    with _ONCE:
        rt = runtime()
        folder = Path(os.path.dirname(rt.packages)) / "sets" / "+".join(names)
        if not folder.is_dir():
            tmp = Path(tempfile.mkdtemp(dir=folder.parent))
            tmp.chmod(0o755)
            for name in names:
                for entry in staged(name).entries:
                    os.symlink(os.path.join(rt.packages, entry), tmp / entry)
            os.rename(tmp, folder)
    return str(folder)


def _system_libraries(binaries: list, own: tuple) -> tuple[tuple, tuple]:
    """The folders holding the shared libraries ``binaries`` load (but those in ``own``),
    and the symlinks on the way to them, e.g. /lib -> usr/lib."""
    try:
        found = subprocess.run([policy.LIBRARY_FINDER, *binaries], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        found = ""  # the probe will then say which library the sandbox lacks
    dirs, links = set(), {}
    for line in found.splitlines():
        if not line[:1].isspace():
            continue  # "binary:", a header when there are several
        words = line.split()
        path = words[2] if len(words) > 2 and words[1] == "=>" else (words[0] if words else "")
        if path.startswith("/") and not os.path.realpath(path).startswith(own):
            _trace(path, dirs, links)
    links = {
        p: t for p, t in links.items() if not any(p.startswith(d + "/") for d in dirs)
    }  # already there, in a mount
    return tuple(sorted(dirs)), tuple(sorted(links.items()))


def _trace(path: str, dirs: set, links: dict, depth: int = 0) -> None:
    """Make ``path`` resolve in the sandbox as here: record each symlink met on the way
    (to be made again) and the real folder that holds the file (to be mounted)."""
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts)):
        here = "/" + "/".join(parts[: i + 1])
        if os.path.islink(here) and depth < 40:
            target = os.readlink(here)
            links[here] = target
            base = "/" if target.startswith("/") else os.path.dirname(here)
            rest = "/".join(parts[i + 1 :])
            _trace(os.path.normpath(os.path.join(base, target, rest)), dirs, links, depth + 1)
            return
    dirs.add(os.path.dirname("/" + "/".join(parts)))


def _stage_package(name: str, dest: Path) -> list:
    """A copy of an installed package (and its vendored ``name.libs``) in ``dest``; returns
    the names it made there. A module of one file is copied with its byte-code.

    Files are hard links where the file system allows. The byte-code is
    rewritten to name the package where the sandbox sees it: pip compiled it with
    the path it was installed at, which is often inside the course's checkout.
    """
    spec = importlib.util.find_spec(name)
    if spec is None:
        raise SandboxUnavailable(f"the package {name} is not installed")
    if not spec.submodule_search_locations:  # one module: typing_extensions.py
        src = Path(spec.origin)
        site = {str(src.parent), os.path.realpath(src.parent)}
        _link_or_copy(src, dest / src.name)
        cache = dest / "__pycache__"
        cache.mkdir(exist_ok=True)
        cache.chmod(0o755)
        for pyc in (src.parent / "__pycache__").glob(f"{src.stem}.*.pyc"):
            _restage_pyc(pyc, cache / pyc.name, site)
        return [src.name, "__pycache__"]
    src = Path(spec.submodule_search_locations[0])
    site = {str(src.parent), os.path.realpath(src.parent)}
    skip = {str(src.parent / p) for p in policy.NOT_STAGED}
    made = []
    for top in (src, src.parent / f"{name}.libs"):
        if not top.is_dir():
            continue
        made.append(top.name)
        for here, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "tests" and os.path.join(here, d) not in skip]
            rel = Path(here).relative_to(src.parent)
            (dest / rel).mkdir(exist_ok=True)
            (dest / rel).chmod(0o755)  # whatever the umask: the sandbox runs as another user
            for f in files:
                if Path(here).name == "__pycache__":
                    _restage_pyc(Path(here, f), dest / rel / f, site)
                elif not f.endswith(".pyc"):
                    _link_or_copy(Path(here, f), dest / rel / f)
    return made


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _restage_pyc(src: Path, dst: Path, site: set) -> None:
    if sys.implementation.cache_tag not in src.name:
        return

    def fix(code):
        consts = tuple(fix(c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
        filename = code.co_filename
        for s in site:
            if filename.startswith(s + "/"):
                filename = policy.PACKAGES_DIR + filename[len(s) :]
        return code.replace(co_filename=filename, co_consts=consts)

    data = src.read_bytes()
    try:
        code = marshal.loads(data[16:])
    except (EOFError, ValueError, TypeError):
        return  # python compiles from source instead
    dst.write_bytes(data[:16] + marshal.dumps(fix(code)))
    shutil.copystat(src, dst)


def _plan(box: Path, uid: int | None, packages=None) -> dict:
    """seal.py's instructions for a sandbox whose folder is ``box`` that allows
    ``packages`` (with policy.PACKAGES and what they require): see policy.py."""
    rt = runtime()
    staged_ones = [staged(name) for name in allowed(packages)]
    lib = policy.PYTHON_DIR + "/lib"
    version = os.path.basename(rt.stdlib)  # e.g. python3.11
    ops = [
        {"op": "bind", "src": rt.interpreter, "dst": f"{policy.PYTHON_DIR}/bin/{os.path.basename(rt.interpreter)}"},
        {"op": "bind", "src": rt.stdlib, "dst": f"{lib}/{version}"},
    ]
    if os.path.isdir(os.path.join(rt.stdlib, "site-packages")):
        ops.append({"op": "empty", "dst": f"{lib}/{version}/site-packages"})
    if rt.libpython:
        ops.append({"op": "bind", "src": rt.libpython, "dst": f"{lib}/{sysconfig.get_config_var('INSTSONAME')}"})
    entries = {e for st in staged_ones for e in st.entries}
    for name in sorted(entries):
        ops.append({"op": "bind", "src": os.path.join(rt.packages, name), "dst": f"{policy.PACKAGES_DIR}/{name}"})
    library_dirs = set(rt.library_dirs).union(*(st.library_dirs for st in staged_ones))
    library_links = dict(rt.library_links)
    for st in staged_ones:
        library_links.update(st.library_links)
    library_links = {p: t for p, t in library_links.items() if not any(p.startswith(d + "/") for d in library_dirs)}
    ops += [{"op": "bind", "src": d, "dst": d} for d in sorted(library_dirs)]
    links = [{"op": "symlink", "target": t, "dst": p} for p, t in sorted(library_links.items())]
    ops += [{"op": "dev", "name": d} for d in policy.DEVICES if os.path.exists("/dev/" + d)]
    ops += [{"op": "dir", "dst": d} for d in policy.EMPTY_DIRS]
    ops += [{"op": "bind", "src": src, "dst": dst} for st in staged_ones for src, dst in st.snapshots]
    ops.append({"op": "bind", "src": str(box), "dst": policy.SANDBOX_DIR, "rw": True})
    env = dict(policy.ENVIRONMENT)
    if rt.libpython:
        env["LD_LIBRARY_PATH"] = lib  # the interpreter's RUNPATH names the host's folder
    return {
        "root": rt.root,
        "root_mb": policy.TMPFS_ROOT_MB,
        "ops": ops + links,
        "chdir": policy.SANDBOX_DIR,
        "hostname": policy.HOSTNAME,
        "uid": uid,
        "env": env,
    }


def _sealed_command(prefix: tuple, box: Path, argv: list, packages=None) -> list:
    rt = runtime()
    uid = None if "--user" in prefix else policy.NOBODY
    if uid is not None:
        os.chown(box, uid, uid)
    inside = []
    for a in map(str, argv):
        if a == sys.executable or a == rt.interpreter:
            a = f"{policy.PYTHON_DIR}/bin/{os.path.basename(rt.interpreter)}"
        elif a == str(box) or a.startswith(str(box) + "/"):
            a = policy.SANDBOX_DIR + a[len(str(box)) :]
        inside.append(a)
    return [*prefix, rt.interpreter, "-I", "-S", "-B", str(SEAL), json.dumps(_plan(box, uid, packages)), *inside]


def sandbox_command(box: Path, argv: list, packages=None) -> list:
    """The command that runs ``argv`` (a python command) in the sandbox whose folder is ``box``.

    Sealed, ``sys.executable`` and paths in ``box`` in ``argv`` are given as the
    sandbox sees them (its python, and /sandbox), and the sandbox holds
    ``packages`` beside policy.PACKAGES. Without namespaces, ``argv``.
    """
    iso = isolation()
    return _sealed_command(iso.prefix, Path(box), argv, packages) if iso.sealed else [str(a) for a in argv]


def isolation() -> Isolation:
    """The strongest isolation this machine gives: sealed in namespaces, or none."""
    return _isolate()[0]


def refusal() -> str:
    """Why submissions cannot be sealed here, and what would let ``grade`` run them."""
    return (
        f"namespaces are unavailable on this machine ({_isolate()[1]}), so submissions "
        "cannot be sealed: without mount, PID and network namespaces they would see the "
        "course's files, the grader's processes and the network. Run as root or allow "
        "unprivileged user namespaces, or pass --allow-unsandboxed to grade without them "
        "(the feedback will say so)"
    )


@_once
def _isolate() -> tuple[Isolation, str]:
    if os.environ.get(NO_NAMESPACES_ENV) == "1":
        return _unsealed(f"{NO_NAMESPACES_ENV}=1 is set")
    exe = shutil.which("unshare")
    if not exe:
        return _unsealed("there is no unshare command")
    tries = [((exe, *policy.USER_NAMESPACE, *policy.NAMESPACES), "in a user namespace")]
    if os.geteuid() == 0:
        tries.insert(0, ((exe, *policy.NAMESPACES), "as root"))
    why = []
    for prefix, how in tries:
        problem = _probe(prefix)
        if problem is None:
            return Isolation(
                prefix,
                True,
                f"sealed in namespaces ({how}): no network, no other "
                "process in sight, and a file system of its own that "
                "holds only the Python runtime, the packages the "
                "exercise allows (numpy; PyTorch where it says so), "
                "the libraries "
                "they load and its own folder",
            ), ""
        why.append(f"{how}: {problem}")
    return _unsealed("; ".join(why))


def _unsealed(why: str) -> tuple[Isolation, str]:
    why = why[:600]
    return Isolation(
        (),
        False,
        f"namespaces are unavailable on this machine ({why}), and the "
        "instructor allowed grading without them (--allow-unsandboxed): the "
        "submission saw the grader's file system and network, confined only by "
        "resource limits and the audit hook",
    ), why


def _probe(prefix: tuple) -> str | None:
    """None when a sealed python imports numpy; otherwise what went wrong."""
    code = f"import sys; sys.path.append({policy.PACKAGES_DIR!r}); import numpy"
    try:
        with tempfile.TemporaryDirectory(prefix="lstm-probe-") as box:
            cmd = _sealed_command(prefix, Path(box), [sys.executable, "-I", "-S", "-c", code])
            proc = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60, env={"PATH": "/usr/bin:/bin"}
            )
    except (OSError, subprocess.SubprocessError, SandboxUnavailable) as err:
        return str(err)
    if proc.returncode != 0:
        text = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return text[-1][:300] if text else f"exit status {proc.returncode}"
    return None


# ------------------------------------------------------------------ one run


def run_function(
    snippets,
    function: str,
    outputs,
    returns: str,
    cases,
    forbidden,
    limits: Limits | None = None,
    *,
    stand_ins: dict[str, Callable] | None = None,
    banned: dict[str, str] | None = None,
    packages: tuple | None = None,
) -> RunResult:
    """Define the snippets in a sandbox and call ``function`` on every call of every case.

    See the package's docstring for ``stand_ins``, ``banned``, ``packages`` and
    ``Outcome.modified``.
    """
    limits = limits or Limits()
    iso = isolation()
    if not iso.sealed and not limits.allow_unsandboxed:
        raise SandboxUnavailable(refusal())
    unsafe = [p for p in allowed(packages) if p in policy.SEALED_ONLY]
    if not iso.sealed and unsafe:
        raise SandboxUnavailable(
            f"this exercise allows {', '.join(unsafe)}, which reads and writes files in C++, out of "
            "sight of the audit hook: without namespaces nothing would keep the submission from "
            "the course's files, so it is graded only when sealed in namespaces, which this "
            f"machine does not give ({_isolate()[1]})"
        )
    if function in (stand_ins or {}):
        raise ValueError(f"{function} is the function graded: it cannot be a stand-in")
    banned = dict(banned or {})
    for dotted in banned:
        _check_banned(dotted)
    box = Path(tempfile.mkdtemp(prefix="lstm-grade-"))
    try:
        return _run(
            box,
            iso,
            snippets,
            function,
            outputs,
            returns,
            cases,
            forbidden,
            limits,
            dict(stand_ins or {}),
            banned,
            allowed(packages),
        )
    finally:
        shutil.rmtree(box, ignore_errors=True)


@_once
def _unsealed_user() -> int | None:
    """Without namespaces, a grader running as root still runs submissions as nobody, where
    nobody can run the interpreter (a runtime in root's home cannot be)."""
    if os.geteuid() != 0:
        return None
    code = f"import sys; sys.path.append({packages_folder()!r}); import numpy"
    try:
        ok = (
            subprocess.run(
                [runtime().interpreter, "-I", "-S", "-c", code],
                cwd="/",
                capture_output=True,
                timeout=60,
                user=policy.NOBODY,
                group=policy.NOBODY,
                extra_groups=[],
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        ok = False
    return policy.NOBODY if ok else None


def _check_banned(dotted: str) -> None:
    module, _, attr = dotted.rpartition(".")
    try:
        getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError):
        raise ValueError(f"cannot ban {dotted!r}: it is not a module attribute") from None


def _marker(value):
    if isinstance(value, Rng):
        return {"t": "rng", "seed": int(value.seed)}
    if isinstance(value, DType):
        return {"t": "dtype", "name": value.name}
    return None


def _hidden_from_unsealed(forbidden) -> list:
    """[folder, why] pairs the audit hook refuses to read when nothing is sealed."""
    dirs = {}
    for mod in forbidden:
        try:
            spec = importlib.util.find_spec(mod)
        except (ImportError, ValueError):
            spec = None
        if spec is not None:
            for loc in spec.submodule_search_locations or [spec.origin or ""]:
                if loc:
                    dirs.setdefault(os.path.realpath(loc), f"it forbids {mod}")
    checkout = HERE.parents[2]
    if (checkout / "pyproject.toml").is_file():
        dirs.setdefault(os.path.realpath(checkout), "the course's own files")
    if sys.prefix != sys.base_prefix:
        dirs.setdefault(os.path.realpath(sys.prefix), "the grader's environment")
    return [[d, why] for d, why in sorted(dirs.items())]


def _run(box, iso, snippets, function, outputs, returns, cases, forbidden, limits, stand_ins, banned, packages):
    arrays: list = []
    calls, index = [], []
    for ci, case in enumerate(cases):
        for k, call in enumerate(case.calls):
            calls.append(
                {
                    "args": wire.encode(tuple(call.args), arrays, _marker),
                    "kwargs": wire.encode(dict(call.kwargs), arrays, _marker),
                }
            )
            index.append((ci, k, call))
    (box / "in").mkdir()
    for n, a in enumerate(arrays):
        np.save(box / "in" / f"a{n}.npy", a, allow_pickle=False)
    for name in CHILD_FILES:
        shutil.copyfile(HERE / name, box / name)
    to_host_r, to_host_w = os.pipe()
    from_host_r, from_host_w = os.pipe()
    out_r, out_w = os.pipe()
    sandbox_dir = policy.SANDBOX_DIR if iso.sealed else str(box)
    max_frame = limits.max_output_elements * 16 + 4096
    job = {
        "function": function,
        "outputs": [[name, list(path)] for name, path in outputs],
        "returns": returns,
        "snippets": [{"code": s.code, "label": s.label, "kind": s.kind, "names": list(s.names)} for s in snippets],
        "calls": calls,
        "arrays": len(arrays),
        "sealed": iso.sealed,
        "packages": policy.PACKAGES_DIR if iso.sealed else packages_folder(packages),
        "preload": [m for p in packages for m in policy.PRELOAD.get(p, ())],
        "fds": [to_host_w, from_host_r],
        "stand_ins": sorted(stand_ins),
        "banned": banned,
        "max_output_elements": limits.max_output_elements,
        "max_reply_bytes": max_frame,
        "limits": {
            "cpu_s": limits.cpu_s,
            "memory_mb": limits.memory_mb,
            "fsize_mb": limits.fsize_mb,
            "nproc": limits.nproc,
        },
        "hook": {
            "workdir": sandbox_dir,
            "forbidden": sorted(set(forbidden) | set(policy.FORBIDDEN_MODULES)),
            "hidden": [] if iso.sealed else _hidden_from_unsealed(forbidden),
            "deny": policy.DENIED_EVENTS,
            "deny_prefix": policy.DENIED_EVENT_PREFIXES,
            "write_events": policy.WRITE_EVENTS,
            "dir_fd_last": policy.DIR_FD_LAST,
            "list_events": policy.LIST_EVENTS,
        },
    }
    (box / "job.json").write_text(json.dumps(job))
    argv = [runtime().interpreter, "-I", "-S", "-B", str(box / "child.py"), str(box)]
    extra = {}
    if iso.sealed:
        cmd, env = sandbox_command(box, argv, packages), {"PATH": "/usr/bin:/bin"}
    else:
        cmd = argv
        env = {**policy.ENVIRONMENT, "PATH": "/usr/bin:/bin", "HOME": str(box), "TMPDIR": str(box)}
        if _unsealed_user() is not None:
            os.chown(box, policy.NOBODY, policy.NOBODY)
            extra = {"user": policy.NOBODY, "group": policy.NOBODY, "extra_groups": []}
    for p in box.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=box,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=out_w,
            pass_fds=(to_host_w, from_host_r),
            start_new_session=True,
            **extra,
        )
    finally:
        for fd in (to_host_w, from_host_r, out_w):
            os.close(fd)
    printed: dict = {}
    received: dict = {"messages": [], "error": None}
    threads = [
        threading.Thread(target=_read_capped, args=(out_r, limits.output_bytes, printed), daemon=True),
        threading.Thread(
            target=_serve,
            args=(to_host_r, from_host_w, stand_ins, limits, received, lambda: _kill_group(proc.pid)),
            daemon=True,
        ),
    ]
    for t in threads:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _kill_group(proc.pid)  # and whatever it left behind in its process group
        proc.wait()
    elapsed = time.monotonic() - t0
    for t in threads:
        t.join(timeout=5)
    for fd in (out_r, to_host_r, from_host_w):
        os.close(fd)
    output = printed.get("data", b"").decode("utf-8", "replace")
    total = printed.get("total", 0)
    if total > len(printed.get("data", b"")):
        output += f"\n[... {total - len(printed.get('data', b''))} more bytes of output not kept]"
    return _results(received, index, cases, outputs, limits, proc.returncode, timed_out, output, total, elapsed)


def _results(received, index, cases, outputs, limits, returncode, timed_out, output, total, elapsed) -> RunResult:
    notes, results, started = [], {}, set()
    for header, blobs in received["messages"]:
        kind, k = header.get("event"), header.get("call")
        if kind == "setup" and isinstance(header.get("notes"), list):
            notes = [str(n)[:600] for n in header["notes"][:20]]
        elif kind == "start" and isinstance(k, int):
            started.add(k)
        elif kind == "result" and isinstance(k, int) and 0 <= k < len(index):
            results.setdefault(k, (header, blobs))  # the first word on a call is the one kept
    if timed_out:
        ended = ("timeout", f"the time limit of {limits.timeout_s:g} s ran out")
    elif received["error"]:
        ended = ("bad_output", f"the sandbox sent something that is not a message ({received['error']})")
    elif returncode == BUILD_FAILED and not received["messages"]:
        ended = ("crashed", "the sandbox could not be built (see the output)")
    else:
        ended = ("crashed", _exit_text(returncode, limits))
    outcomes = [[None] * len(c.calls) for c in cases]
    for k, (ci, j, call) in enumerate(index):
        if k in results:
            o = _outcome(*results[k], call, outputs, limits)
        elif k in started:
            o = Outcome(ended[0], error=ended[1])
        elif not received["messages"]:
            o = Outcome(ended[0], error=ended[1] + " before the definitions were run")
        else:
            o = Outcome(
                "not_run",
                error="the time ran out during an earlier case"
                if timed_out
                else "the sandbox ended during an earlier call",
            )
        outcomes[ci][j] = o
    return RunResult(outcomes, notes, output, total, elapsed)


def _serve(rfd, wfd, stand_ins, limits, received, kill) -> None:
    """Read the child's messages until it closes the pipe; answer stand-ins on the way."""
    budget = [limits.wire_mb * 2**20]
    read = wire.reader(rfd)

    def read_exact(n):
        budget[0] -= n
        if budget[0] < 0:
            raise wire.WireError(f"more than {limits.wire_mb} MB sent")
        return read(n)

    max_frame = limits.max_output_elements * 16 + 4096
    while True:
        try:
            header, blobs = wire.read_message(read_exact, max_frame)
        except EOFError:
            return
        except (wire.WireError, OSError) as err:
            received["error"] = str(err)[:300]
            kill()
            return
        if header.get("event") == "oracle":
            try:
                _answer(header, blobs, stand_ins, wfd, limits.max_output_elements)
            except OSError:  # the child is gone
                pass
        else:
            received["messages"].append((header, blobs))


def _answer(header, blobs, stand_ins, wfd, max_elements) -> None:
    """Run the trusted stand-in on what the child sent; send back its result or the error."""
    out: list = []
    try:
        name = header.get("name")
        fn = stand_ins.get(name) if isinstance(name, str) else None
        if fn is None:
            raise wire.WireError(f"no stand-in is named {str(name)[:60]!r}")
        got = [wire.load_npy(b, max_elements) for b in blobs]
        args = wire.decode(header.get("args"), got)
        kwargs = wire.decode(header.get("kwargs"), got)
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise wire.WireError("arguments that are not a tuple and a dict")
        # The submission chose these inputs (an Adam step at t = 0, say): NumPy's warnings
        # about them belong to its result, not to the grader's stderr. errstate is per thread.
        with np.errstate(all="ignore"):
            value = fn(*args, **kwargs)
        reply = {"ok": True, "value": wire.encode(value, out)}
        if any(a.dtype.kind not in "biuf" or a.size > max_elements for a in out):
            raise TypeError("the stand-in returned an array that cannot cross the wire")
    except Exception as err:  # noqa: BLE001 - whatever the child sent, the grader goes on
        out = []
        reply = {"ok": False, "error": f"{type(err).__name__}: {str(err)[:400]}"}
    wire.write_message(wfd, reply, out)


def _outcome(header: dict, blobs: list, call, outputs, limits: Limits) -> Outcome:
    status = header.get("status")
    text = lambda key, n=1500: str(header.get(key, ""))[:n]  # noqa: E731
    warnings = (
        tuple(str(w)[:300] for w in header.get("warnings", [])[:5]) if isinstance(header.get("warnings"), list) else ()
    )
    modified = _modified(header.get("after"), blobs, call, limits)
    if status in ("not_implemented", "error", "blocked", "bad_return", "missing"):
        return Outcome(status, error=text("error"), warnings=warnings, detail=text("detail"), modified=modified)
    if status != "ok":
        return Outcome("bad_output", error=f"unknown status {str(status)[:40]!r}")
    files = header.get("outputs")
    if not isinstance(files, dict):
        return Outcome("bad_output", error="the sandbox sent no outputs")
    arrays = {}
    for name, path in outputs:
        if path and path[-1] == wire.EVERY_ITEM:  # name[key] for each item, and name.tensor
            names = [k for k in files if isinstance(k, str) and k.startswith(name + "[") and k.endswith("]")] + [
                name + ".tensor"
            ]
        else:
            names = [name]
        for key in names:
            try:
                arrays[key] = wire.load_npy(_blob(blobs, files.get(key)), limits.max_output_elements)
            except wire.WireError as err:
                return Outcome("bad_output", error=f"the output {key[:80]} is not a plain array ({err})")
    return Outcome("ok", outputs=arrays, warnings=warnings, modified=modified)


def _blob(blobs: list, i) -> bytes:
    if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(blobs):
        raise wire.WireError("it is missing")
    return blobs[i]


def _modified(after, blobs, call, limits) -> tuple:
    """The array arguments that differ, after the call, from what the host sent."""
    after = after if isinstance(after, dict) else {}
    changed = []
    for path, sent in wire.array_paths(call.args, call.kwargs):
        try:
            now = wire.load_npy(_blob(blobs, after.get(path)), limits.max_output_elements)
        except wire.WireError:
            changed.append(path)
            continue
        if (
            now.shape != sent.shape
            or now.dtype != sent.dtype
            or not np.array_equal(now, sent, equal_nan=now.dtype.kind == "f")
        ):
            changed.append(path)
    return tuple(changed)


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


def _exit_text(code: int, limits: Limits) -> str:
    if code is None:
        return "it did not exit"
    sig = -code if code < 0 else (code - 128 if code > 128 else 0)
    if sig:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        why = {
            "SIGXCPU": f" (the CPU time limit, {limits.cpu_s} s)",
            "SIGKILL": " (killed: out of memory or time?)",
            "SIGSEGV": " (a crash)",
        }.get(name, "")
        return f"it was ended by {name}{why}"
    return f"exit code {code} (os._exit, or a crash)"
