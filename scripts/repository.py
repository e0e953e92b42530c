#!/usr/bin/env python3
"""The course's repository address: one place, ``repository:`` in ``_config.yml``.

Everything else follows it:

- the book's launch buttons and its Colab and Binder links (Jupyter Book and
  the roles of ``book/_ext/course_site.py`` read ``_config.yml`` at build time);
- the install cell at the top of every notebook (book/, solutions/, exercises/),
  which must name the address literally, since it runs in Colab before the
  course exists there: this script writes it.

    python scripts/repository.py                 # show the address
    python scripts/repository.py --check         # every notebook follows it? (exit 1 if not)
    python scripts/repository.py --set https://github.com/OWNER/NAME [--branch main]

``--set`` rewrites ``_config.yml`` and every install cell, in place. Commit the
result; the book and its links follow at the next build.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
NOTEBOOK_DIRS = ("book", "solutions", "exercises")
URL = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+?(?:\.git)?")
# Any address of a repository on GitHub, as far as it goes (to find stray ones).
ANY_URL = re.compile(r"https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
# In a notebook's JSON, the pip requirement of the install cell: "... @ git+URL".
INSTALL = re.compile(r"(@ git\+)(" + URL.pattern + r")(?=[\"\\ ])")
# In _config.yml, the repository block's two keys.
CONFIG_URL = re.compile(r"^(repository:\n(?:[ \t]+.*\n)*?[ \t]+url:[ \t]*)(\S+)", re.M)
CONFIG_BRANCH = re.compile(r"^(repository:\n(?:[ \t]+.*\n)*?[ \t]+branch:[ \t]*)(\S+)", re.M)


def read(root: Path = ROOT) -> tuple[str, str]:
    """(url, branch) from ``_config.yml``."""
    text = (root / CONFIG).read_text()
    url, branch = CONFIG_URL.search(text), CONFIG_BRANCH.search(text)
    if url is None or branch is None:
        raise SystemExit(f"{CONFIG}: no `repository:` block with `url:` and `branch:`")
    return url.group(2), branch.group(2)


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted(p for d in NOTEBOOK_DIRS for p in (root / d).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def stray(root: Path = ROOT) -> dict[str, list[str]]:
    """The notebooks whose install cell names another address (or none): {path: addresses}."""
    url, _ = read(root)
    wrong = {}
    for nb in notebooks(root):
        found = [m.group(2) for m in INSTALL.finditer(nb.read_text())]
        if not found or any(f != url for f in found):
            wrong[nb.relative_to(root).as_posix()] = found
    return wrong


def set_address(url: str, branch: str | None, root: Path = ROOT) -> list[str]:
    """Write ``url`` (and ``branch``) into ``_config.yml`` and every install cell; the files changed."""
    if not URL.fullmatch(url):
        raise SystemExit(f"the address must look like https://github.com/OWNER/NAME, got {url!r}")
    changed = []
    config = root / CONFIG
    text = CONFIG_URL.sub(lambda m: m.group(1) + url, config.read_text(), count=1)
    if branch:
        text = CONFIG_BRANCH.sub(lambda m: m.group(1) + branch, text, count=1)
    if text != config.read_text():
        config.write_text(text)
        changed.append(CONFIG)
    for nb in notebooks(root):
        old = nb.read_text()
        new = INSTALL.sub(lambda m: m.group(1) + url, old)
        if new != old:
            nb.write_text(new)
            changed.append(nb.relative_to(root).as_posix())
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook names another address")
    parser.add_argument("--set", metavar="URL", help="the new address, https://github.com/OWNER/NAME")
    parser.add_argument("--branch", help="with --set: the branch the links open (default: unchanged)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.set:
        changed = set_address(args.set, args.branch, args.root)
        print(f"{len(changed)} file(s) now name {args.set}: " + ", ".join(changed))
    url, branch = read(args.root)
    if args.check or args.set:
        wrong = stray(args.root)
        for path, found in wrong.items():
            print(f"{path}: its install cell names {found or 'no address'}, not {url}", file=sys.stderr)
        if wrong:
            print("run: python scripts/repository.py --set " + url, file=sys.stderr)
            return 1
    print(f"{url} (branch {branch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
