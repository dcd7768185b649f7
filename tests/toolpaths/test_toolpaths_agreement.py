"""One set of rules (issue 12, item 1): the verdict at upload is the program's verdict.

Over every corpus drawing and every 2D machine: where the analysis says usable, `prepare`
succeeds; where `prepare` refuses, the analysis had an error with the same code. The
heaviest programs (hundreds of thousands of lines on the CNC) run in the slow set.
"""

from __future__ import annotations

import os
from pathlib import Path

import ezdxf
import pytest

from slicing.analysis import analyze_file
from slicing.prepare import prepare_program

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("FABLAB_CORPUS") or REPO.parent / "shared" / "corpus")  # as conftest finds it

MACHINES = ("laser-1", "cnc-1", "vinyl-1")
HEAVY = {"svg/500_circles.svg", "svg/Lamp.svg", "svg/DrillBox.svg", "dxf/recover01.dxf", "dxf/text.dxf"}


def _cases() -> list:
    if not CORPUS.is_dir():
        return [pytest.param("absent", "laser-1", marks=pytest.mark.skip(reason="../shared/corpus is absent"))]
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.suffix.lower() in (".dxf", ".svg"))
    return [pytest.param(f, m, marks=[pytest.mark.slow] if f in HEAVY else []) for f in files for m in MACHINES]


def _errors(issues: list[dict]) -> set[str]:
    return {i["code"] for i in issues if i["severity"] == "error"}


def _agree(path, spec, machine_id: str) -> None:
    verdict = analyze_file(path, spec=spec, machine_id=machine_id)
    program = prepare_program(path, spec.machine(machine_id))
    if verdict["valid"]:
        assert program.ok, f"usable at upload, refused by prepare: {sorted(_errors(program.issues))}"
    if not program.ok:
        missing = _errors(program.issues) - _errors(verdict["issues"])
        assert not missing, f"prepare refused with {sorted(missing)}, which the analysis did not say"


@pytest.mark.parametrize("name,machine_id", _cases())
def test_analysis_and_prepare_agree_on_the_corpus(spec, name, machine_id):
    _agree(CORPUS / name, spec, machine_id)


def lines_and_arcs_plate(path, hole_diameter: float, holes: int = 24) -> None:
    """A 120 x 80 mm plate with rounded corners drawn as separate LINEs and ARCs (as CAD
    exports it), holding a grid of round holes."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 4
    msp = doc.modelspace()
    w, h, r = 120.0, 80.0, 8.0
    msp.add_line((r, 0), (w - r, 0))
    msp.add_line((w, r), (w, h - r))
    msp.add_line((w - r, h), (r, h))
    msp.add_line((0, h - r), (0, r))
    for (cx, cy), start in (((w - r, r), 270), ((w - r, h - r), 0), ((r, h - r), 90), ((r, r), 180)):
        msp.add_arc((cx, cy), r, start, start + 90)
    for k in range(holes):
        msp.add_circle((20 + 13 * (k % 7), 20 + 13 * (k // 7)), hole_diameter / 2)
    doc.saveas(path)


def test_a_plate_with_holes_smaller_than_the_cutter_is_refused_at_upload(tmp_path, spec):
    path = tmp_path / "plate.dxf"
    lines_and_arcs_plate(path, hole_diameter=4.0)
    verdict = analyze_file(path, spec=spec, machine_id="cnc-1")
    assert not verdict["valid"] and "narrower_than_tool" in _errors(verdict["issues"])
    program = prepare_program(path, spec.machine("cnc-1"))
    assert not program.ok and _errors(program.issues) <= _errors(verdict["issues"])
    assert all(i["location"] for i in verdict["issues"] if i["code"] == "narrower_than_tool")
    for machine_id in MACHINES:
        _agree(path, spec, machine_id)


def test_the_same_plate_with_holes_the_cutter_fits_is_usable_and_prepared(tmp_path, spec):
    path = tmp_path / "plate.dxf"
    lines_and_arcs_plate(path, hole_diameter=8.0)
    verdict = analyze_file(path, spec=spec, machine_id="cnc-1")
    assert verdict["valid"], _errors(verdict["issues"])
    assert prepare_program(path, spec.machine("cnc-1")).ok
