"""The machine registry: `machines.yaml` loaded and validated, with errors that name the
machine and the field (`machines.yaml: machine 'laser-1': work_area.x must be > 0`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from slicing.machine_spec import FablabSpec, Machine


class MachineConfigError(ValueError):
    """machines.yaml is missing, not YAML, or does not describe a valid inventory."""


_PYDANTIC_PHRASES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
}


def _phrase(err: dict) -> str:
    template = _PYDANTIC_PHRASES.get(err["type"])
    if template:
        return template.format(**(err.get("ctx") or {}))
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _describe(error: dict, raw: dict, label: str) -> str:
    loc = list(error["loc"])
    where = label
    if len(loc) >= 2 and loc[0] == "machines" and isinstance(loc[1], int):
        idx = loc[1]
        machines = raw.get("machines") if isinstance(raw, dict) else None
        mid = None
        if isinstance(machines, list) and idx < len(machines) and isinstance(machines[idx], dict):
            mid = machines[idx].get("id")
        where += f": machine '{mid}'" if mid else f": machine #{idx + 1}"
        loc = loc[2:]
    field = ".".join(str(p) for p in loc)
    return f"{where}: {field} {_phrase(error)}" if field else f"{where}: {_phrase(error)}"


def parse_spec(text: str, label: str = "machines.yaml") -> FablabSpec:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MachineConfigError(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise MachineConfigError(f"{label}: expected a mapping with a 'machines' list")
    try:
        return FablabSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(e, raw, label) for e in exc.errors()]
        raise MachineConfigError("\n".join(lines)) from None


def load_spec(path: Path) -> FablabSpec:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MachineConfigError(f"{Path(path).name}: cannot read: {exc.strerror}") from None
    return parse_spec(text, Path(path).name)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> FablabSpec:
    return load_spec(Path(path))


def registry(path: Path) -> FablabSpec:
    """The inventory, re-read when the file changes (the fabmanager edits it live)."""
    p = Path(path)
    return _cached(str(p), p.stat().st_mtime if p.exists() else 0.0)


def find_machine(spec: FablabSpec, machine_id: str) -> Machine:
    try:
        return spec.machine(machine_id)
    except KeyError as exc:
        raise MachineConfigError(str(exc.args[0])) from None
