"""The sandbox's side: run as ``python -I -S -B child.py FOLDER``, before and around the
learner's code. The host copies this file and ``wire.py`` into FOLDER with the job;
nothing here reads the course's files or imports ``lstm_lib``.

In this order, before any of the learner's code runs: resource limits; the
modules it needs (numpy, wire.py); the inputs (job.json, in/*.npy); the stubs of
the names the job bans; the audit hook and the finder that refuse the
forbidden modules, neither of which anything after them can remove. Then the
learner's definitions, the stand-ins bound over them, and one call per case.
Each call's result goes to the host on a pipe (see wire.py), with the array
arguments as they are after the call. The host trusts none of it.
"""

import json
import os
import resource
import signal
import sys


def _limits(lim):
    mb = 2**20
    for name, value in (
        ("RLIMIT_CPU", lim["cpu_s"]),
        ("RLIMIT_AS", lim["memory_mb"] * mb),
        ("RLIMIT_FSIZE", lim["fsize_mb"] * mb),
        ("RLIMIT_NPROC", lim["nproc"]),
        ("RLIMIT_CORE", 0),
    ):
        if hasattr(resource, name):
            try:
                resource.setrlimit(getattr(resource, name), (value, value))
            except (ValueError, OSError):
                pass
    # A write past RLIMIT_FSIZE fails with EFBIG instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class SandboxViolation(PermissionError):
    """Raised by the audit hook; its message says what was blocked."""


class ForbiddenImport(ImportError):
    pass


class BannedName(BaseException):
    """Raised by a banned name's stub. A BaseException, so that ``except Exception`` in the
    learner's code does not hide it (and a hit counts even when something does)."""


def _ban(banned, hits):
    """Replace every module attribute that is a banned object by a stub that raises.

    Done before the learner's code runs, so an alias made at definition time
    (``t = np.tanh``, ``from numpy import tanh``) is the stub too. The stub
    holds no reference to what it replaces.
    """
    import importlib

    for dotted, message in banned.items():
        module_name, _, attr = dotted.rpartition(".")
        try:
            original = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            continue  # not in the sandbox at all

        def stub(*args, _message=message, _hits=hits, **kwargs):
            _hits.append(_message)
            raise BannedName(_message)

        stub.__name__ = stub.__qualname__ = attr
        for module in list(sys.modules.values()):
            space = getattr(module, "__dict__", None)
            if not isinstance(space, dict):
                continue
            for key, value in list(space.items()):
                if value is original:
                    try:
                        setattr(module, key, stub)
                    except (AttributeError, TypeError):
                        pass
        del original


