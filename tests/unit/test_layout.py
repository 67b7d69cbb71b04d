"""The shape of the code that keeps it readable (issue: a home for each access pattern):
modules and classes of a readable size, and one meaning per class name."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nvbench"
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _classes(path: Path) -> list[ast.ClassDef]:
    return [n for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.ClassDef)]


def test_no_module_is_over_the_limit():
    long = {str(p.relative_to(PACKAGE)): n for p in _modules()
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}  # fmt: skip
    assert long == {}


def test_no_class_is_over_the_limit():
    long = {f"{p.name}:{c.name}": c.end_lineno - c.lineno + 1 for p in _modules()
            for c in _classes(p) if c.end_lineno - c.lineno + 1 > MAX_CLASS_LINES}  # fmt: skip
    assert long == {}


def test_no_two_classes_share_a_name():
    # A scenario's gateway and the simulated gateway VM, say, must not both be "GatewayVM".
    where = defaultdict(list)
    for p in _modules():
        for c in _classes(p):
            where[c.name].append(str(p.relative_to(PACKAGE)))
    assert {name: files for name, files in where.items() if len(files) > 1} == {}
