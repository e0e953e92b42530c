"""The pre-commit hooks: local only (nothing fetched), and the whole code base passes them.

They run on a copy of the tracked files, in a repository of their own, with the
course's environment on the PATH, so that a failing hook (which rewrites
files) never touches the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".pre-commit-config.yaml"


def test_every_hook_is_local():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load(CONFIG.read_text())
    assert [r["repo"] for r in config["repos"]] == ["local"]
    ids = {h["id"] for h in config["repos"][0]["hooks"]}
    assert {"ruff-check", "ruff-format", "nbstripout", "exercises-follow-solutions"} <= ids


def _tracked_copy(tmp_path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    copy = tmp_path / "course"
    for name in filter(None, files.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, copy / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run([*git, "add", "-A"], cwd=copy, check=True)
    return copy


def test_pre_commit_run_all_files_passes(tmp_path):
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (the dev extra)")
    copy = _tracked_copy(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "SKIP": "",
    }
    run = subprocess.run(
        [pre_commit, "run", "--all-files", "--show-diff-on-failure", "--color", "never"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
