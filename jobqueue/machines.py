"""The machine registry: `machines.yaml` loaded and validated, with errors that name the
machine and the field (`machines.yaml: machine 'laser-1': work_area.x must be > 0`)."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from jobqueue.machines_plain import REPO_MACHINES, default_path
from slicing.machine_process import PROCESS_MODELS
from slicing.machine_spec import FablabSpec, Machine

__all__ = ["REPO_MACHINES", "MachineConfigError", "default_path", "find_machine", "load_spec", "parse_spec",
           "registry"]


class MachineConfigError(ValueError):
    """machines.yaml is missing, not YAML, or does not describe a valid inventory."""


_PYDANTIC_PHRASES = {
    "greater_than": "must be > {gt}",
    "greater_than_equal": "must be >= {ge}",
    "less_than_equal": "must be <= {le}",
    "missing": "is required",
    "extra_forbidden": "is not a known field",
}


def _suggestion(loc: list, model_fields: dict[str, list[str]]) -> str:
    """' (did you mean infill_pct?)' for a misspelt process key."""
    if len(loc) >= 3 and loc[-3] == "process" and loc[-2] in model_fields:
        close = difflib.get_close_matches(str(loc[-1]), model_fields[loc[-2]], n=1)
        if close:
            return f" (did you mean {close[0]}?)"
    return ""


def _phrase(err: dict) -> str:
    template = _PYDANTIC_PHRASES.get(err["type"])
    if template:
        text = template.format(**(err.get("ctx") or {}))
        if err["type"] == "extra_forbidden":
            fields = {k: [f for f in m.model_fields if f != "kind"] for k, m in PROCESS_MODELS.items()}
            text += _suggestion(list(err["loc"]), fields)
        return text
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
    if len(loc) >= 2 and loc[0] == "process" and loc[1] in PROCESS_MODELS:
        loc = [loc[0], *loc[2:]]  # the per-kind model's tag is not part of the file
    field = ".".join(str(p) for p in loc)
    return f"{where}: {field} {_phrase(error)}" if field else f"{where}: {_phrase(error)}"


def parse_spec(text: str, label: str = "machines.yaml") -> FablabSpec:
    try:
        # libyaml's safe loader when built in: the pure-Python one costs ~50 ms of every command
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as fast_error:
        try:  # the pure-Python loader's message quotes the faulty line with a caret under it
            yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise MachineConfigError(f"{label}: not valid YAML: {exc}") from None
        raise MachineConfigError(f"{label}: not valid YAML: {fast_error}") from None
    if not isinstance(raw, dict):
        raise MachineConfigError(f"{label}: expected a mapping with a 'machines' list")
    try:
        return FablabSpec.model_validate(raw)
    except ValidationError as exc:
        lines = [_describe(e, raw, label) for e in exc.errors()]
        raise MachineConfigError("\n".join(lines)) from None


def load_spec(path: Path | str | None = None) -> FablabSpec:
    """The one loader: every command, worker, page, bench and test reads machines.yaml here."""
    path = Path(path) if path is not None else default_path()
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
