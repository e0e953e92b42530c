"""A class of 20 generated notebooks through `lstm-course grade --jobs 2`: no row is lost.

The small version of benchmarks/bench_grading.py (which grades 300 and reports
the speed): correct, partly wrong, blank, broken and hostile notebooks made
from solutions/ and exercises/, graded in one batch by the real command.
"""

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "bench_grading.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_grading", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    bench = _bench()
    base = tmp_path_factory.mktemp("class")
    folder, out = base / "submissions", base / "graded"
    manifest = bench.make_class(folder, 20, seed=3, escape_dir=base)
    seconds, proc = bench.grade_class(folder, out, jobs=2, timeout=3)
    return bench, folder, out, base, manifest, proc


def test_the_generated_class_has_every_kind():
    bench = _bench()
    sizes = bench.class_sizes(20)
    assert sum(sizes.values()) == 20 and all(sizes[k] >= 2 for k in bench.KINDS)
    assert sizes["blank"] == sizes["broken"] == sizes["hostile"] == 2
    big = bench.class_sizes(300)
    assert big["hostile"] == big["broken"] == big["blank"] == 30 and sum(big.values()) == 300


def test_class_of_20_is_graded_with_no_row_lost(graded_class):
    bench, folder, out, base, manifest, proc = graded_class
    assert proc.returncode == 0, proc.stderr
    assert len(list(folder.glob("*.ipynb"))) == len(manifest) == 20
    problems, _, rows = bench.check_class(folder, out, manifest, base)
    assert problems == []
    assert set(rows) == set(manifest), "every notebook has its row in grades.csv"
    statuses = Counter(rows[name]["status"] for name, (kind, _) in manifest.items() if kind == "broken")
    assert statuses == {"unreadable": 2}
