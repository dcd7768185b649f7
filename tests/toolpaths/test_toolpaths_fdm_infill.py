"""The built-in slicer's infill follows PrusaSlicer's model (the profile's settings): lines
linked along the infill area's outline, top surfaces grown 3 mm into the infill and carried
down, and a cube's plastic per feature where geometry puts it (computed here, not by the
slicer's code)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import trimesh
from shapely.geometry import box

from slicing.prepare import prepare_program
from slicing.toolpaths.fdm.infill import linked_infill
from slicing.toolpaths.fdm.settings import fdm_settings
from slicing.toolpaths.fdm.shells import fill_areas


def length(paths: list[np.ndarray]) -> float:
    return sum(float(np.hypot(*np.diff(p, axis=0).T).sum()) for p in paths)


@pytest.mark.parametrize("spacing,max_link,anchor", [(2.0, 50.0, 2.7), (0.4, 1000.0, 0.0)], ids=["sparse", "solid"])
def test_infill_lines_are_linked_along_the_outline(spacing, max_link, anchor):
    """Neighbouring line ends are joined by the outline between them, every other gap on
    each side: about half the outline is added to the lines, and a square is a few zigzags
    instead of one path a line."""
    area = box(0, 0, 20, 20)
    paths = linked_infill(area, spacing, 45.0, max_link, anchor)
    lines_mm = area.area / spacing
    assert length(paths) == pytest.approx(lines_mm + area.length / 2, rel=0.03)
    count = 20 * np.sqrt(2) / spacing  # lines across the square's diagonal
    assert len(paths) <= max(3, count / 5)
    grown = area.buffer(1e-6)
    assert all(grown.covers(shapely.linestrings(p)) for p in paths)


def test_a_top_surface_is_grown_3mm_into_the_infill_and_carried_down(spec):
    """A 40 mm square under a 20 mm one: the step's roof (the ring the upper square leaves
    uncovered) is solid on its layer and the top_layers - 1 below, grown 3 mm under the upper
    square; the sparse infill left there is the upper square less 3 mm all round."""
    machine = spec.machine("prusa-mk3")
    s = fdm_settings(machine, machine.materials[0], dict(machine.process))
    big, small = box(0, 0, 40, 40), box(10, 10, 30, 30)
    regions = [big] * 10 + [small] * 10
    cores = [r.buffer(-0.75, join_style="mitre") for r in regions]
    areas = fill_areas(regions, cores, s)
    for i in (6, 7, 8, 9):  # the roof's layer and the three below it
        assert areas[i].sparse.area == pytest.approx(14 * 14, rel=0.01)
    assert areas[5].sparse.area == pytest.approx(cores[5].area, rel=0.01)
    assert areas[12].bridge.is_empty and areas[12].solid.is_empty


def test_a_cubes_plastic_per_feature(spec):
    """20 mm cube, 0.2 mm layers: walls, solid floors and roofs (3 + 4 layers, the roof's
    first one resting on sparse infill bridged with thick beads: round, of the nozzle's
    width, 0.45 mm apart), and sparse infill at 20 % with its links (half the infill outline
    a layer), each within a few % of the bead sections laid over the areas geometry gives
    them."""
    program = prepare_program(trimesh.creation.box((20, 20, 20)), spec.machine("prusa-mk3"), options={"slicer": "builtin"})
    by_type = program.metrics["extruded_by_type_mm"]
    filament_area = np.pi * 0.875**2
    h, spacing = 0.2, 0.45 - 0.2 * (1 - np.pi / 4)
    core = box(0, 0, 20, 20).buffer(-(0.225 + spacing + spacing / 4), join_style="mitre")  # infill area
    inside = core.buffer(-spacing / 2, join_style="mitre")  # where the lines and links run
    sparse_layers, solid_layers = 100 - 7, 7
    sparse = sparse_layers * h * (inside.area * 0.2 + inside.length / 2 * spacing) / filament_area
    bridge = np.pi * 0.2**2 / 0.45 / h  # plastic an area of thick bridge takes against ordinary solid
    solid = (solid_layers - 1 + bridge) * h * (inside.area + inside.length / 2 * spacing) / filament_area
    assert by_type["FILL"] == pytest.approx(sparse, rel=0.04)
    assert by_type["SKIN"] == pytest.approx(solid, rel=0.04)
    loops = 4 * (20 - 2 * 0.225) + 4 * (20 - 2 * (0.225 + spacing))  # the two walls' centrelines
    walls = 100 * loops * h * spacing / filament_area  # a bead's section is height x spacing
    assert by_type["WALL-INNER"] + by_type["WALL-OUTER"] == pytest.approx(walls, rel=0.03)
