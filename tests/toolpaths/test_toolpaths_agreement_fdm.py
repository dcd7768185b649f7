"""One set of rules on the printers (issue 12): over every corpus STL and both printers (the
PrusaSlicer one and the built-in slicer one), where the analysis says usable `prepare` makes a
program, and where `prepare` refuses the analysis had said so with the same code. A file whose
unit is asked is checked at every unit offered, as the member may pick any of them. Slicing
every file twice is long: the whole test is in the slow set (CI runs it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import trimesh

from slicing.analysis import analyze_file
from slicing.prepare import prepare_program

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("FABLAB_CORPUS") or REPO.parent / "shared" / "corpus")
PRINTERS = ("prusa-mk3", "ender-3")
pytestmark = pytest.mark.slow


def _cases() -> list:
    if not (CORPUS / "stl").is_dir():
        return [pytest.param("absent", marks=pytest.mark.skip(reason="../shared/corpus is absent"))]
    return sorted(str(p.relative_to(CORPUS)) for p in (CORPUS / "stl").iterdir() if p.suffix.lower() == ".stl")


def _errors(issues: list[dict]) -> set[str]:
    return {i["code"] for i in issues if i["severity"] == "error"}


def _agree(path: Path, spec, machine_id: str, scale: float | None = None) -> dict:  # noqa: ANN001
    verdict = analyze_file(path, spec=spec, machine_id=machine_id, scale=scale)
    program = prepare_program(path, spec.machine(machine_id), options={"scale": scale} if scale else None)
    where = f"{path.name} on {machine_id} at scale {scale or 1}"
    if verdict["usable"]:
        assert program.ok, f"{where}: usable at upload, refused by prepare: {sorted(_errors(program.issues))}"
    if not program.ok:
        missing = _errors(program.issues) - _errors(verdict["issues"])
        assert not missing, f"{where}: prepare refused with {sorted(missing)}, which the analysis did not say"
    return verdict


@pytest.mark.parametrize("name", _cases())
def test_analysis_and_prepare_agree_on_the_corpus_printers(spec, name):
    for machine_id in PRINTERS:
        verdict = analyze_file(CORPUS / name, spec=spec, machine_id=machine_id)
        units = verdict.get("units") or {}
        if not units.get("pending"):
            _agree(CORPUS / name, spec, machine_id)
            continue
        # the unit is asked: nothing is approved (so prepared) before it is chosen; then the
        # verdict at the chosen unit is the program's verdict, whichever unit the member picks
        assert not verdict["usable"]
        for choice in units["choices"]:
            _agree(CORPUS / name, spec, machine_id, scale=choice["factor"])


def test_a_part_smaller_than_the_nozzle_everywhere_is_an_error_at_upload_and_at_prepare(spec, tmp_path):
    """A scan in metres read as millimetres: every body under two nozzle widths. The slicer
    makes nothing of it; the analysis says so first, with the same code prepare gives."""
    path = tmp_path / "tiny.stl"
    trimesh.creation.box((0.3, 0.5, 0.4)).export(path)
    verdict = analyze_file(path, spec=spec, machine_id="ender-3", scale=1.0)
    assert "mesh_details_too_small" in _errors(verdict["issues"]) and not verdict["usable"]
    program = prepare_program(path, spec.machine("ender-3"), options={"slicer": "builtin"})
    assert not program.ok and _errors(program.issues) == {"mesh_details_too_small"}
