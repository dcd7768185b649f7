"""FDM programs: the built-in slicer's plastic matches its geometry; PrusaSlicer's output
goes through the same checks; the program carries layers, progress and temperatures."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import trimesh
from program_reader import moves
from shapely.geometry import Polygon, box

from gcode_reader import tokenize
from jobqueue.cli.words import issue_text
from slicing.prepare import prepare_program
from slicing.toolpaths.fdm import choose

FILAMENT_AREA = np.pi * (1.75 / 2) ** 2
needs_prusaslicer = pytest.mark.skipif(shutil.which("prusa-slicer") is None,
                                       reason="prusa-slicer is not installed (apt-get install prusa-slicer)")


def extruded_by_type(lines: list[str]) -> dict[str, float]:
    """Filament volume (mm3) per ;TYPE: section, read from the program's E values."""
    type_at, current = [], ""
    for line in lines:
        if line.startswith(";TYPE:"):
            current = line[6:]
        type_at.append(current)
    out: dict[str, float] = {}
    for m in moves(lines):
        if m.extrude > 0 and m.start[:2] != m.end[:2]:
            out[type_at[m.line]] = out.get(type_at[m.line], 0.0) + m.extrude * FILAMENT_AREA
    return out


def regular(r: float, n: int) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return Polygon(np.column_stack([r * np.cos(t), r * np.sin(t)]))


def expected_volume(region: Polygon, layers: int, h=0.2, w=0.45, perimeters=2, infill=0.2, bottom=3, top=4) -> float:
    """Plastic a prismatic part of cross-section `region` needs: perimeter rings, solid
    floors and roofs, sparse infill whose lines are linked along the infill area's outline as
    PrusaSlicer links them (every other gap between line ends on each side: half the outline,
    one bead wide) (computed here, not by the slicer's code)."""
    inside = region.buffer(-perimeters * w, join_style="mitre")
    area, core = region.area, inside.area
    solid_layers = bottom + top
    links = inside.length / 2 * (w - h * (1 - np.pi / 4))
    sparse = core * infill + links
    return h * (layers * (area - core) + solid_layers * core + (layers - solid_layers) * sparse)


@pytest.mark.parametrize(
    "mesh,region",
    [
        (trimesh.creation.box((20, 20, 20)), box(0, 0, 20, 20)),
        (trimesh.creation.annulus(r_min=6, r_max=15, height=10, sections=96), regular(15, 96).difference(regular(6, 96))),
    ],
    ids=["cube", "tube"],
)
def test_builtin_extrusion_matches_perimeter_and_infill_volume(spec, mesh, region):
    program = prepare_program(mesh, spec.machine("ender-3"))
    assert program.ok, program.issues
    layers = program.metrics["layers"]
    assert layers == round(mesh.extents[2] / 0.2)
    by_type = extruded_by_type(program.lines)
    printed = sum(v for k, v in by_type.items() if k != "SKIRT")
    assert printed == pytest.approx(expected_volume(region, layers), rel=0.05)


def test_builtin_program_contract(spec):
    program = prepare_program(trimesh.creation.box((20, 20, 4)), spec.machine("prusa-mk3"), options={"slicer": "builtin"})
    lines = program.lines
    assert program.ok, program.issues
    assert [line for line in lines if line.startswith(";LAYER:")] == [f";LAYER:{i}" for i in range(20)]
    progress = [int(line.split()[1][1:]) for line in lines if line.startswith("M73 P")]
    assert progress[0] == 0 and progress[-1] == 100 and progress == sorted(progress)
    assert lines.index("M104 S215") < lines.index("M109 S215") < lines.index(";LAYER:0") < lines.index("M104 S210")
    assert "M190 S60" in lines and "M83" in lines
    assert any(line.startswith("G1 E-0.8") for line in lines)  # retraction before long travel
    first_layer_feeds = {m.feed for m in moves(lines) if m.layer == 0 and m.extrude > 0 and m.start[:2] != m.end[:2]}
    assert first_layer_feeds == {1200.0}
    z_by_layer = {m.layer: m.end[2] for m in moves(lines) if m.extrude > 0}
    assert z_by_layer[0] == pytest.approx(0.2) and z_by_layer[19] == pytest.approx(4.0)
    assert program.preview_svg and "<svg" in program.preview_svg


