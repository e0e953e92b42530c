"""The explorers in the built book, offline in headless Chromium: they render from
the state embedded in the page, and their drawings change when a slider moves,
with no kernel behind the page, no error in it, and no sideways scrolling on a phone."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from test_book import _open_offline, browser, built_html, site  # noqa: F401  (fixtures)

from lstm_lib import explorers

# Widgets render after the page's "load" (RequireJS, then the embed manager, then
# anywidget imports the explorer's module): about 2 s here, far more on a loaded machine.
RENDER_TIMEOUT_MS = 30_000

EXPLORERS = {
    "gate": {
        "page": "book/02_gates_and_memory_cell.html",
        "module": explorers.GATE_MODULE,
        "sliders": ["forget f", "input i", "candidate g", "output o", "start c₀"],
        # the slider typed into, its new value, and the path it must change
        "type": ("forget f", "0.25", ".lstm-cell-state", "f = 0.25"),
        "drag": ("output o", ".lstm-hidden-state"),
    },
    "gradient-flow": {
        "page": "book/06_backpropagation_through_time.html",
        "module": explorers.FLOW_MODULE,
        "sliders": ["forget f", "spectral radius ρ"],
        "type": ("forget f", "0.90", ".lstm-cell-path", "f = 0.90"),
        "drag": ("spectral radius ρ", ".lstm-rnn"),
    },
}


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_built_page_embeds_the_current_explorer_and_serves_anywidget_itself(built_html, name):  # noqa: F811
    """The page holds the widget state, with the explorer's module as it is in lstm_lib
    now (a cached run of the chapter with an older module would fail here), and
    anywidget's front end is served by the site, from the package that ran the chapter."""
    html = (built_html / EXPLORERS[name]["page"]).read_text(encoding="utf-8")
    found = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', html, re.S)
    assert found, "the page embeds no widget state"
    models = json.loads(found.group(1))["state"].values()
    figures = [m["state"] for m in models if m["model_module"] == "anywidget"]
    assert len(figures) == 1, f"expected one explorer on the page, found {len(figures)}"
    assert figures[0]["_esm"] == explorers.esm_source(EXPLORERS[name]["module"]), (
        "the page embeds an older explorer: build again (build_book.sh runs the chapter again)"
    )
    assert sum(m["model_name"] == "LinkModel" for m in models) == len(EXPLORERS[name]["sliders"])
    anywidget_js = built_html / "widgets" / "anywidget.js"
    assert anywidget_js.exists() and 'define(["@jupyter-widgets/base"]' in anywidget_js.read_text(encoding="utf-8")
    assert "anywidget:" in (built_html / "widgets" / "require-config.js").read_text(encoding="utf-8")


def _slider(page, description: str):
    """The ipywidgets slider whose label is ``description``."""
    slider = page.locator(".widget-hslider").filter(has=page.locator(f"label:text-is('{description}')"))
    assert slider.count() == 1, f"expected one slider labelled {description!r}, found {slider.count()}"
    return slider


def _path(page, selector: str) -> str:
    return page.locator(f".lstm-explorer-svg path{selector}").get_attribute("d")


def _caption(page) -> str:
    return page.locator(".lstm-explorer-caption").inner_text()


def _type_value(page, description: str, value: str):
    """Set a slider through its readout, as a reader types a value and presses Enter."""
    readout = _slider(page, description).locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")


def _drag(page, description: str, fraction: float):
    """Drag a slider's handle to ``fraction`` of the length of its track, with the mouse."""
    slider = _slider(page, description)
    handle = slider.locator(".noUi-handle").bounding_box()
    track = slider.locator(".noUi-target").bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], track["y"] + track["height"] / 2, steps=8)
    page.mouse.up()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
@pytest.mark.parametrize("name", list(EXPLORERS))
def test_explorer_redraws_in_the_static_page_when_a_slider_moves(browser, site, name, width):  # noqa: F811
    explorer = EXPLORERS[name]
    context, page, off_site, errors = _open_offline(browser, f"{site}/{explorer['page']}", site, width)
    try:
        page.wait_for_selector(".lstm-explorer-svg path", timeout=RENDER_TIMEOUT_MS)
        labels = page.locator(".lstm-explorer .widget-hslider label").all_inner_texts()
        assert labels == explorer["sliders"]

        described, value, selector, shown = explorer["type"]
        before, caption = _path(page, selector), _caption(page)
        assert before and shown not in caption
        _type_value(page, described, value)
        page.wait_for_function(
            "([sel, before]) => document.querySelector('.lstm-explorer-svg path' + sel).getAttribute('d') !== before",
            arg=[selector, before],
            timeout=5_000,
        )
        assert shown in _caption(page), f"the caption does not show the new value: {_caption(page)!r}"
        assert _slider(page, described).locator(".widget-readout").inner_text().strip() == value

        dragged, selector = explorer["drag"]
        before = _path(page, selector)
        readout = _slider(page, dragged).locator(".widget-readout").inner_text()
        _drag(page, dragged, 0.95)
        page.wait_for_function(
            "([sel, before]) => document.querySelector('.lstm-explorer-svg path' + sel).getAttribute('d') !== before",
            arg=[selector, before],
            timeout=5_000,
        )
        assert _slider(page, dragged).locator(".widget-readout").inner_text() != readout

        # Fits the screen: no sideways scrolling, the figure no wider than the window and
        # never over the sliders, and on a phone below them.
        scroll, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner + 1, f"the page scrolls sideways: {scroll} px in {inner} px"
        box = page.locator(".lstm-explorer").bounding_box()
        figure = page.locator(".lstm-explorer-svg").bounding_box()
        sliders = page.locator(".lstm-explorer .widget-vbox").first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= inner + 1
        assert figure["x"] + figure["width"] <= inner + 1 and figure["width"] > 0.6 * min(inner, 640) - 80
        below = figure["y"] >= sliders["y"] + sliders["height"] - 1
        beside = figure["x"] >= sliders["x"] + sliders["width"] - 1
        assert below or beside, f"the figure overlaps the sliders: {figure} and {sliders}"
        if width < 500:
            assert below, "on a phone the figure goes below the sliders"

        shots = os.environ.get("LSTM_COURSE_SCREENSHOTS")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.locator(".lstm-explorer").screenshot(path=str(Path(shots) / f"explorer-{name}-{width}px.png"))
    finally:
        context.close()
    assert off_site == [], f"the page tried to reach other hosts: {off_site}"
    assert errors == [], f"errors in the page: {errors}"
