"""A small Sphinx extension for the course's site: fixes, at their source, what the
theme's defaults leave in every page's console.

- sphinx-thebe registers its configuration script once per reading of the
  sources, so a page can carry it twice, and the second ``const THEBE_JS_URL``
  throws "Identifier 'THEBE_JS_URL' has already been declared". Every page's
  scripts are made unique here.
- pydata-sphinx-theme starts from ``default_mode``; left unset it is empty,
  and the theme logs "Got invalid theme mode". The course's pages are drawn
  (figures, diagrams, colours) for the light mode, which is set here.
"""

from __future__ import annotations

DEFAULT_MODE = "light"


def _set_default_mode(app, config):
    # pydata-sphinx-theme reads it from the template context, not from the theme's options.
    context = dict(config.html_context or {})
    context.setdefault("default_mode", DEFAULT_MODE)
    config.html_context = context


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        attributes = getattr(js, "attributes", {}) or {}
        # An inline script's filename is None or "" depending on who added it.
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    scripts[:] = unique


def setup(app):
    app.connect("config-inited", _set_default_mode)
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
