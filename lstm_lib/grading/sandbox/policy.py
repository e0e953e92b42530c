"""What the sandbox allows, as data: read this file to know what a submission can do.

Everything here is read by the host (``host.py``), which writes what the
child needs into the job it hands over; the child (``child.py``) never
imports this file.
"""

from __future__ import annotations

from dataclasses import dataclass

# ------------------------------------------------------------------ limits


@dataclass
class Limits:
    """Per graded function: one sandbox runs the definitions and every case's calls."""

    timeout_s: float = 10.0  # wall clock, enforced by the host (kills the process group)
    memory_mb: int = 2048  # address space; numpy alone maps a few hundred MB
    fsize_mb: int = 64  # largest file the submission may write
    nproc: int = 256  # processes of the sandbox's user (none can be started anyway)
    output_bytes: int = 16 * 1024  # of the submission's stdout/stderr kept for feedback
    max_output_elements: int = 10**6  # per array that crosses the wire
    wire_mb: int = 512  # all the sandbox may send the host in one run
    # Where namespaces are unavailable the host refuses to run a submission,
    # unless the instructor said so explicitly (``grade --allow-unsandboxed``).
    allow_unsandboxed: bool = False

    @property
    def cpu_s(self) -> int:
        return int(self.timeout_s) + 2


# ------------------------------------------------------------------ isolation

# unshare(1) options: no network, its own process tree (all of which dies with
# its first process), its own mounts, System V IPC and host name.
NAMESPACES = ("--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child")
# Without root, the same inside a user namespace in which the caller is root.
USER_NAMESPACE = ("--user", "--map-root-user")

# The sandbox's whole file system, built on an empty tmpfs: nothing else exists.
SANDBOX_DIR = "/sandbox"  # its own folder, the only writable place: cwd, HOME, TMPDIR
PYTHON_DIR = "/python"  # the interpreter, bin/ and lib/ (the standard library, libpython)
PACKAGES_DIR = "/python/packages"  # the allowed packages, on sys.path
# The allowed packages, each with its vendored libraries ("numpy.libs") beside it.
# They are mounted from a copy whose byte-code names the paths above, not the
# folder (often the course's own .venv) they were installed in. An exercise may
# allow more (``ExerciseSpec.packages``: exercise 9 asks for torch); PACKAGES is
# what every exercise gets.
PACKAGES = ("numpy",)
# What a package needs in the sandbox to be imported at all: its own imports at
# import time (found by importing it in the sandbox and reading the errors).
# These come with it, and only with it.
REQUIRES = {
    "torch": ("typing_extensions", "torchgen", "sympy", "mpmath"),
}
# Packages that are allowed only in namespaces, even with ``grade --allow-unsandboxed``:
# torch's C++ code opens files without the audit events the hook sees
# (torch.from_file reads any file), so the hook alone cannot hide the course's files.
SEALED_ONLY = ("torch",)
# Modules imported before the audit hook is installed, when their package is allowed:
# torch loads its libraries with ctypes at import, which the hook refuses to the
# learner's code (ctypes stays unusable after: its calls raise audit events the hook
# denies); torch._dynamo, which the first backward pass imports, makes named tuples
# with defaults (setting __defaults__, which the hook refuses). The learner's code
# imports them again for free.
PRELOAD = {
    "numpy": ("numpy", "numpy.linalg", "numpy.random"),
    "torch": ("torch", "torch.nn", "torch.nn.functional", "torch.nn.utils.rnn", "torch.optim", "torch._dynamo"),
}
# Files of the host copied when a package is staged and mounted read-only where they
# were: torch's cpuinfo reads the processor's description (and complains on stderr
# at the first operation when there is none). No proc file system comes with it.
SNAPSHOTS = {
    "torch": ("/proc/cpuinfo",),
}
# Folders of a package left out of the staged copy (relative to the package's
# parent): tests and C++ headers that no import needs. Any folder named
# "tests" is left out too.
NOT_STAGED = ("torch/test", "torch/include", "torch/share")
# The system's shared libraries: the folders of those that the interpreter and
# the allowed packages' extensions link to (as ``ldd`` finds them: libc, libm,
# libstdc++, ... in /usr/lib/x86_64-linux-gnu, say), mounted where they are,
# read-only, each symlink on the way to them (/lib -> usr/lib) made again.
LIBRARY_FINDER = "ldd"
DEVICES = ("null", "zero", "random", "urandom")
# An empty folder: no proc file system is mounted, so no process shows there
# (and /proc/self/mountinfo cannot tell where the mounts come from).
EMPTY_DIRS = ("/proc",)
HOSTNAME = "sandbox"
NOBODY = 65534  # as root, the sandbox runs as this user and group, with no capabilities
TMPFS_ROOT_MB = 1  # the new root holds only mount points and symlinks

# The child's whole environment.
ENVIRONMENT = {
    "PATH": f"{PYTHON_DIR}/bin",
    "HOME": SANDBOX_DIR,
    "TMPDIR": SANDBOX_DIR,
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

# ------------------------------------------------------------------ the audit hook

# Modules every exercise forbids: the course's own code; the ways to run native
# code, start processes or share memory with other processes; and C modules
# that write files out of sight of the "open" event (dbm, readline's history).
FORBIDDEN_MODULES = ("lstm_lib", "ctypes", "_ctypes", "_posixsubprocess", "_posixshmem", "_gdbm", "_dbm", "readline")
# Audit events that fail with "... is not allowed in the grader's sandbox".
DENIED_EVENTS = (
    "os.system",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.forkpty",
    "subprocess.Popen",
    "pty.spawn",
    "os.kill",
    "os.killpg",
    "signal.pthread_kill",
    "os.symlink",
    "os.link",
    "os.chroot",
    "os.startfile",
    "os.pidfd_open",
    "sys.addaudithook",
    "sys.remote_exec",
    "resource.setrlimit",
    "resource.prlimit",
    # sqlite opens its files in C, out of sight of the "open" event, and ATTACH
    # DATABASE opens more from inside a ":memory:" connection.
    "sqlite3.connect",
    "sqlite3.enable_load_extension",
    "sqlite3.load_extension",
    # The objects a ban replaced stay reachable from the garbage collector.
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
)
DENIED_EVENT_PREFIXES = ("socket.", "ctypes.", "_posixsubprocess.", "syslog.", "winreg.")
# Events whose string arguments are paths, all of which must lie in the sandbox's folder.
WRITE_EVENTS = (
    "os.remove",
    "os.rename",
    "os.rmdir",
    "os.mkdir",
    "os.chmod",
    "os.chown",
    "os.truncate",
    "os.utime",
    "os.chflags",
    "os.lchflags",
    "os.lchmod",
    "os.lchown",
    "os.mkfifo",
    "os.mknod",
    "shutil.copyfile",
    "shutil.copymode",
    "shutil.copystat",
    "shutil.copytree",
    "shutil.move",
    "shutil.rmtree",
    "shutil.chown",
    "shutil.make_archive",
    "shutil.unpack_archive",
)
# Events whose last argument is a dir_fd, relative to which a path escapes the check.
DIR_FD_LAST = ("os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.utime", "os.mkfifo", "os.mknod")
# Events that read a folder's listing: refused inside the hidden folders.
LIST_EVENTS = ("os.listdir", "os.scandir")
