"""Which slicer prepares an FDM job: `process["slicer"]` auto | builtin | prusaslicer.

auto uses PrusaSlicer when its command line is installed and falls back to the built-in
slicer otherwise (with an info issue saying so), and also when PrusaSlicer refuses a model the
built-in slicer can slice (an info issue keeps PrusaSlicer's reason); prusaslicer insists and
reports an error when it is missing or refuses.
"""

from __future__ import annotations

from typing import Any

import trimesh

from slicing.machine_spec import Machine, Material
from slicing.prusaslicer_exe import prusaslicer_path
from slicing.toolpaths.fdm.builtin import builtin_program, mesh_issues, size_issue, sound_mesh
from slicing.toolpaths.fdm.fit import explain_nothing_made, fit_on_machine
from slicing.toolpaths.fdm.prusaslicer import prusaslicer_program
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.program import PreparedProgram


def fdm_program(mesh: trimesh.Trimesh, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    """The program, with the analysis's rules first (fit.py): turned as the analysis found it
    fits, refused with its code when it fits no way, its errors named when nothing was made."""
    placed, fit = fit_on_machine(mesh, machine)
    if any(i["severity"] == "error" for i in fit):
        return PreparedProgram(lines=[], format="gcode", issues=fit)
    program = _sliced(placed, machine, material, options)
    program.issues = fit + program.issues
    return explain_nothing_made(program, placed, machine)


def _sliced(mesh: trimesh.Trimesh, machine: Machine, material: Material, options: dict[str, Any]) -> PreparedProgram:
    choice = str(options.get("slicer", "auto"))
    exe = prusaslicer_path()
    if choice == "builtin" or (choice == "auto" and exe is None):
        program = builtin_program(mesh, machine, material, options)
        if choice == "auto":
            program.issues.append(make_issue("builtin_slicer_used", "info"))
        return program
    if exe is None:
        return PreparedProgram(lines=[], format="gcode", issues=[make_issue("slicer_missing", "error")])
    too_big = size_issue(mesh, machine)
    if too_big or not sound_mesh(mesh):  # refused before any export: the same verdict as ever
        return PreparedProgram(lines=[], format="gcode", issues=mesh_issues(mesh) + too_big)
    refused: list[dict[str, Any]] = []  # the mesh checks' issues (not watertight: ~60 ms at 80k faces,
    # 200 ms at 330k), found while PrusaSlicer slices; an error among them stops it
    program = prusaslicer_program(mesh, machine, material, options, exe, lambda: _checked(refused, mesh))
    program.issues = refused + program.issues
    if choice == "auto" and not program.lines and _slicer_refused(program):
        # PrusaSlicer refuses some meshes it could print (edges shared by more than two faces:
        # "no extrusions in the first layer"): the built-in slicer takes them, and says so.
        builtin = builtin_program(mesh, machine, material, options)
        if builtin.lines and not any(i["severity"] == "error" for i in builtin.issues):
            reason = next(i for i in program.issues if i.get("code") == "slicer_failed")
            used = make_issue("prusaslicer_refused_builtin_used", "info", {})
            used["detail"] = reason.get("detail", "")  # PrusaSlicer's own words, behind the toggle
            builtin.issues = refused + builtin.issues + [used]
            builtin.metrics["prusaslicer_refused"] = True
            return builtin
    return program


def _checked(found: list[dict[str, Any]], mesh: trimesh.Trimesh) -> list[dict[str, Any]]:
    found[:] = mesh_issues(mesh)
    return found


def _slicer_refused(program: PreparedProgram) -> bool:
    """PrusaSlicer ran and refused the model (not a timeout: the built-in would be slower still)."""
    return any(i.get("code") == "slicer_failed" and (i.get("params") or {}).get("variant") != "timeout"
               for i in program.issues)
