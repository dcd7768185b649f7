"""A validated inventory as plain attribute objects, for a process that only reads it.

Building the pydantic models of `slicing.machine_spec` costs ~0.3 s of imports and class
construction, more than a whole small analysis. `fablab analyze` reads the inventory only
(work areas, materials, process settings, prices), so it takes the models' dump (already
validated once, see `jobqueue.machines_plain`) wrapped in these views: the same attributes, the
same `process.get(...)` mapping (the values that are set, as `ProcessSettings`), the same
look-ups (`spec.machine(id)`, `machine.material(name)`). Nothing here validates.
"""

from __future__ import annotations

from typing import Any

# Fields whose value is a mapping of names to plain values (or to lists of them), not a model.
_MAPPINGS = frozenset({"groups", "colours", "layers"})


class View:
    """One model's fields as attributes; nested models are views, lists of models lists of views."""

    def __init__(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            setattr(self, key, _view(key, value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({vars(self)!r})"


class ProcessView(dict):
    """A machine's `process:` block: a read-only mapping of the values that are set (None left
    out, so the reader's own derivation applies), as `slicing.machine_process.ProcessSettings`."""


def material_of(machine: Any, name: str | None) -> Any:
    """The named material of a machine (model or view), or its first one (the process default)
    when name is None."""
    if name is None:
        return machine.materials[0]
    for m in machine.materials:
        if m.name == name:
            return m
    raise KeyError(f"machine '{machine.id}' has no material '{name}'")


def machine_of(spec: Any, machine_id: str) -> Any:
    """The machine of that id in an inventory (model or view)."""
    for m in spec.machines:
        if m.id == machine_id:
            return m
    raise KeyError(f"no machine '{machine_id}' in machines.yaml")


class MachineView(View):
    material = material_of


class SpecView(View):
    machine = machine_of

    def machines_of_kind(self, kind: str) -> list[MachineView]:
        return [m for m in self.machines if m.kind == kind]


def _view(key: str, value: Any) -> Any:
    if key == "process" and isinstance(value, dict):
        return ProcessView({k: v for k, v in value.items() if v is not None})
    if key == "machines" and isinstance(value, list) and value and isinstance(value[0], dict):
        return [MachineView(m) for m in value]
    if key in _MAPPINGS or key == "operations":
        return {k: View(v) if isinstance(v, dict) else v for k, v in value.items()} if value else {}
    if isinstance(value, dict):
        return View(value)
    if isinstance(value, list):
        return [View(v) if isinstance(v, dict) else v for v in value]
    return value


def spec_view(dump: dict[str, Any]) -> SpecView:
    """The views of `FablabSpec.model_dump(mode="json")`."""
    return SpecView(dump)
