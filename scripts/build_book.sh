#!/usr/bin/env bash
# Build the book from a clean _build, with warnings as errors, so that a
# notebook that fails to execute fails the build.
#
#   bash scripts/build_book.sh            # clean build (what CI runs)
#   KEEP_CACHE=1 bash scripts/build_book.sh   # keep executed notebooks between builds
#
# Needs the Python environment of the README (jupyter-book, the course) and
# npm: the widget JavaScript is installed from the npm registry here, at build
# time, and served by the site itself (see html_extra_path in _config.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

# jupyter-book and python from the project's virtual environment when there is one.
if [[ -z "${VIRTUAL_ENV:-}" && -x .venv/bin/jupyter-book ]]; then
    export PATH="$PWD/.venv/bin:$PATH"
fi

start=$(date +%s)

# 1. Widget JavaScript, pinned in package-lock.json (from npm's cache when it has it).
command -v npm >/dev/null || {
    echo "build_book.sh: npm (Node.js 18 or newer) is needed to fetch the widget JavaScript" >&2
    exit 1
}
command -v jupyter-book >/dev/null || {
    echo "build_book.sh: jupyter-book not found: pip install -e \".[torch,book,learner,dev]\" first" >&2
    exit 1
}
npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error

# 2. A clean build folder (the execution cache goes with it unless KEEP_CACHE=1).
if [[ "${KEEP_CACHE:-0}" == 1 ]]; then
    rm -rf _build/html _build/jupyter_execute _build/.doctrees _build/widget_assets
    # The explorers (lstm_lib/explorers.py and its JavaScript) travel in the widget state of the
    # executed notebooks, and the cache knows only their code: when it changes, drop the
    # cached runs of the notebooks that draw an explorer, so that they run again.
    python - <<'PY'
import hashlib
import pathlib
import re

stamp = pathlib.Path("_build/.explorers-digest")
files = [pathlib.Path("lstm_lib/explorers.py"), *sorted(pathlib.Path("lstm_lib/explorers").glob("*"))]
digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()
cache_dir = pathlib.Path("_build/.jupyter_cache")
if cache_dir.exists() and (not stamp.exists() or stamp.read_text() != digest):
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_dir))
    for record in cache.list_cache_records():
        notebook = pathlib.Path(record.uri)
        if notebook.exists() and re.search(r"_explorer\(", notebook.read_text(encoding="utf-8")):
            print(f"build_book.sh: lstm_lib/explorers changed: {notebook.name} runs again")
            cache.remove_cache(record.pk)
stamp.parent.mkdir(exist_ok=True)
stamp.write_text(digest)
PY
else
    rm -rf _build
fi

# 3. Stage the widget assets that html_extra_path copies to <site>/widgets/:
#    RequireJS, its configuration, the ipywidgets embed manager and the fonts it
#    loads next to itself, and anywidget's front end (the explorers of
#    lstm_lib.explorers), copied from the installed Python package, so that its
#    version is the one that executed the notebooks.
assets=_build/widget_assets/widgets
mkdir -p "$assets"
cp node_modules/requirejs/require.js scripts/require-config.js "$assets/"
dist=node_modules/@jupyter-widgets/html-manager/dist
cp "$dist/embed-amd.js" "$assets/"
cp "$dist"/*.woff2 "$dist"/*.woff "$dist"/*.ttf "$dist"/*.eot "$dist"/*.svg "$assets/"
anywidget_js=$(python -c 'import anywidget, pathlib; print(pathlib.Path(anywidget.__file__).parent / "nbextension" / "index.js")')
[[ -f "$anywidget_js" ]] || {
    echo "build_book.sh: anywidget's front end not found at $anywidget_js: pip install 'anywidget>=0.9'" >&2
    exit 1
}
cp "$anywidget_js" "$assets/anywidget.js"

# 4. The book. -W: warnings are errors; -n: broken references too; --keep-going:
#    report them all before failing.
jupyter-book build . -W -n --keep-going

echo "Book built in $(( $(date +%s) - start )) s: open _build/html/index.html"
