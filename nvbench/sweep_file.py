"""The sweep file format (``nvbench schema --sweep``) and the key paths it names.

A key path points into a scenario document: ``vm_networks[2].traffic[0].rate_pps``; a sweep
changes values only, it adds no keys.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, model_validator

from nvbench.scenario.schema import Model

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


class Axis(Model):
    """One swept key of the scenario and its values."""

    path: Annotated[str, Field(min_length=1, description="a key path into the scenario, "
                               "e.g. vm_networks[2].traffic[0].rate_pps")]  # fmt: skip
    values: Annotated[list[Any], Field(min_length=1, description="the values it takes, each "
                                       "valid where the scenario's own would be")]  # fmt: skip


class RandomAxis(Model):
    """A swept key whose values are drawn at random (``samples`` of them)."""

    path: Annotated[str, Field(min_length=1, description="a key path into the scenario")]
    low: Annotated[float, Field(description="the smallest value drawn")]
    high: Annotated[float, Field(description="the largest value drawn")]
    log: Annotated[bool, Field(description="draw uniformly on a log scale")] = False
    integer: Annotated[bool, Field(description="round to an integer")] = False


class SweepFile(Model):
    """A sweep file (TOML): a base scenario, the keys to vary and how, replications."""

    scenario: Annotated[str, Field(min_length=1, description="a scenario file beside the "
                                   "sweep file, or a shipped scenario's name")]  # fmt: skip
    replications: Annotated[int, Field(ge=1, le=10_000, description="runs of each point, "
                                       "each with its own seed")] = 1  # fmt: skip
    seed: Annotated[int, Field(ge=0, description="the sweep's SeedSequence entropy; each run "
                               "gets a child of it")] = 0  # fmt: skip
    duration_s: Annotated[float | None, Field(gt=0, description="simulated seconds of every "
                                              "run (default: the scenario's)")] = None  # fmt: skip
    grid: Annotated[list[Axis], Field(description="every combination of these axes' values")] = []
    zip: Annotated[list[Axis], Field(description="these axes advance together (equal "
                                     "lengths), times the grid")] = []  # fmt: skip
    random: Annotated[list[RandomAxis], Field(description="axes drawn at random, samples "
                                              "times, times the grid and zip")] = []  # fmt: skip
    samples: Annotated[int, Field(ge=0, le=100_000, description="how many random draws "
                                  "(with random axes)")] = 0  # fmt: skip

    @model_validator(mode="after")
    def _zip_lengths(self) -> SweepFile:
        lengths = {len(a.values) for a in self.zip}
        if len(lengths) > 1:
            raise ValueError(f"the zip axes must have equal lengths, got {sorted(lengths)}")
        if bool(self.random) != bool(self.samples):
            raise ValueError("random axes and samples >= 1 go together (samples draws them)")
        return self


def parse_path(path: str) -> list[str | int]:
    """'vm_networks[2].traffic[0].rate_pps' -> ['vm_networks', 2, 'traffic', 0, 'rate_pps']."""
    out: list[str | int] = []
    for part in path.split("."):
        tokens = list(_TOKEN.finditer(part))
        if not tokens or "".join(t.group(0) for t in tokens) != part:
            raise ValueError(f"{path!r} is not a key path like vm_networks[2].traffic[0].rate_pps")
        for t in tokens:
            out.append(t.group(1) if t.group(1) else int(t.group(2)))
    return out


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in ``doc``; KeyError if the path is not there already."""
    keys = parse_path(path)
    node: Any = doc
    for k in keys[:-1]:
        node = _step(node, k, path)
    last = keys[-1]
    _step(node, last, path)  # it must exist: a sweep changes values, it adds no keys
    node[last] = value


def _step(node: Any, k: str | int, path: str) -> Any:
    if isinstance(k, int):
        if not isinstance(node, list) or not 0 <= k < len(node):
            raise KeyError(f"{path!r}: index [{k}] is not in the scenario")
        return node[k]
    if not isinstance(node, dict) or k not in node:
        raise KeyError(f"{path!r}: {k!r} is not a key of the scenario there")
    return node[k]
