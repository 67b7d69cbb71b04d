"""Load a scenario file: TOML -> schema (defaults filled) -> rules -> a frozen Scenario.

Every problem is collected and reported at once, each as ``key.path[i]: what is wrong``;
the caller (the CLI) prints them and exits with status 2. Loading reads only the file it
is given: never the command line, never the environment.
"""

from __future__ import annotations

import tomllib
import types
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError

from nvbench.scenario import rules
from nvbench.scenario.schema import Scenario

_UNION_TAGS = ("literal[", "int", "float", "str", "dict[", "list[", "function-")


class ScenarioError(ValueError):
    """A scenario that cannot be run; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(problems))


SHIPPED = Path(__file__).resolve().parents[1] / "scenarios"  # the scenarios nvbench ships


def shipped() -> list[str]:
    """The names of the shipped scenarios (``default``, ``hosting``, ...)."""
    return sorted(p.stem for p in SHIPPED.glob("*.toml"))


def resolve(path: str | Path) -> Path:
    """A scenario file: ``path`` if it exists, else the shipped scenario of that name
    (``hosting`` or ``hosting.toml``), so that the shipped ones can be named from anywhere."""
    p = Path(path)
    named = SHIPPED / (p.name if p.suffix == ".toml" else f"{p.name}.toml")
    if not p.exists() and p.parent == Path(".") and named.exists():
        return named
    return p


def load(path: str | Path) -> Scenario:
    """The scenario in TOML file ``path`` (or the shipped one of that name); ScenarioError
    lists everything wrong with it."""
    p = resolve(path)
    try:
        # utf-8-sig: a byte-order mark (Notepad, Windows PowerShell 5.1) is not TOML
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError as e:
        bare = p.parent == Path(".")  # a name: say which names there are
        names = f"; nor a shipped scenario of that name ({', '.join(shipped())})" if bare else ""
        raise ScenarioError(str(p), [f"cannot read the file: {e}{names}"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(str(p), [f"cannot read the file: {e}"]) from None
    return loads(text, str(p))


def loads(text: str, source: str = "<scenario>") -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(source, [f"not valid TOML: {e}"]) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise ScenarioError(source, ["not a scenario: values nested too deeply"]) from None
    return from_dict(data, source)


def from_dict(data: dict, source: str = "<scenario>") -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        raise ScenarioError(source, schema_problems(e)) from None
    broken = rules.check(scenario)
    if broken:
        raise ScenarioError(source, [f"{path}: {msg}" for path, msg in broken])
    return scenario


def schema_problems(e: ValidationError) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for err in e.errors():
        loc = [x for x in err["loc"] if not _is_union_tag(x)]
        path = key_path(loc)
        if path in seen:  # a union reports one error per alternative: keep the first
            continue
        seen.add(path)
        out.append(f"{path}: {_message(err, loc)}")
    return out


def _is_union_tag(x: object) -> bool:
    return isinstance(x, str) and x.startswith(_UNION_TAGS)


def key_path(loc: list) -> str:
    """('vm_networks', 2, 'subnets', 0, 'vsid') -> 'vm_networks[2].subnets[0].vsid'."""
    out = ""
    for x in loc:
        out += f"[{x}]" if isinstance(x, int) else (f".{x}" if out else str(x))
    return out or "(top level)"


def _message(err: typing.Any, loc: list) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(loc[:-1]))
        return f"unknown key {loc[-1]!r}; allowed here: {', '.join(allowed)}"
    if kind == "missing":
        return "this key is required"
    return f"{_shown(err.get('input'))} is not allowed: {err['msg'].removeprefix('Input ')}"


def _shown(value: object, limit: int = 80) -> str:
    """A value as a message shows it: its repr, cut to ``limit`` characters (a 50 MB name
    was echoed whole)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text):,} chars)"


def _fields_at(loc: list) -> set[str]:
    """The keys the model at ``loc`` accepts."""
    model: type[BaseModel] | None = Scenario
    for x in loc:
        if isinstance(x, int) or model is None:
            continue
        field = model.model_fields.get(x)
        model = _model_in(field.annotation) if field else None
    return set(model.model_fields) if model else set()


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    if isinstance(annotation, types.UnionType):
        return None
    return None