def _install_hook(cfg):
    """Refuse what a graded function never needs, for everything that runs after this.

    The seal is what keeps the host's files out of reach; this is the second
    line (and the only one where the instructor allowed grading without
    namespaces). The hook reads nothing global: its configuration and every
    builtin it uses are default arguments bound here, and replacing a function's
    code or defaults is itself refused, so the code it watches can neither remove
    nor loosen it (audit hooks cannot be removed).
    """
    root = cfg["workdir"].rstrip("/")
    hidden_dirs = tuple((d.rstrip("/"), why) for d, why in cfg["hidden"])

    def hook(
        event,
        args,
        _wd=root + "/",
        _wdroot=root,
        _mods=tuple(cfg["forbidden"]),
        _hidden=hidden_dirs,
        _deny=tuple(cfg["deny"]),
        _deny_prefix=tuple(cfg["deny_prefix"]),
        _writes=tuple(cfg["write_events"]),
        _dirfd_last=tuple(cfg["dir_fd_last"]),
        _lists=tuple(cfg["list_events"]),
        _getcwd=os.getcwd,
        _fspath=os.fspath,
        _readlink=os.readlink,
        _isinstance=isinstance,
        _hasattr=hasattr,
        _str=str,
        _bytes=bytes,
        _int=int,
        _len=len,
        _OSError=OSError,
        _wflags=os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND,
        _Viol=SandboxViolation,
        _Imp=ForbiddenImport,
    ):

        def text(p):
            if not _isinstance(p, (_str, _bytes)):
                p = _fspath(p)
            if _isinstance(p, _bytes):
                p = p.decode("utf-8", "surrogateescape")
            return p

        def resolve(p):
            # Follows symlinks with os.readlink bound above, not os.path, which the
            # learner's code could patch: a path text proves nothing (lib64 -> lib).
            parts = text(p).split("/")
            if parts[0]:
                parts = _getcwd().split("/") + parts
            out, links = [], 0
            while parts:
                part = parts.pop(0)
                if part in ("", "."):
                    continue
                if part == "..":
                    if out:
                        out.pop()
                    continue
                try:
                    target = _readlink("/" + "/".join(out + [part]))
                except (_OSError, ValueError):
                    out.append(part)
                    continue
                links += 1
                if links > 40:
                    raise _Viol(f"too many symlinks in {text(p)!r}")
                if target.startswith("/"):
                    out = []
                parts = target.split("/") + parts
            return "/" + "/".join(out)

        def inside(p):
            return p == _wdroot or p.startswith(_wd)

        def hidden(p):
            for d, why in _hidden:
                if p == d or p.startswith(d + "/"):
                    return why
            return None

        if event == "open":
            path, mode, flags = (args[0], args[1], args[2]) if _len(args) >= 3 else (args[0], None, None)
            if _isinstance(path, _int):
                return
            write = (_isinstance(mode, _str) and ("w" in mode or "a" in mode or "x" in mode or "+" in mode)) or (
                _isinstance(flags, _int) and (flags & _wflags) != 0
            )
            if mode is None and not text(path).startswith("/"):
                # os.open can be relative to a dir_fd, which the event does not show.
                raise _Viol(f"os.open with a relative path ({text(path)!r}) is not allowed here; use open()")
            lexical = text(path)
            if lexical == "/dev/fd" or lexical.startswith(("/dev/fd/", "/proc/")):
                raise _Viol(f"opening {lexical} is not allowed here")
            p = resolve(path)
            if write and not inside(p) and p not in ("/dev/null",):
                raise _Viol(f"writing {p} is not allowed: only the sandbox's own folder is writable")
            why = hidden(p)
            if why:
                raise _Viol(f"reading {p} is not allowed in this exercise ({why})")
            return
        if event == "import":
            name = args[0] if _len(args) else ""
            if _isinstance(name, _str):
                for m in _mods:
                    if name == m or name.startswith(m + "."):
                        raise _Imp(f"import of {name} is not allowed in this exercise (it forbids {m})")
            return
        if event in _deny or event.startswith(_deny_prefix):
            raise _Viol(f"{event} is not allowed in the grader's sandbox")
        if (
            event == "object.__setattr__"
            and _len(args) > 1
            and args[1] in ("__code__", "__defaults__", "__kwdefaults__")
        ):
            raise _Viol(f"setting {args[1]} is not allowed in the grader's sandbox")
        if event == "mmap.__new__" and _len(args) and args[0] != -1:
            raise _Viol("mapping a file into memory is not allowed in the grader's sandbox")
        if event in _lists and _len(args) and (_isinstance(args[0], (_str, _bytes)) or _hasattr(args[0], "__fspath__")):
            why = hidden(resolve(args[0]))
            if why:
                raise _Viol(f"listing {text(args[0])} is not allowed in this exercise ({why})")
            return
        if event in _writes:
            for a in args:
                if _isinstance(a, (_str, _bytes)) or _hasattr(a, "__fspath__"):
                    if not inside(resolve(a)):
                        raise _Viol(f"{event} outside the sandbox's folder is not allowed")
            dirfds = args[2:4] if event == "os.rename" else (args[-1:] if event in _dirfd_last else ())
            for a in dirfds:
                if a is not None:
                    raise _Viol(f"{event} with dir_fd is not allowed in the grader's sandbox")

    sys.addaudithook(hook)


class _Refuse:
    """A meta path finder for the forbidden modules: ``importlib.import_module`` raises no
    "import" audit event, and the message says why rather than "No module named"."""

    def __init__(self, forbidden):
        self.forbidden = tuple(forbidden)

    def find_spec(self, name, path=None, target=None):
        for m in self.forbidden:
            if name == m or name.startswith(m + "."):
                raise ForbiddenImport(f"import of {name} is not allowed in this exercise (it forbids {m})")
        return None


