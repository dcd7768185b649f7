"""The analysis's mesh rules, applied by `prepare` (issue 12: one set of rules).

The verdict at upload says a part fits a printer "turned" (a warning, still usable) or not at
all (an error). `prepare` must keep that word: it turns the part the way the analysis found it
fits (a rotation, never a mirror image) instead of refusing it as placed, and refuses a part
that fits no way with the analysis's own code. A slicer that makes nothing from a mesh the
analysis refused reports the analysis's errors (the cause a member can act on), keeping the
slicer's words as a technical detail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import trimesh

from slicing.analysis.mesh_facts import mesh_facts
from slicing.analysis.mesh_flow import DEFAULT_NOZZLE_MM
from slicing.analysis.mesh_issues import fit_issue, flat_issue, nozzle_issues, topology_issues
from slicing.analysis.orientation import fitting_orientations
from slicing.machine_spec import Machine
from slicing.toolpaths.program import PreparedProgram

NOTHING_MADE = {"slicer_failed", "nothing_to_print"}


def axes_rotation(axes: list[int]) -> np.ndarray:
    """The 4x4 rotation whose new axis i is old axis axes[i]; an odd permutation is a mirror, so
    one axis is reversed to make it a proper rotation (same box, not the part's mirror image)."""
    matrix = np.zeros((4, 4))
    for new, old in enumerate(axes):
        matrix[new, old] = 1.0
    matrix[3, 3] = 1.0
    if np.linalg.det(matrix[:3, :3]) < 0:
        matrix[0, :3] *= -1.0
    return matrix


def fit_on_machine(mesh: trimesh.Trimesh, machine: Machine) -> tuple[trimesh.Trimesh, list[dict[str, Any]]]:
    """The mesh as it will be printed, and the analysis's fit issue (error: it fits no way;
    warning: prepare turned it as the analysis said)."""
    extents = np.asarray(mesh.extents, dtype=float)
    issue = fit_issue(extents, machine)
    if issue is None or issue["severity"] == "error":
        return mesh, [issue] if issue else []
    area = (machine.work_area.x, machine.work_area.y, machine.work_area.z)
    turned = mesh.copy()
    turned.apply_transform(axes_rotation(fitting_orientations(extents, area)[0]["axes"]))
    return turned, [issue]


def explain_nothing_made(program: PreparedProgram, mesh: trimesh.Trimesh, machine: Machine) -> PreparedProgram:
    """When the slicer made nothing from a mesh the analysis refuses, the analysis's errors say
    why; the slicer's own failure stays, as information behind them."""
    if not any(i.get("code") in NOTHING_MADE and i["severity"] == "error" for i in program.issues):
        return program
    facts = mesh_facts(np.asarray(mesh.triangles, dtype=np.float64))
    nozzle = float(machine.process.get("nozzle_mm", DEFAULT_NOZZLE_MM))
    found = [*topology_issues(facts), flat_issue(facts), *nozzle_issues(facts, nozzle)]
    causes = [i for i in found if i and i["severity"] == "error"]
    if causes:
        for issue in program.issues:
            if issue.get("code") in NOTHING_MADE:
                issue["severity"] = "info"
        program.issues = causes + program.issues
    return program
