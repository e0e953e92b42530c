"""One place holds the course's address (``repository:`` in _config.yml); everything follows it."""

from __future__ import annotations

import html as html_lib
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("repository", ROOT / "scripts" / "repository.py")
repository = importlib.util.module_from_spec(spec)
spec.loader.exec_module(repository)

# Example addresses: the docs' placeholders and this file's own test addresses.
PLACEHOLDERS = {
    "https://github.com/OWNER/NAME",
    "https://github.com/you/your-course",
    "https://github.com/someone/their-lstm",
    "https://github.com/old/fork",
}


def test_every_notebook_installs_the_course_from_the_configured_address():
    assert repository.stray() == {}
    url, branch = repository.read()
    assert url.startswith("https://github.com/") and branch


def test_no_other_file_names_a_repository_address():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    url, _ = repository.read()
    offenders = {}
    for name in tracked.stdout.split():
        path = ROOT / name
        if (
            path.suffix not in (".md", ".py", ".yml", ".yaml", ".toml", ".ipynb", ".sh", ".cfg", ".txt")
            or not path.is_file()
        ):
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".ipynb":
            text = repository.INSTALL.sub("", text)  # the install cells follow the address
        found = set(repository.ANY_URL.findall(text)) - PLACEHOLDERS
        if name == repository.CONFIG:
            found -= {url}
        if found:
            offenders[name] = sorted(found)
    assert offenders == {}, f"addresses outside _config.yml: {offenders}"


def _copy(tmp_path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "_config.yml", root)
    for folder in repository.NOTEBOOK_DIRS:
        (root / folder).mkdir()
        for nb in sorted((ROOT / folder).glob("*.ipynb"))[:2]:
            shutil.copy(nb, root / folder)
    return root


def test_set_moves_the_config_and_every_install_cell_and_check_agrees(tmp_path):
    root = _copy(tmp_path)
    changed = repository.set_address("https://github.com/someone/their-lstm", "spring", root)
    assert "_config.yml" in changed and len(changed) == 1 + len(repository.notebooks(root))
    assert repository.read(root) == ("https://github.com/someone/their-lstm", "spring")
    assert repository.stray(root) == {}
    text = next(iter(repository.notebooks(root))).read_text()
    assert 'git+https://github.com/someone/their-lstm\\"' in text
    import nbformat  # the notebooks stay valid

    for nb in repository.notebooks(root):
        nbformat.validate(nbformat.read(nb, as_version=4))


def test_check_names_a_notebook_that_installs_from_elsewhere(tmp_path, capsys):
    root = _copy(tmp_path)
    nb = repository.notebooks(root)[0]
    nb.write_text(repository.INSTALL.sub(lambda m: m.group(1) + "https://github.com/old/fork", nb.read_text()))
    assert repository.main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert nb.relative_to(root).as_posix() in err and "https://github.com/old/fork" in err


def test_set_refuses_an_address_that_is_not_a_github_repository(tmp_path):
    with pytest.raises(SystemExit, match="OWNER/NAME"):
        repository.set_address("git@github.com:a/b", None, _copy(tmp_path))


def test_the_built_exercise_pages_link_colab_and_binder_at_the_configured_address():
    page = ROOT / "_build" / "html" / "book" / "exercises" / "01_why_plain_rnns_forget.html"
    if not page.exists():
        pytest.skip("the book is not built")
    url, branch = repository.read()
    slug = url.removeprefix("https://github.com/")
    html = page.read_text()
    assert (
        f"https://colab.research.google.com/github/{slug}/blob/{branch}/exercises/01_why_plain_rnns_forget.ipynb"
        in html
    )
    assert (
        f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath=lab/tree/exercises/01_why_plain_rnns_forget.ipynb" in html
    )
    preface = html_lib.unescape(re.sub(r"<[^>]+>", "", (page.parents[1] / "preface.html").read_text()))
    assert f'pip install "lstm-course[torch] @ git+{url}"' in preface
