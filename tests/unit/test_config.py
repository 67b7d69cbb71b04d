"""Numba flags live in nvbench/config.py only (STYLE.md: a lint check rejects hard-coded ones)."""

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
