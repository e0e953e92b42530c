"""Build the sandbox's file system and start the child in it.

Run as ``python -I -S -B seal.py PLAN ARGV...`` by unshare(1), as the first
process of new mount, PID, network, IPC and UTS namespaces, and as root there
(the real root, or the caller mapped to root in a user namespace). PLAN is the
JSON the host made from ``policy.py``; nothing else is trusted or read.

1. Every mount becomes private, so nothing done here reaches the host.
2. An empty tmpfs becomes the new root. Into it go, as the plan says, read-only
   bind mounts of the interpreter, the standard library, the allowed packages
   and the system's shared libraries; a few devices; and the sandbox's folder,
   read-write, at /sandbox. Nothing else exists there.
3. The root is made read-only, pivot_root moves into it and the old root is
   detached, so no path, symlink or file descriptor leads back to the host.
4. Every capability is dropped (the real root also becomes nobody), no new
   privileges can be gained, and the child is exec'd with the plan's environment.

Any failure ends this process with status 97, before the child starts.
"""

import ctypes
import errno
import json
import os
import signal
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 1 << 14, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
# statvfs's flags of a mount, and the mount flag each one is: in a user
# namespace a remount must keep the flags its source mount has (they are locked).
KEEP = (
    (os.ST_RDONLY, MS_RDONLY),
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
    (os.ST_NOATIME, MS_NOATIME),
    (os.ST_NODIRATIME, MS_NODIRATIME),
    (os.ST_RELATIME, MS_RELATIME),
)

libc = ctypes.CDLL(None, use_errno=True)


def check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(src, dst, fstype, flags, data=None):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    check(libc.mount(enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {src} on {dst}")


def bind(root, src, dst, *, rw=False, dev=False):
    target = root + dst
    if os.path.isdir(src):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    mount(src, target, None, MS_BIND)
    flags = MS_BIND | MS_REMOUNT | MS_NOSUID
    flags |= 0 if dev else MS_NODEV
    flags |= 0 if rw else MS_RDONLY
    locked = os.statvfs(src).f_flag
    for st, ms in KEEP:
        if locked & st and not (rw and ms == MS_RDONLY):
            flags |= ms
    mount(None, target, None, flags)


def build(plan):
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = plan["root"]
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={plan['root_mb']}m,mode=0755")
    for op in plan["ops"]:
        kind = op["op"]
        if kind == "bind":
            bind(root, op["src"], op["dst"], rw=op.get("rw", False))
        elif kind == "dev":
            bind(root, "/dev/" + op["name"], "/dev/" + op["name"], rw=True, dev=True)
        elif kind == "empty":  # hides what a mounted folder holds under dst
            mount("tmpfs", root + op["dst"], "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=4k,mode=0755")
        elif kind == "dir":
            os.makedirs(root + op["dst"], exist_ok=True)
        elif kind == "symlink":  # every folder above dst is a real one
            os.makedirs(os.path.dirname(root + op["dst"]), exist_ok=True)
            os.symlink(op["target"], root + op["dst"])
        else:
            raise ValueError(f"unknown operation {kind!r}")
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(root)
    check(libc.pivot_root(b".", b"."), "pivot_root")
    check(libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir(plan["chdir"])
    name = plan["hostname"].encode()
    check(libc.sethostname(name, len(name)), "sethostname")


def drop_privileges(uid):
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() != errno.EINVAL:  # EINVAL: past the last capability
                check(-1, f"drop capability {cap}")
            break
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # leaves no capability
    else:
        # Root of a user namespace: empty every capability set.
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
        check(libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    # unshare's --kill-child set this; a change of user clears it.
    check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "pdeathsig")


def main():
    plan, argv = json.loads(sys.argv[1]), sys.argv[2:]
    try:
        build(plan)
        drop_privileges(plan["uid"])
        os.execve(argv[0], argv, plan["env"])
    except Exception as err:  # noqa: BLE001 - any failure here is the sandbox's, reported once
        print(f"the sandbox could not be built: {err}", file=sys.stderr)
        os._exit(97)


if __name__ == "__main__":
    main()
