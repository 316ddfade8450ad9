"""The shape of the source (issue 13): no module over the line limit, no import cycle, no domain
module importing views, api or forms. ``python scripts/shape.py`` prints the numbers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "shape.py"


def _shape():
    spec = importlib.util.spec_from_file_location("shape", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_module_is_over_the_limit():
    shape = _shape()
    lines = shape.line_counts(shape.modules())
    assert {name: n for name, n in lines.items() if n > shape.MAX_LINES} == {}


def test_no_import_cycles_and_no_domain_module_imports_pages_or_the_api():
    shape = _shape()
    found = shape.modules()
    eager, every = shape.imports(found)
    assert shape.cycles(eager) == []
    assert shape.layer_breaks(found, every) == []


def test_every_list_filter_set_serves_its_page_and_its_api():
    shape = _shape()
    found = shape.modules()
    assert shape.unshared_filters(found, shape.imports(found)[1]) == []


def test_the_cycle_finder_finds_a_cycle():
    shape = _shape()
    assert shape.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
