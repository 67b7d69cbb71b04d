"""Numba compilation flags, in one place.

Kernels are declared with :func:`kernel` instead of ``numba.njit(...)`` so that no
module hard-codes a flag (a test checks this). ``NUMBA_BOUNDSCHECK=1`` and
``NUMBA_DISABLE_JIT=1`` still apply: numba reads them itself.

numba's on-disk cache is keyed on each function's own source file: it does not notice
a change in a kernel it inlines, nor in these flags. After editing a kernel, delete the
``__pycache__`` folders under ``nvbench/`` (or point ``NUMBA_CACHE_DIR`` elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numba

# cache=True: a second process loads compiled kernels from disk instead of recompiling.
# fastmath stays off: the kernels are integer code and must match their twins bit for bit.
# inline="always": numba inlines every kernel into its callers at IR level. Measured on
# the header helpers, an njit-to-njit call that is not inlined costs ~6 ns, more than
# the work of most helpers (reading two bytes, say).
# _nrt=False: no numba runtime. The kernels never allocate, and without this every array
# taken from a state tuple or passed to an inlined helper costs an atomic reference-count
# pair: measured, it cut NAT translation from 21 to 3.7 Mpps. (A private numba option;
# the whole test suite runs with it.)
JIT_OPTIONS: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "fastmath": False,
    "inline": "always",
    "_nrt": False,
}


def kernel(fn: Any) -> Any:
    """Compile ``fn`` with nvbench's numba flags."""
    return numba.njit(**JIT_OPTIONS)(fn)


def kernels_cached() -> bool:
    """Whether numba's on-disk cache holds compiled kernels (or nothing is compiled at all):
    False on a first run, which spends a minute or two compiling. The cache sits beside the
    sources (``__pycache__``) or in ``NUMBA_CACHE_DIR``."""
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return True
    where = os.environ.get("NUMBA_CACHE_DIR")
    roots = [Path(where)] if where else [Path(__file__).resolve().parent / "fastpath"]
    return any(any(r.rglob("*.nbi")) for r in roots if r.exists())
