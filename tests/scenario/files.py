"""The bad scenario files and the messages each must produce (its ``# expect:`` lines)."""

from __future__ import annotations

from pathlib import Path

BAD = sorted((Path(__file__).parent / "bad").glob("*.toml"))


def _expected(path: Path) -> list[str]:
    return [line.removeprefix("# expect: ").rstrip("\n") for line in path.open()
            if line.startswith("# expect: ")]  # fmt: skip
