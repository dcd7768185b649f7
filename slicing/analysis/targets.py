"""Which machines and materials an analysis is for: the user's process, machine or material."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slicing.toolpaths.issues import make_issue

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import FablabSpec, Machine

MESH_KINDS = ("fdm",)
DRAWING_KINDS = ("laser", "cnc", "vinyl")


@dataclass
class Targets:
    kind: str  # the process the figures are for
    machines: list[Machine]  # compatible machines (one when a machine was chosen)
    material: str | None
    chosen: bool  # the user named a machine: fit problems are errors for it

    def main_machine(self) -> Machine | None:
        return self.machines[0] if self.machines else None


def choose_targets(spec: FablabSpec, geometry: str, process: str | None, machine_id: str | None,
                   material: str | None) -> tuple[Targets | None, list[dict]]:
    issues: list[dict] = []
    allowed = MESH_KINDS if geometry == "mesh" else DRAWING_KINDS
    machines: list[Machine] = []
    if machine_id:
        try:
            machines = [spec.machine(machine_id)]
            process = machines[0].kind
        except KeyError:
            known = ", ".join(m.id for m in spec.machines)
            issues.append(make_issue("machine_unknown", "warning", None, machine_id=machine_id, known=known))
    if process and process not in allowed and geometry in ("mesh", "drawing"):
        issues.append(make_issue("wrong_process", "error", None, process=process, variant=geometry))
        return None, issues
    if not machines:
        kinds = [process] if process else list(allowed)
        machines = [m for m in spec.machines if m.kind in kinds]
    if not machines:
        return Targets(process or allowed[0], [], material, False), issues
    kind = process or machines[0].kind
    if material is not None:
        with_it = [m for m in machines if any(x.name == material for x in m.materials)]
        if with_it:
            machines = with_it
        else:
            names = sorted({x.name for m in machines for x in m.materials})
            issues.append(make_issue(
                "material_unknown",
                "warning",
                None,
                material=material,
                join=', '.join(names),
            ))
            material = None
    return Targets(kind, machines, material, bool(machine_id) and len(machines) == 1), issues
