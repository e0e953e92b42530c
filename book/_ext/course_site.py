"""A small Sphinx extension for the course's site: fixes, at their source, what the
theme's defaults leave in every page's console.

- sphinx-thebe registers its configuration script once per reading of the
  sources, so a page can carry it twice, and the second ``const THEBE_JS_URL``
  throws "Identifier 'THEBE_JS_URL' has already been declared". Every page's
  scripts are made unique here.
- pydata-sphinx-theme starts from ``default_mode``; left unset it is empty,
  and the theme logs "Got invalid theme mode". The course's pages are drawn
  (figures, diagrams, colours) for the light mode, which is set here.

And it reads the one place that holds the course's address, ``repository:``
in ``_config.yml`` (``url``, ``branch``), for what the pages link to:

- the roles ``{colab}`path``` and ``{binder}`path``` link a file of the
  repository (an exercise notebook) in Colab or in Binder, with the services
  of ``launch_buttons:``; ``{repo}`path``` links a file's source on GitHub;
- the substitution ``{{ install_command }}`` is the pip command that installs
  the course from it.
"""

from __future__ import annotations

import re

from docutils import nodes

DEFAULT_MODE = "light"


def repository(config) -> tuple[str, str, str]:
    """(owner/name, branch, url) of the course's repository, from ``_config.yml``."""
    options = config.html_theme_options or {}
    url = str(options.get("repository_url") or "").rstrip("/")
    found = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?", url)
    if not found:
        raise ValueError(f"_config.yml: repository.url must be https://github.com/OWNER/NAME, got {url!r}")
    return found.group(1), str(options.get("repository_branch") or "main"), url


def _launch(config, service: str) -> str:
    launch = (config.html_theme_options or {}).get("launch_buttons", {}) or {}
    default = {"colab_url": "https://colab.research.google.com", "binderhub_url": "https://mybinder.org"}
    return str(launch.get(service) or default[service]).rstrip("/")


def _link_role(service: str, text: str):
    def role(name, rawtext, path, lineno, inliner, options=None, content=None):
        config = inliner.document.settings.env.config
        slug, branch, _ = repository(config)
        path = path.strip().lstrip("/")
        if service == "repo":
            url = f"https://github.com/{slug}/blob/{branch}/{path}"
            return [nodes.reference(rawtext, "", nodes.literal(path, path), refuri=url)], []
        base = _launch(config, service)
        url = (
            f"{base}/github/{slug}/blob/{branch}/{path}"
            if service == "colab_url"
            else f"{base}/v2/gh/{slug}/{branch}?urlpath=lab/tree/{path}"
        )
        return [nodes.reference(rawtext, text, refuri=url)], []

    return role


def install_command(config) -> str:
    return f'pip install "lstm-course[torch] @ git+{repository(config)[2]}"'


def _substitutions(app, config):
    subs = dict(config.myst_substitutions or {})
    subs.setdefault("install_command", f"`{install_command(config)}`")
    config.myst_substitutions = subs


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
    app.add_role("colab", _link_role("colab_url", "in Colab"))
    app.add_role("binder", _link_role("binderhub_url", "in Binder"))
    app.add_role("repo", _link_role("repo", ""))
    app.connect("config-inited", _substitutions)
    app.connect("config-inited", _set_default_mode)
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
