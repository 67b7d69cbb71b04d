"""nvbench: a discrete-event performance testbed for HNV (NVGRE) tenant networks."""

from typing import Any

from nvbench.version import __version__

__all__ = ["simulate", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `nvbench --version` and the CLI's parser do not load numba.
    if name == "simulate":
        from nvbench.api import simulate

        return simulate
    raise AttributeError(f"module 'nvbench' has no attribute {name!r}")
