"""The sandbox's first and only trusted code: run as ``python -I _child.py WORKDIR``.

It runs before the learner's code, in this order: resource limits; the
modules it needs (numpy, and ``outputs.py`` read by path, never ``lstm_lib``
itself); the inputs from WORKDIR/in (plain .npy arrays and JSON, no pickle);
the audit hook, which nothing that runs after it can remove; then the
learner's definitions and one call per case. Every call's result goes to
WORKDIR/out as a JSON line plus .npy arrays. The grader trusts none of it:
it validates every file and compares in its own process.
"""

import json
import os
import resource
import signal
import sys


def _limits(lim):
    mb = 2**20
    for name, value in (("RLIMIT_CPU", lim["cpu_s"]), ("RLIMIT_AS", lim["memory_mb"] * mb),
                        ("RLIMIT_FSIZE", lim["fsize_mb"] * mb), ("RLIMIT_NPROC", lim["nproc"]),
                        ("RLIMIT_CORE", 0)):
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


def _install_hook(workdir, forbidden, blocked_dirs):
    """Block what a graded function never needs, for everything that runs after this.

    The hook reads nothing global: its configuration and every builtin it uses
    are default arguments (immutable values, or functions bound once), and
    replacing a function's code or defaults is itself blocked, so the code it
    watches can neither remove nor loosen it (audit hooks cannot be removed).
    """

    root = workdir.rstrip("/")
    dirs = tuple((d.rstrip("/") + "/", what) for d, what in blocked_dirs)
    mods = tuple(forbidden)

    def hook(event, args, _wd=root + "/", _wdroot=root, _mods=mods, _dirs=dirs,
             _getcwd=os.getcwd, _fspath=os.fspath, _isinstance=isinstance, _hasattr=hasattr,
             _str=str, _bytes=bytes, _int=int, _bool=bool, _len=len,
             _wflags=os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND,
             _Viol=SandboxViolation, _Imp=ForbiddenImport,
             _deny=("os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
                    "os.forkpty", "subprocess.Popen", "pty.spawn", "os.kill", "os.killpg",
                    "signal.pthread_kill", "os.symlink", "os.link", "sys.addaudithook",
                    "resource.setrlimit", "resource.prlimit", "os.startfile", "os.chroot",
                    "sys.remote_exec", "os.pidfd_open"),
             _deny_prefix=("socket.", "ctypes.", "_posixsubprocess.", "winreg."),
             _pathops=("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod",
                       "os.chown", "os.truncate", "os.utime", "os.chflags", "os.lchflags",
                       "os.lchmod", "os.lchown", "os.mkfifo", "os.mknod", "shutil.copyfile",
                       "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
                       "shutil.rmtree", "shutil.chown", "shutil.make_archive",
                       "shutil.unpack_archive"),
             _dirfd_last=("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
                          "os.utime", "os.mkfifo", "os.mknod")):

        def text(p):
            if not _isinstance(p, (_str, _bytes)):
                p = _fspath(p)
            if _isinstance(p, _bytes):
                p = p.decode("utf-8", "surrogateescape")
            return p

        def norm(p):
            # Lexical normalisation only: no Python-level os.path, which the
            # learner's code could patch. Symlinks cannot be made in here.
            p = text(p)
            if not p.startswith("/"):
                p = _getcwd() + "/" + p
            parts = []
            for part in p.split("/"):
                if part == "" or part == ".":
                    continue
                if part == "..":
                    if parts:
                        parts.pop()
                    continue
                parts.append(part)
            return "/" + "/".join(parts)

        def inside(p):
            return p == _wdroot or p.startswith(_wd)

        if event == "open":
            path, mode, flags = (args[0], args[1], args[2]) if _len(args) >= 3 else \
                (args[0], None, None)
            if _isinstance(path, _int):
                return
            write = (_isinstance(mode, _str) and ("w" in mode or "a" in mode or "x" in mode
                                                 or "+" in mode)) or \
                (_isinstance(flags, _int) and (flags & _wflags) != 0)
            if mode is None and not text(path).startswith("/"):
                # os.open can be relative to a dir_fd, which the event does not show.
                raise _Viol(f"os.open with a relative path ({text(path)!r}) is not allowed "
                            "here; use open()")
            p = norm(path)
            if write and not inside(p):
                raise _Viol(f"writing {p} is not allowed: only the sandbox's own folder is "
                            "writable")
            for d, what in _dirs:
                if p.startswith(d) or p + "/" == d:
                    raise _Viol(f"reading {p} is not allowed in this exercise ({what})")
            # /proc/self/root, /proc/<pid>/mem, /dev/fd/N: ways around the path checks.
            if p == "/dev/fd" or p.startswith("/dev/fd/"):
                raise _Viol(f"opening {p} is not allowed here")
            if p.startswith("/proc/"):
                head = p[6:].split("/", 1)[0]
                if head == "self" or head == "thread-self" or head.isdigit():
                    raise _Viol(f"opening {p} is not allowed here")
            return
        if event == "import":
            name = args[0] if _len(args) else ""
            if _isinstance(name, _str):
                for m in _mods:
                    if name == m or name.startswith(m + "."):
                        raise _Imp(f"import of {name} is not allowed in this exercise "
                                   f"(it forbids {m})")
            return
        if event in _deny or event.startswith(_deny_prefix):
            raise _Viol(f"{event} is not allowed in the grader's sandbox")
        if event == "object.__setattr__" and _len(args) > 1 and args[1] in (
                "__code__", "__defaults__", "__kwdefaults__"):
            raise _Viol(f"setting {args[1]} is not allowed in the grader's sandbox")
        if event in _pathops:
            for a in args:
                if _isinstance(a, (_str, _bytes)) or _hasattr(a, "__fspath__"):
                    if not inside(norm(a)):
                        raise _Viol(f"{event} outside the sandbox's folder is not allowed")
            dirfds = args[2:4] if event == "os.rename" else \
                (args[-1:] if event in _dirfd_last else ())
            for a in dirfds:
                if a is not None:
                    raise _Viol(f"{event} with dir_fd is not allowed in the grader's sandbox")

    sys.addaudithook(hook)


