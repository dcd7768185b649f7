"""`prepare_program`: validated geometry + machine + material + options -> checked program.

This is what the `prepare` task calls after approval. Options override the machine's
`process` defaults key by key (`--set kerf_mm=0.15`). Whatever goes wrong comes back as
issues on the returned program (`ok` is False), never as an exception, so the job can be
shown with its explanation.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import trimesh

from gcode_reader import clear_cache, tokenize
from slicing.full_collections import collect_after_reading, full_collections_paused
from slicing.geometry import Drawing
from slicing.machine_spec import Machine, Material
from slicing.program_checks import check_program
from slicing.toolpaths.issues import cap_repeats, make_issue
from slicing.toolpaths.options import coerce_all, invalid_options
from slicing.toolpaths.program import PreparedProgram

__all__ = ["PreparedProgram", "prepare_program", "merged_options"]

log = logging.getLogger(__name__)

MESH_SUFFIXES = {".stl", ".obj", ".3mf", ".ply", ".off", ".glb"}


def merged_options(machine: Machine, options: dict[str, Any] | None) -> dict[str, Any]:
    """The machine's process defaults with the job's options on top (text values typed)."""
    return {**machine.process, **coerce_all(options)}


def _failed(code: str, fmt: str = "gcode", detail: str = "", **params: Any) -> PreparedProgram:
    """No program: one error issue (code + parameters; `detail` is technical text for the toggle)."""
    issue = make_issue(code, "error", None, **params)
    if detail:
        issue["detail"] = detail[:500]
    return PreparedProgram(lines=[], format=fmt, issues=[issue])


def _load(source: Path | str | Drawing | trimesh.Trimesh, machine: Machine) -> Drawing | trimesh.Trimesh:
    if isinstance(source, Drawing | trimesh.Trimesh):
        return source
    path = Path(source)
    from slicing.readers import read_drawing, read_mesh  # readers land in parallel; import late

    if machine.kind == "fdm" or path.suffix.lower() in MESH_SUFFIXES:
        return read_mesh(path)
    return read_drawing(path)


def _at_unit(geometry: Drawing | trimesh.Trimesh, scale: Any) -> Drawing | trimesh.Trimesh:
    """The unit chosen for the file (or the likeliest one), as the analysis used it (slicing.units)."""
    from slicing.units import scale_drawing

    scale = float(scale) if isinstance(scale, int | float) and not isinstance(scale, bool) and scale > 0 else None
    if isinstance(geometry, Drawing):
        return scale_drawing(geometry, scale)
    if scale is not None and scale != 1.0:
        geometry = geometry.copy()
        geometry.apply_scale(scale)
    return geometry


@full_collections_paused()
def prepare_program(
    source: Path | str | Drawing | trimesh.Trimesh,
    machine: Machine,
    material: str | None = None,
    options: dict[str, Any] | None = None,
) -> PreparedProgram:
    """The program for `machine`, with its checks, metrics and preview."""
    opts = merged_options(machine, options)
    fmt = "hpgl" if machine.kind == "vinyl" and str(opts.get("output", "gcode")) == "hpgl" else "gcode"
    try:
        mat = machine.material(material)
    except KeyError:
        names = ", ".join(m.name for m in machine.materials)
        return _failed("material_unknown", fmt, machine=machine.id, material=str(material), join=names,
                       variant="machine")
    try:
        geometry = _load(source, machine)
    except ImportError as exc:  # a deployment problem, not the user's file
        return _failed("reader_missing", fmt, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # UnreadableFile and anything a broken file provokes
        as_issue = getattr(exc, "as_issue", None)
        if callable(as_issue):  # the readers' own explanation, in both languages
            return PreparedProgram(lines=[], format=fmt, issues=[as_issue()])
        return _failed("unreadable_file", fmt, f"{type(exc).__name__}: {exc}", name=type(exc).__name__)
    if isinstance(geometry, Drawing) and geometry is not source:  # read here, from a file
        collect_after_reading(len(geometry.paths))
    invalid = invalid_options(machine.kind, opts)
    if invalid:
        return PreparedProgram(lines=[], format=fmt, issues=invalid)
    geometry = _at_unit(geometry, opts.get("scale"))
    try:
        program = _build(geometry, machine, mat, opts)
    except Exception as exc:  # a bug here must become a job issue, not a traceback for the user
        log.exception("prepare failed for machine %s", machine.id)
        return _failed("prepare_failed", fmt, f"{type(exc).__name__}: {exc}", name=type(exc).__name__)
    program.issues = cap_repeats(program.issues)
    program.metrics.setdefault("machine", machine.id)
    program.metrics.setdefault("material", mat.name)
    if program.lines:
        words = None  # the program read once: checks, preview, time model
        if program.format == "gcode":
            read = program.words  # the slicer's runner read it while it was written
            words = read if read is not None and read.n_lines == len(program.lines) else tokenize(program.lines)
        program.words = words
        if words is not None:  # the time model the prepare task stores, beside the checks and preview
            from slicing.motion import estimate_ahead

            estimate_ahead(program.lines, machine, words)
        program.issues.extend(check_program(program.lines, machine, program.format, opts, words=words))
        program.metrics["lines"] = len(program.lines)
        try:
            from slicing.previews_program import program_preview_svg

            program.preview_svg = program_preview_svg(program.lines, program.format, machine, words=words)
        except Exception:  # a preview is a nicety: never fail the job for it
            log.exception("preview failed for machine %s", machine.id)
        clear_cache()  # the line reader's cache (reasons of unreadable lines): free it
    elif not program.issues:
        program.issues.append(make_issue("empty_program", "error"))
    return program


def _wrong_input(kind: str, expected: str) -> PreparedProgram:
    return _failed("wrong_input_kind", process=kind, variant="mesh" if expected == "3D model" else "drawing")


def _build(geometry: Drawing | trimesh.Trimesh, machine: Machine, mat: Material, opts: dict[str, Any]) -> PreparedProgram:
    if machine.kind == "fdm":
        if not isinstance(geometry, trimesh.Trimesh):
            return _wrong_input("fdm", "3D model")
        from slicing.toolpaths.fdm.choose import fdm_program

        return fdm_program(geometry, machine, mat, opts)
    if not isinstance(geometry, Drawing):
        return _wrong_input(machine.kind, "2D drawing")
    from slicing.toolpaths.rules import fitted

    geometry, fit = fitted(geometry, machine, opts)  # the analysis's fit rule: too big, or turned
    if any(i["severity"] == "error" for i in fit):
        return PreparedProgram(lines=[], format="hpgl" if machine.kind == "vinyl" and opts.get("output") == "hpgl"
                               else "gcode", issues=fit)
    program = _build_2d(geometry, machine, mat, opts)
    program.issues[:0] = fit
    return program


def _build_2d(geometry: Drawing, machine: Machine, mat: Material, opts: dict[str, Any]) -> PreparedProgram:
    if machine.kind == "laser":
        from slicing.toolpaths.laser import laser_program

        return laser_program(geometry, machine, mat, opts)
    if machine.kind == "cnc":
        from slicing.toolpaths.cnc import cnc_program

        return cnc_program(geometry, machine, mat, opts)
    from slicing.toolpaths.vinyl import vinyl_program

    return vinyl_program(geometry, machine, mat, opts)