def test_model_larger_than_the_bed_is_refused(spec):
    for machine_id in ("ender-3", "prusa-mk3"):  # built-in, and PrusaSlicer when installed
        program = prepare_program(trimesh.creation.box((300, 20, 2)), spec.machine(machine_id))
        # the analysis's rule and code: it fits the printer in no orientation
        assert not program.ok and program.issues[0]["code"] == "mesh_too_big"
        assert "300 × 20 × 2 mm" in issue_text(program.issues[0], "en")


def test_a_part_that_fits_only_turned_is_printed_turned_not_refused(spec):
    """The analysis says "fits turned" (a warning, usable): prepare turns it the same way, with
    a rotation (the part's handedness kept), instead of refusing it as placed."""
    from slicing.toolpaths.fdm.fit import axes_rotation, fit_on_machine

    part = trimesh.creation.box((5, 230, 8))  # 230 mm along Y: prusa-mk3's Y is 210, its X 250
    turned, issues = fit_on_machine(part, spec.machine("prusa-mk3"))
    assert [i["code"] for i in issues] == ["mesh_needs_rotation"]
    assert sorted(np.round(turned.extents, 3).tolist()) == [5.0, 8.0, 230.0] and turned.extents[0] == pytest.approx(230)
    assert turned.volume == pytest.approx(part.volume) and turned.is_winding_consistent
    for axes in ([0, 1, 2], [1, 0, 2], [2, 1, 0], [1, 2, 0]):
        assert np.linalg.det(axes_rotation(axes)[:3, :3]) == pytest.approx(1.0)  # never a mirror image
    program = prepare_program(part, spec.machine("prusa-mk3"), options={"slicer": "builtin"})
    assert program.ok, program.issues


def test_slicing_time_is_bounded(spec):
    program = prepare_program(trimesh.creation.icosphere(4, 20), spec.machine("ender-3"), options={"slice_timeout_s": 0.01})
    assert not program.ok and program.issues[-1]["code"] == "slicing_too_long"


def test_broken_meshes_become_issues(spec):
    tiny = trimesh.creation.box((0.04, 0.01, 0.05))  # a part drawn in metres
    program = prepare_program(tiny, spec.machine("ender-3"))
    assert not program.ok and any(i["code"] == "nothing_to_print" for i in program.issues)
    empty = trimesh.Trimesh()
    assert not prepare_program(empty, spec.machine("ender-3")).ok
    nan = trimesh.creation.box((10, 10, 10))
    nan.vertices[0] = [np.nan, 0, 0]
    program = prepare_program(nan, spec.machine("ender-3"))
    assert not program.ok and program.issues


def test_auto_falls_back_to_builtin_without_prusaslicer(spec, monkeypatch):
    monkeypatch.setattr(choose, "prusaslicer_path", lambda: None)
    mesh = trimesh.creation.box((10, 10, 2))
    auto = prepare_program(mesh, spec.machine("prusa-mk3"), options={"slicer": "auto"})
    assert auto.ok and auto.metrics["slicer"] == "builtin"
    assert any(i["code"] == "builtin_slicer_used" for i in auto.issues)
    forced = prepare_program(mesh, spec.machine("prusa-mk3"), options={"slicer": "prusaslicer"})
    assert not forced.ok and forced.issues[0]["code"] == "slicer_missing"


@needs_prusaslicer
def test_prusaslicer_output_passes_the_same_checks(spec, monkeypatch):
    from slicing.toolpaths.fdm import prusaslicer

    monkeypatch.setattr(prusaslicer, "spare_core", lambda: True)  # read while written, even on a busy host
    mesh = trimesh.creation.box((20, 20, 20))
    program = prepare_program(mesh, spec.machine("prusa-mk3"), options={"slicer": "prusaslicer"})
    assert program.ok, program.issues
    m = program.metrics
    assert m["slicer"] == "prusaslicer" and m["layers"] == 100
    assert m["slicer_time_s"] > 60 and 2.0 < m["filament_g"] < 8.0
    # its words were read while PrusaSlicer wrote it, then reused for the final file: the same
    fresh, kept = tokenize(program.lines), program.words
    assert kept.n_lines == fresh.n_lines and np.array_equal(kept.line, fresh.line)
    assert np.array_equal(kept.value, fresh.value) and np.array_equal(kept.line_bytes, fresh.line_bytes)
    builtin = prepare_program(mesh, spec.machine("prusa-mk3"), options={"slicer": "builtin"})
    assert builtin.metrics["filament_mm"] == pytest.approx(m["filament_mm"], rel=0.15)
    # the program really is what the checks say: every extrusion inside the bed
    xs = [mv.end[0] for mv in moves(program.lines) if mv.extrude > 0]
    assert 0 < min(xs) and max(xs) < 250