def _short_traceback(err, max_frames=4):
    import traceback
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if f.filename.startswith("<cell")]
    lines = [f"  {f.filename[1:-1]}, line {f.lineno}, in {f.name}" +
             (f": {f.line.strip()}" if f.line else "") for f in frames[-max_frames:]]
    return "\n".join(lines)


def _describe_error(err):
    msg = str(err)
    if len(msg) > 500:
        msg = msg[:500] + " ..."
    return f"{type(err).__name__}: {msg}" if msg else type(err).__name__


def main():
    workdir = os.path.abspath(sys.argv[1])
    with open(os.path.join(workdir, "job.json"), encoding="utf-8") as f:
        job = json.load(f)
    _limits(job["limits"])

    import importlib.util
    import linecache
    import traceback  # noqa: F401 - imported before the hook, used after it
    import warnings

    import numpy as np
    import numpy.linalg  # noqa: F401 - loaded before the hook forbids nothing of numpy's
    import numpy.random  # noqa: F401

    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("_grading_outputs",
                                                  os.path.join(here, "outputs.py"))
    outputs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(outputs)

    def load(v):
        if isinstance(v, dict):
            t = v.get("t")
            if t == "array":
                return np.load(os.path.join(workdir, "in", v["file"]), allow_pickle=False)
            if t == "rng":
                return np.random.default_rng(v["seed"])
            if t == "dtype":
                return np.dtype(v["name"]).type
            if t == "dict":
                return {k: load(x) for k, x in v["items"].items()}
            if t == "list":
                return [load(x) for x in v["items"]]
            if t == "tuple":
                return tuple(load(x) for x in v["items"])
            if t == "float":
                return float(v["value"])
        return v

    calls = [(load(c["args"]), load(c["kwargs"])) for c in job["calls"]]
    out_dir = os.path.join(workdir, "out")
    fd = os.open(os.path.join(out_dir, "results.jsonl"),
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def emit(obj):
        data = (json.dumps(obj) + "\n").encode()
        try:
            os.write(fd, data)
        except OSError:
            pass

    # The learner's code compiles under "<cell N>" names; linecache lets
    # tracebacks show the line itself.
    for s in job["snippets"]:
        fname = f"<{s['label']}>"
        linecache.cache[fname] = (len(s["code"]), None, s["code"].splitlines(True), fname)

    _install_hook(workdir, job["forbidden"], job["blocked_dirs"])

    namespace = {"__name__": "__main__", "__builtins__": __builtins__,
                 "check": lambda *a, **k: None}
    notes = []
    pending = [s for s in job["snippets"] if s["kind"] == "import"] + \
        [s for s in job["snippets"] if s["kind"] != "import"]
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
    emit({"event": "setup", "notes": notes})

    fname = job["function"]
    fn = namespace.get(fname)
    paths = [(name, tuple(p)) for name, p in job["outputs"]]
    max_elems = job["max_output_elements"]
    for k, (args, kwargs) in enumerate(calls):
        emit({"event": "start", "call": k})
        if not callable(fn):
            emit({"event": "result", "call": k, "status": "missing",
                  "error": f"{fname} is not defined (or not a function) once the notebook's "
                           "definitions have run" + (": see the notes on the definitions "
                                                     "that failed" if notes else "")})
            continue
        record = {"event": "result", "call": k}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", invalid="warn", divide="warn"):
                    ret = fn(*args, **kwargs)
            except NotImplementedError:
                record["status"] = "not_implemented"
            except (SandboxViolation, ForbiddenImport) as err:
                record.update(status="blocked", error=_describe_error(err),
                              detail=_short_traceback(err))
            except MemoryError as err:
                record.update(status="error", error=f"MemoryError: {err} (the memory limit is "
                                                    f"{job['limits']['memory_mb']} MB)",
                              detail=_short_traceback(err))
            except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                record.update(status="error", error=_describe_error(err),
                              detail=_short_traceback(err))
            else:
                record["status"] = "ok"
        record["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught][:5]
        if record["status"] == "ok":
            try:
                outs = outputs.extract(ret, paths, job["returns"])
                files = {}
                for name, arr in outs.items():
                    if arr.size > max_elems:
                        raise outputs.BadReturn(f"{name} has {arr.size} elements, far more "
                                                f"than expected (shape {arr.shape})")
                    file = f"c{k}_{name}.npy"
                    np.save(os.path.join(out_dir, file), np.ascontiguousarray(arr),
                            allow_pickle=False)
                    files[name] = {"file": file, "shape": list(arr.shape),
                                   "dtype": arr.dtype.str}
                record["outputs"] = files
            except outputs.BadReturn as err:
                record.update(status="bad_return", error=str(err))
            except BaseException as err:  # noqa: BLE001
                record.update(status="bad_return",
                              error=f"the result could not be saved: {_describe_error(err)}")
        emit(record)
    emit({"event": "done"})
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
