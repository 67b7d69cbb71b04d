"""Compilation rules kept by lint-like checks: numba flags live in nvbench/config.py only
(STYLE.md: a lint check rejects hard-coded ones), and packet bytes are indexed unsigned."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nvbench"


def test_no_module_hard_codes_numba_flags():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text()
        if re.search(r"\b(njit|numba\.jit|@jit|fastmath\s*=|boundscheck\s*=)", text):
            offenders.append(path.name)
    assert offenders == []


def test_every_kernel_module_uses_the_shared_decorator():
    for path in (PACKAGE / "fastpath").glob("*.py"):
        text = path.read_text()
        if "@kernel" in text:
            assert "from nvbench.config import kernel" in text, path.name


def _raw_packet_subscripts(path: Path) -> list[int]:
    """Lines where a packet row (``pkt``) is indexed other than through ``ix(...)``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            via_ix = isinstance(node.slice, ast.Call) and getattr(node.slice.func, "id", "") == "ix"
            if node.value.id == "pkt" and not via_ix:
                lines.append(node.lineno)
    return lines


def test_packet_bytes_are_indexed_unsigned():
    # A signed index costs a wraparound test per byte in compiled code (wire.py): the
    # header kernels lost a third of their speed to it. Bytes go through wire's helpers.
    paths = [*(PACKAGE / "fastpath").glob("*.py"), *(PACKAGE / "packet").glob("*.py")]
    offenders = {p.name: lines for p in paths if (lines := _raw_packet_subscripts(p))}
    assert offenders == {}


def test_the_check_sees_a_raw_index(tmp_path):
    sample = tmp_path / "k.py"
    sample.write_text("def f(pkt, p):\n    return pkt[p] + pkt[ix(p)]\n")
    assert _raw_packet_subscripts(sample) == [2]
