"""The pattern table is the one place an access pattern is registered: nothing else in
nvbench names a pattern or branches on one, and every row has its module."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import get_args

import pytest

from nvbench.patterns import table
from nvbench.scenario import schema

PACKAGE = Path(table.__file__).resolve().parents[1]
# "nat" also names a gateway function and a results table, so it is caught only where it is
# compared with a pattern; the other names mean nothing but their pattern.
ONLY_PATTERNS = set(table.NAMES) - {"nat"}


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _mentions_pattern(node: ast.AST) -> bool:
    return any(
        (isinstance(x, ast.Attribute) and x.attr == "pattern")
        or (isinstance(x, ast.Name) and x.id == "pattern")
        for x in ast.walk(node)
    )


def _strings(node: ast.AST) -> set[str]:
    return {
        x.value for x in ast.walk(node) if isinstance(x, ast.Constant) and isinstance(x.value, str)
    }


def pattern_mentions(path: Path) -> list[tuple[int, str]]:
    """(line, name) where ``path`` names a pattern outside the table: a string that is a
    pattern's name, or a pattern compared with a string."""
    tree = ast.parse(path.read_text())
    docs = _docstrings(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docs and node.value in ONLY_PATTERNS:
            out.append((node.lineno, node.value))
        if isinstance(node, ast.Compare) and _mentions_pattern(node):
            out += [(node.lineno, s) for s in _strings(node) & set(table.NAMES)]
    return out


def test_no_module_but_the_table_names_a_pattern():
    found = {
        str(p.relative_to(PACKAGE)): hits
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "table.py" and (hits := pattern_mentions(p))
    }
    assert found == {}


def test_the_check_sees_a_pattern_named_or_compared(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text('"""s2s in a docstring is fine."""\n'
                      'a = n.pattern == "nat"\n'
                      'b = {"mpls": 1}\n'
                      'c = pattern in ("remote_access", "x")\n')  # fmt: skip
    assert sorted(pattern_mentions(sample)) == [(2, "nat"), (3, "mpls"), (4, "remote_access"),
                                                (4, "remote_access")]  # fmt: skip


@pytest.mark.parametrize("name", table.NAMES)
def test_every_row_has_its_module(name):
    mod = table.module(name)
    for fn in ("far_end", "inbound", "standby", "own_addresses"):
        assert callable(getattr(mod, fn)), (name, fn)
    assert list(inspect.signature(mod.inbound).parameters) == ["edge", "n", "k", "t", "sizes"]
    assert "{vsid}" in mod.STARTER and "traffic = " in mod.STARTER  # what `nvbench init` writes


def test_the_schema_allows_exactly_the_table():
    assert get_args(schema.Pattern) == table.NAMES


def test_properties_are_consistent():
    from nvbench.model.functions import MODES

    for p in table.PATTERNS.values():
        assert p.function in MODES
        assert p.gateway in (table.MULTI_TENANT, table.FORWARDING)
        # A forwarding gateway serves one VM network and has no front end to share [S19].
        assert not (p.gateway == table.FORWARDING and p.public_ipv4 == table.SHARED_FRONT_END)
        assert not p.one_core or p.function == table.ESP
    assert table.named(gateway=table.FORWARDING) == ("mpls", "public_ip")
