"""The packaging promises: what pyproject.toml installs, environment.yml, the console script and CI's guard."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
tomllib = pytest.importorskip("tomllib", reason="tomllib comes with Python 3.11 and newer")
Requirement = pytest.importorskip("packaging.requirements", reason="needs packaging").Requirement


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _names(requirements):
    return {req.name.lower(): req for req in map(Requirement, requirements)}


def test_runtime_dependencies_and_python_version():
    project = _project()
    assert project["name"] and project["requires-python"] == ">=3.10"
    assert {"numpy", "matplotlib", "ipywidgets", "tqdm", "threadpoolctl"} <= set(_names(project["dependencies"]))
    assert "torch" not in _names(project["dependencies"]), "torch belongs in the torch extra, not the runtime"


@pytest.mark.parametrize(
    "extra, names",
    [
        ("torch", {"torch"}),
        ("book", {"jupyter-book", "sphinx-mathjax-offline"}),
        ("learner", {"jupyterlab"}),
        ("dev", {"pytest", "nbval", "hypothesis", "ruff", "threadpoolctl"}),
    ],
)
def test_each_extra_names_what_its_users_need(extra, names):
    extras = _project()["optional-dependencies"]
    assert extra in extras, f"pyproject.toml has no [{extra}] extra"
    assert names <= set(_names(extras[extra])), f"[{extra}] lacks {names - set(_names(extras[extra]))}"


def test_torch_range_takes_the_local_cpu_build_and_jupyter_book_stays_below_2():
    extras = _project()["optional-dependencies"]
    torch = _names(extras["torch"])["torch"]
    assert torch.specifier.contains("2.13.0"), f"torch requirement {torch} must accept 2.13.0"
    book = _names(extras["book"])["jupyter-book"]
    assert book.specifier.contains("1.0.4.post1") and not book.specifier.contains("2.0.0")


def test_environment_yml_installs_the_project_with_the_readme_extras():
    env = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.1\d", env, re.M), "environment.yml should pin a Python 3.1x"
    assert re.search(r"^\s*-\s*torch>=2\.\d+", env, re.M)
    installs = re.search(r"^\s*-\s*-e \.\[([\w,]+)\]", env, re.M)
    assert installs, "environment.yml should install the project itself (-e .[...])"
    readme = (ROOT / "README.md").read_text()
    setup_extras = re.search(r'pip install -e "\.\[([\w,]+)\]"', readme).group(1).split(",")
    assert set(installs.group(1).split(",")) == set(setup_extras) - {"torch"}


def test_console_script_is_declared_and_runs():
    assert _project()["scripts"]["lstm-course"] == "lstm_lib.grading.cli:main"
    script = Path(sys.executable).with_name("lstm-course")
    if not script.exists():
        pytest.skip(f"the package is not installed in this environment ({script} missing): pip install -e .")
    out = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "grade" in out.stdout and "assign" in out.stdout


def test_license_and_gitignore():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {".venv/", "_build/", "node_modules/"} <= set(ignored)


def test_ci_fails_when_no_test_ran(tmp_path):
    """.ci/run exits with pytest's status; exit 5 (nothing collected) must be a failure, not a pass."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci and "LSTM_COURSE_TORCH:-torch==2.13.0" in ci
    # Run the tail of the script (from the test command on) with a "test command" that exits 5.
    tail = ci[ci.index("set +e") :]
    script = tmp_path / "tail.sh"
    script.write_text('set -euo pipefail\ntests="exit 5"\n' + tail)
    assert subprocess.run(["bash", str(script)], capture_output=True, timeout=60).returncode != 0
