"""The book: sources stored clean, every page in the table of contents, chapters
shaped alike, and a built chapter that reads offline in a real browser."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
# Advanced chapters, after the core ones: no exercise notebook of their own.
ADVANCED = [BOOK / "fast_numpy_lstm.ipynb"]
NOTEBOOKS = sorted(
    [*BOOK.rglob("*.ipynb"), *(ROOT / "solutions").glob("*.ipynb"), *(ROOT / "exercises").glob("*.ipynb")]
)
REQUIRE_BROWSER = os.environ.get("LSTM_COURSE_REQUIRE_BROWSER") == "1"


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _yaml(name):
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with the book extra")
    return yaml.safe_load((ROOT / name).read_text())


def test_there_are_chapters_and_notebooks():
    assert len(CHAPTERS) >= 2
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        k for k, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert not dirty, f"{_rel(path)}: cells {dirty} have stored outputs; clear them before committing"
    assert "widgets" not in nb.metadata, f"{_rel(path)}: stored widget state; clear outputs"


def _toc_files(entries) -> list[str]:
    files = []
    for entry in entries or []:
        if "file" in entry:
            files.append(entry["file"])
        for key in ("parts", "chapters", "sections"):
            files += _toc_files(entry.get(key))
    return files


def test_toc_lists_every_page_of_the_book_and_nothing_else():
    toc = _yaml("_toc.yml")
    listed = [toc["root"], *_toc_files(toc.get("parts")), *_toc_files(toc.get("chapters"))]
    assert len(listed) == len(set(listed)), f"a page is listed twice: {listed}"
    pages = {
        _rel(p.with_suffix(""))
        for p in BOOK.rglob("*")
        if p.suffix in (".md", ".ipynb") and "_static" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }
    assert pages - set(listed) == set(), "pages missing from _toc.yml"
    missing = [f for f in listed if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists pages that do not exist: {missing}"
    chapters = [f for f in listed if re.fullmatch(r"book/\d\d_\w+", f)]
    assert chapters == sorted(chapters), "chapters are listed out of order"


def test_config_executes_strictly_and_serves_its_own_javascript():
    config = _yaml("_config.yml")
    assert config["only_build_toc_files"] is True
    for folder in (".venv", "venv", "_build", "node_modules", "exercises", "solutions"):
        assert folder in config["exclude_patterns"]
    execute = config["execute"]
    assert execute["execute_notebooks"] == "cache"
    assert execute["timeout"] >= 300
    assert not execute.get("allow_errors", False)
    sphinx = config["sphinx"]
    assert "sphinx-mathjax-offline" in sphinx["extra_extensions"]
    scripts = sphinx["config"]["nb_ipywidgets_js"]
    assert scripts and not [s for s in scripts if "://" in s], "widget JavaScript must not come from a CDN"
    assert config["launch_buttons"]["binderhub_url"] and config["launch_buttons"]["colab_url"]
    assert config["repository"]["url"].startswith("https://github.com/")
    assert "-W -n --keep-going" in (ROOT / "scripts" / "build_book.sh").read_text()


def _markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_goals_summary_and_an_exercise_with_its_solution(chapter):
    nb = nbformat.read(chapter, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "After this chapter you can" in nb.cells[0].source
    text = _markdown(chapter)
    assert "## Summary" in text
    page = BOOK / "exercises" / f"{chapter.stem}.md"
    assert f"(exercises/{page.name})" in text, f"{chapter.name} does not link to {_rel(page)}"
    download = f"../../exercises/{chapter.stem}.ipynb"
    assert download in page.read_text() and "{download}" in page.read_text()
    assert (ROOT / "exercises" / f"{chapter.stem}.ipynb").exists()
    assert (ROOT / "solutions" / f"{chapter.stem}.ipynb").exists()


def test_next_leads_from_each_chapter_to_its_exercise():
    """In the table of contents each chapter's exercise page is its first section: the book's "Next"."""
    entries = [e for part in _yaml("_toc.yml")["parts"] for e in part["chapters"]]
    for chapter in CHAPTERS:
        entry = next(e for e in entries if e["file"] == _rel(chapter.with_suffix("")))
        assert entry.get("sections", [{}])[0].get("file") == f"book/exercises/{chapter.stem}", entry


@pytest.mark.parametrize("chapter", ADVANCED, ids=lambda p: p.stem)
def test_advanced_chapter_has_goals_and_summary_and_comes_after_the_core_chapters(chapter):
    nb = nbformat.read(chapter, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and "After this chapter you can" in nb.cells[0].source
    assert "## Summary" in _markdown(chapter)
    toc = _yaml("_toc.yml")
    listed = _toc_files(toc.get("parts"))
    page = _rel(chapter.with_suffix(""))
    assert page in listed
    assert all(listed.index(page) > listed.index(_rel(c.with_suffix(""))) for c in CHAPTERS)


@pytest.mark.parametrize("chapter", [*CHAPTERS, *ADVANCED], ids=lambda p: p.stem)
def test_chapter_figures_label_their_axes(chapter):
    nb = nbformat.read(chapter, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "plt.subplots" in cell.source:
            labelled = "set_xlabel" in cell.source or "viz.plot_" in cell.source
            assert labelled, f"{chapter.name}, cell {cell.id}: a figure without axis labels"


# --- The built book ----------------------------------------------------------------


def _skip_or_fail(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (LSTM_COURSE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def built_html() -> Path:
    if not (HTML / "index.html").exists():
        _skip_or_fail("the book is not built: run `bash scripts/build_book.sh`")
    return HTML


def test_built_pages_load_no_script_from_another_host(built_html):
    pages = sorted(built_html.rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        remote = re.findall(r'<script[^>]*\ssrc="((?:https?:)?//[^"]+)"', html)
        assert not remote, f"{page.relative_to(built_html)} loads scripts from the network: {remote}"
    assert (built_html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (built_html / "widgets" / "embed-amd.js").exists()


@pytest.fixture(scope="module")
def site(built_html):
    """The built site over HTTP on 127.0.0.1 (widgets load with RequireJS, which needs HTTP)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(built_html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def find_chromium() -> str | None:
    """$LSTM_COURSE_CHROMIUM, else the first Chromium or Chrome on the PATH."""
    names = (os.environ.get("LSTM_COURSE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome")
    return next((found for name in names if name and (found := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        _skip_or_fail("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("playwright is not installed (the dev extra)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _open_offline(browser, url: str, site: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    off_site, errors = [], []

    def only_this_site(route):
        if route.request.url.startswith(site + "/"):
            route.continue_()
        else:
            off_site.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_site)
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda m: errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.goto(url, wait_until="load")
    return context, page, off_site, errors


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_built_chapter_shows_typeset_math_and_widgets_offline(browser, site, width, tmp_path):
    chapter = "book/02_gates_and_memory_cell.html"
    context, page, off_site, errors = _open_offline(browser, f"{site}/{chapter}", site, width)
    try:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
        math = page.evaluate("""() => {
            const all = [...document.querySelectorAll('article .math')];
            return {total: all.length,
                    typeset: all.filter(e => e.querySelector('mjx-container')).length};
        }""")
        assert math["total"] > 10
        assert math["typeset"] == math["total"], f"math left untypeset: {math}"
        text = page.inner_text("article")
        assert "$$" not in text and "\\(" not in text and "\\begin{" not in text

        # The gate explorer: its five sliders and the SVG its front end draws in the page
        # (tests/test_book_explorers.py moves the sliders).
        page.wait_for_selector(".lstm-explorer .widget-hslider", timeout=30_000)
        assert page.locator(".lstm-explorer .widget-hslider").count() == 5
        page.wait_for_selector(".lstm-explorer-svg path.lstm-cell-state", timeout=30_000)
        # The static figures, which read without JavaScript too.
        images = page.evaluate("""() => [...document.querySelectorAll('article .cell_output img')]
                                        .map(i => i.complete && i.naturalWidth > 0)""")
        assert len(images) >= 3 and all(images), f"figures that did not load: {images}"

        shots = os.environ.get("LSTM_COURSE_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"chapter01-{width}px.png"), full_page=True)
    finally:
        context.close()
    assert off_site == [], f"the page tried to reach other hosts: {off_site}"
    assert errors == [], f"errors in the page: {errors}"


def _toc_pages() -> list[str]:
    toc = _yaml("_toc.yml")
    return [toc["root"], *_toc_files(toc.get("parts")), *_toc_files(toc.get("chapters"))]


# Wider than the viewport by this much is a page that scrolls sideways (1 px of rounding).
SIDEWAYS_SLACK_PX = 1


@pytest.mark.browser
def test_every_page_opens_offline_without_errors_and_fits_a_phone(browser, site):
    """Every page of the table of contents, at 390 px with every other host cut off:
    no page or console error, no request that had to be blocked, and nothing wider than
    the screen (code cells and tables scroll inside their own box)."""
    problems = {}
    for name in _toc_pages():
        context, page, off_site, errors = _open_offline(browser, f"{site}/{name}.html", site, 390)
        try:
            page.wait_for_timeout(300)  # scripts that run after load (the theme, MathJax's start)
            width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            wide = page.evaluate("""() => [...document.querySelectorAll('article *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.closest('pre, .highlight, .table-wrapper, .cell_output, mjx-container, .MathJax'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className)""")
            # What a cell prints wraps inside its box on a phone: nothing hidden past its edge.
            hidden = page.evaluate("""() => [...document.querySelectorAll('.cell_output pre')]
                .filter(p => p.scrollWidth > p.clientWidth + 1)
                .map(p => p.textContent.trim().split('\\n')[0].slice(0, 60))""")
        finally:
            context.close()
        found = [*errors, *(f"blocked: {u}" for u in off_site)]
        if width[0] > width[1] + SIDEWAYS_SLACK_PX:
            found.append(f"scrolls sideways: {width[0]} px of content in {width[1]} px ({wide})")
        if hidden:
            found.append(f"printed output cut off at the right edge: {hidden[:3]}")
        if found:
            problems[name] = found
    assert problems == {}, f"pages with problems: {problems}"