@needs_prusaslicer
def test_prusaslicer_failure_is_an_issue(spec):
    flat = trimesh.Trimesh(vertices=[[0, 0, 0], [10, 0, 0], [0, 10, 0]], faces=[[0, 1, 2]])
    program = prepare_program(flat, spec.machine("prusa-mk3"), options={"slicer": "prusaslicer"})
    assert not program.ok


def test_prusaslicer_profile_comes_from_the_machine(spec):
    from slicing.toolpaths.fdm.prusaslicer import profile_ini, read_figures

    machine = spec.machine("prusa-mk3")
    ini = dict(line.split(" = ", 1) for line in profile_ini(machine, machine.material("PETG"), {"infill_pct": 35}).splitlines())
    assert ini["bed_shape"] == "0x0,250x0,250x210,0x210" and ini["max_print_height"] == "210"
    assert ini["temperature"] == "240" and ini["first_layer_temperature"] == "235" and ini["bed_temperature"] == "85"
    assert ini["fill_density"] == "35%" and ini["nozzle_diameter"] == "0.4" and ini["filament_diameter"] == "1.75"
    assert ini["machine_max_feedrate_x"] == "200" and ini["machine_max_jerk_x"] == "8"
    figures = read_figures(["G1 X1", "; filament used [mm] = 1353.28", "; filament used [g] = 4.04",
                            "; estimated printing time (normal mode) = 1h 2m 3s", ";LAYER:0", ";LAYER:1"])
    assert figures == {"filament_mm": 1353.28, "filament_g": 4.04, "slicer_time_s": 3723.0, "layers": 2}


def _children(name: str) -> list[int]:
    """The running processes called `name` this test process started."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if entry.isdigit() and fields[0].split("(", 1)[1] == name[:15] and int(fields[1].split()[1]) == os.getpid():
            found.append(int(entry))
    return found


@needs_prusaslicer
def test_a_mesh_check_refusing_while_prusaslicer_runs_stops_it(spec):
    from slicing.toolpaths.fdm.prusaslicer import prusaslicer_program
    from slicing.toolpaths.issues import make_issue

    machine = spec.machine("prusa-mk3")
    running: list[int] = []

    def refuses() -> list[dict]:
        running.extend(_children("prusa-slicer"))  # the check runs while PrusaSlicer slices
        return [make_issue("empty_mesh", "error")]

    program = prusaslicer_program(trimesh.creation.box((20, 20, 20)), machine, machine.materials[0],
                                  dict(machine.process), alongside=refuses)
    assert program.lines == [] and program.words is None
    assert running and not any(os.path.exists(f"/proc/{pid}") for pid in running)  # killed and waited for
    assert _children("prusa-slicer") == []


@needs_prusaslicer
def test_prusaslicer_is_left_to_end_once_its_program_is_in_place(spec, monkeypatch):
    """The program is taken when PrusaSlicer renames it into place (its process may still be
    ending); the same program as reading it after the end, and no process left once waited for."""
    from slicing.ending_commands import wait_ended
    from slicing.toolpaths.fdm import prusaslicer
    from slicing.toolpaths.fdm.prusaslicer import prusaslicer_program

    machine = spec.machine("prusa-mk3")
    box = trimesh.creation.box((20, 20, 20))
    taken = prusaslicer_program(box, machine, machine.materials[0], dict(machine.process))
    assert wait_ended(60) and _children("prusa-slicer") == []
    real = prusaslicer.run_reading
    monkeypatch.setattr(prusaslicer, "run_reading", lambda *a, published=None, **k: real(*a, **k))  # waits for the end
    ended = prusaslicer_program(box, machine, machine.materials[0], dict(machine.process))
    assert taken.ok and taken.words is not None and taken.words.n_lines == len(taken.lines)
    assert [ln for ln in taken.lines if "generated by" not in ln] == [ln for ln in ended.lines if "generated by" not in ln]
