"""Run a learner's definitions on hidden inputs, sealed off from everything else.

The whole boundary is this folder, readable in one sitting:

* ``policy.py``: what is allowed, as data (limits, namespaces, what the
  sandbox's file system holds, the audit hook's lists, forbidden modules);
* ``host.py``: the grader's side (builds a run, starts it, answers stand-ins,
  reads and validates what comes back, compares the arguments);
* ``seal.py``: run first inside the new namespaces; builds the sandbox's file
  system, drops every privilege and starts the child;
* ``child.py``: the sandbox's side, around the learner's code;
* ``wire.py``: the format both sides speak (values, .npy arrays, messages, and
  how the graded outputs are picked out of a return value).

Isolation, from the outside in:

1. Namespaces (``unshare``, as root or in a user namespace): no network; a PID
   namespace, so nothing of the grader is in sight and every process dies with
   the first; and a mount namespace whose root is an empty tmpfs holding only
   the interpreter, the standard library, the allowed packages (numpy always;
   an exercise may allow more, such as torch with what it imports: a copy of each
   staged once per process, its byte-code naming where the sandbox sees it), the
   system's shared libraries,
   /dev/null, zero, random and urandom, and the sandbox's folder at /sandbox,
   the only writable place. The old root is detached: the course's checkout,
   the instructor's files and their paths are not there to be found, by any
   path or symlink. The child then runs as nobody (in a user namespace: root
   without capabilities) with no_new_privs.
2. Resource limits (CPU, address space, file size, processes, no core) and a
   wall-clock limit enforced by the host, which kills the process group.
3. An audit hook and an import finder: forbidden modules, processes, signals,
   sockets, ctypes, sqlite, file-backed mmap, writes outside the folder.

Where the machine gives no namespaces, ``run_function`` refuses with
``SandboxUnavailable`` (``refusal()`` says what is missing) unless
``Limits.allow_unsandboxed`` is set (``grade --allow-unsandboxed``); then the
child runs with the hook alone, as nobody if the grader is root, and
``isolation().description`` says so for the feedback.

``run_function(snippets, function, outputs, returns, cases, forbidden, limits=None, *,
stand_ins=None, banned=None, packages=None) -> RunResult``, beyond the definitions and the calls:

* ``stand_ins``: ``{name: callable}``. After the learner's definitions run,
  each ``name`` in the sandbox is bound to a proxy (overriding the learner's
  own): calling it sends its arguments to the host, which calls the trusted
  ``callable`` in the grader's process and sends the result back. The
  reference's code never enters the sandbox; the proxy's source is just the
  proxy. Only arrays, NumPy scalars, numbers, str, None and dicts, lists,
  tuples and named tuples (a cache arrives with its field names) of them
  cross, both ways; anything else makes the proxy raise ``TypeError`` (an
  argument) or ``ValueError`` (a result, or an error in the callable, whose
  message it carries) in the learner's code.
* ``packages``: the packages the sandbox holds beside ``policy.PACKAGES``, e.g.
  ``("torch",)``; those in ``policy.PRELOAD`` are imported before the audit hook.
  A torch tensor in the return value crosses as the array of its values, in its
  dtype; an output path ending in ``wire.EVERY_ITEM`` takes a dict item by item.
* ``banned``: ``{"numpy.tanh": message}``, dotted names of module attributes.
  Before the learner's definitions run, every module attribute in the sandbox
  that is that object (``numpy.tanh``, ``numpy._core.umath.tanh``, ...) is
  replaced by a stub that raises ``BannedName(message)``, a BaseException; an
  alias made at definition time is the stub too. A call that hit a stub, even
  one that caught the exception, has status ``"blocked"`` and ``error`` the
  message. Banned objects are unusable by numpy's own code in the sandbox too.
* ``Outcome.modified``: after each call the child sends back every array
  argument as it is then, and the host compares it with what it sent;
  ``modified`` lists the ones that differ (or are gone), as paths such as
  ``"args[0]"`` or ``"args[3]['weight_ih']"`` or ``"kwargs['x']"``.
"""

from .host import Isolation, RunResult, SandboxUnavailable, isolation, refusal, run_function, sandbox_command
from .policy import Limits

__all__ = [
    "Isolation",
    "Limits",
    "RunResult",
    "SandboxUnavailable",
    "isolation",
    "refusal",
    "run_function",
    "sandbox_command",
]