def _short_traceback(err, max_frames=4):
    import traceback

    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename.startswith("<cell")]
    lines = [
        f"  {f.filename[1:-1]}, line {f.lineno}, in {f.name}" + (f": {f.line.strip()}" if f.line else "")
        for f in frames[-max_frames:]
    ]
    return "\n".join(lines)


_SEALED = []  # [True] when the job runs sealed; set by main before any learner code


def _describe_error(err):
    msg = str(err)
    if len(msg) > 500:
        msg = msg[:500] + " ..."
    if _SEALED and isinstance(err, FileNotFoundError):
        # Most often a path to the course's files, which are not there to be read.
        msg += (
            " (the grader's sandbox holds only the Python runtime, the allowed packages and its own "
            "folder: reading any other file is not allowed)"
        )
    return f"{type(err).__name__}: {msg}" if msg else type(err).__name__


def _stand_in(name, ask):
    """What the learner's code calls as ``name``: the host runs the reference on the
    arguments and sends back its result. Nothing of the reference is in here."""

    def stand_in(*args, **kwargs):
        return ask(name, args, kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    return stand_in


def main():
    folder = os.path.abspath(sys.argv[1])
    with open(os.path.join(folder, "job.json"), encoding="utf-8") as f:
        job = json.load(f)
    _limits(job["limits"])
    if job["sealed"]:
        _SEALED.append(True)

    import importlib
    import importlib.util
    import linecache
    import threading
    import traceback  # noqa: F401 - imported before the hook, used after it
    import warnings

    sys.path.append(job["packages"])
    import numpy as np
    import numpy.linalg  # noqa: F401 - loaded before the learner can need them
    import numpy.random  # noqa: F401

    # The allowed packages' modules that need what the hook refuses once it is on
    # (torch loads its libraries with ctypes): imported now, before the learner's code.
    # What their libraries print on the way (torch's cpuinfo finds no /proc) is not the
    # learner's output: stderr goes to /dev/null meanwhile.
    preload_notes = []
    if job.get("preload"):
        sys.stderr.flush()
        saved, null = os.dup(2), os.open("/dev/null", os.O_WRONLY)
        os.dup2(null, 2)
        try:
            for module in job["preload"]:
                try:
                    importlib.import_module(module)
                except BaseException as err:  # noqa: BLE001 - reported; the learner's import fails too
                    preload_notes.append(
                        f"the sandbox could not import {module}: {type(err).__name__}: {str(err)[:300]}"
                    )
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)

    spec = importlib.util.spec_from_file_location("wire", os.path.join(folder, "wire.py"))
    wire = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wire)

    markers = {"rng": lambda o: np.random.default_rng(int(o["seed"])), "dtype": lambda o: np.dtype(str(o["name"])).type}
    arrays = [np.load(os.path.join(folder, "in", f"a{n}.npy"), allow_pickle=False) for n in range(job["arrays"])]
    calls = [(wire.decode(c["args"], arrays, markers), wire.decode(c["kwargs"], arrays, markers)) for c in job["calls"]]
    to_host, from_host = job["fds"]
    read_reply = wire.reader(from_host)
    lock = threading.Lock()

    def emit(header, arrays=()):
        try:
            wire.write_message(to_host, header, arrays)
        except OSError:
            pass

    def ask(name, args, kwargs):
        out = []
        request = {
            "event": "oracle",
            "name": name,
            "args": wire.encode(tuple(args), out),
            "kwargs": wire.encode(dict(kwargs), out),
        }
        with lock:
            wire.write_message(to_host, request, out)
            reply, blobs = wire.read_message(read_reply, job["max_reply_bytes"])
        got = [wire.load_npy(b, job["max_output_elements"]) for b in blobs]
        if not reply.get("ok"):
            raise ValueError(f"the reference {name} failed on these arguments: {reply.get('error')}")
        return wire.decode(reply.get("value"), got)

    # The learner's code compiles under "<cell N>" names; linecache lets
    # tracebacks show the line itself.
    for s in job["snippets"]:
        fname = f"<{s['label']}>"
        linecache.cache[fname] = (len(s["code"]), None, s["code"].splitlines(True), fname)

    # The learner may import subprocess (its Popen is refused); the C module behind it
    # starts processes with no audit event, so it is only reachable by an import the
    # hook refuses.
    import subprocess

    sys.modules.pop("_posixsubprocess", None)
    subprocess._posixsubprocess = None

    hits = []
    _ban(job["banned"], hits)
    sys.meta_path.insert(0, _Refuse(job["hook"]["forbidden"]))
    _install_hook(job["hook"])

    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "check": lambda *a, **k: None}
    notes = list(preload_notes)
    pending = [s for s in job["snippets"] if s["kind"] == "import"] + [
        s for s in job["snippets"] if s["kind"] != "import"
    ]
    errors = {}
    for _ in range(3):  # later passes retry what needed a name defined further down
        failed = []
        for s in pending:
            try:
                exec(compile(s["code"], f"<{s['label']}>", "exec"), namespace)
            except BaseException as err:  # noqa: BLE001 - any failure of learner code
                failed.append(s)
                errors[id(s)] = (s, err)
            else:
                errors.pop(id(s), None)
        if not failed or len(failed) == len(pending):
            pending = failed
            break
        pending = failed
    for s in pending:
        _, err = errors[id(s)]
        what = ", ".join(s["names"]) or s["code"].strip().split("\n")[0][:80]
        notes.append(f"{s['label']} ({what}) failed when defined: {_describe_error(err)}")
    for name in job["stand_ins"]:
        namespace[name] = _stand_in(name, ask)
    emit({"event": "setup", "notes": notes})

    fname = job["function"]
    fn = namespace.get(fname)
    paths = [(name, tuple(p)) for name, p in job["outputs"]]
    for k, (args, kwargs) in enumerate(calls):
        emit({"event": "start", "call": k})
        if not callable(fn):
            emit(
                {
                    "event": "result",
                    "call": k,
                    "status": "missing",
                    "error": f"{fname} is not defined (or not a function) once the notebook's "
                    "definitions have run" + (": see the notes on the definitions that failed" if notes else ""),
                }
            )
            continue
        record = {"event": "result", "call": k}
        del hits[:]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", invalid="warn", divide="warn"):
                    ret = fn(*args, **kwargs)
            except NotImplementedError:
                record["status"] = "not_implemented"
            except (SandboxViolation, ForbiddenImport) as err:
                record.update(status="blocked", error=_describe_error(err), detail=_short_traceback(err))
            except MemoryError as err:
                record.update(
                    status="error",
                    error=f"MemoryError: {err} (the memory limit is {job['limits']['memory_mb']} MB)",
                    detail=_short_traceback(err),
                )
            except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                record.update(status="error", error=_describe_error(err), detail=_short_traceback(err))
            else:
                record["status"] = "ok"
        if hits:
            record.update(status="blocked", error=str(hits[0]))
        record["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught][:5]
        send = []
        if record["status"] == "ok":
            try:
                outs = wire.extract(ret, paths, job["returns"])
                record["outputs"] = {}
                for name, arr in outs.items():
                    if arr.size > job["max_output_elements"]:
                        raise wire.BadReturn(
                            f"{name} has {arr.size} elements, far more than expected (shape {arr.shape})"
                        )
                    record["outputs"][name] = len(send)
                    send.append(arr)
            except wire.BadReturn as err:
                record.update(status="bad_return", error=str(err))
                send = []
            except BaseException as err:  # noqa: BLE001
                record.update(status="bad_return", error=f"the result could not be sent: {_describe_error(err)}")
                send = []
        # The arguments as they are now: the host compares them with what it sent.
        record["after"] = {}
        for path, arr in wire.array_paths(args, kwargs):
            if arr.dtype.kind in "biuf" and arr.size <= job["max_output_elements"]:
                record["after"][path] = len(send)
                send.append(arr)
        try:
            wire.write_message(to_host, record, send)
        except BaseException as err:  # noqa: BLE001 - e.g. an array numpy cannot write
            emit(
                {
                    "event": "result",
                    "call": k,
                    "status": "bad_return",
                    "error": f"the result could not be sent: {_describe_error(err)}",
                }
            )
    emit({"event": "done"})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
