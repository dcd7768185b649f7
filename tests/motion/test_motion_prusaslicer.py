"""Against PrusaSlicer's own estimate, with a profile carrying the machine's limits.

Skipped where `prusa-slicer` is not installed. PrusaSlicer counts neither heating waits nor
homing, so those are taken out of the model's figure before comparing.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
import trimesh

from slicing.motion import estimate_program

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "estimate.py"
_spec = importlib.util.spec_from_file_location("bench_estimate", _BENCH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # the benchmark's PrusaSlicer profile, so both compare alike

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("prusa-slicer") is None, reason="prusa-slicer is not installed")
@pytest.mark.parametrize("machine_id", ["prusa-mk3", "ender-3"])
def test_within_five_percent_of_prusaslicer(motion_spec, tmp_path, machine_id):
    machine = motion_spec.machine(machine_id)
    ini = tmp_path / "printer.ini"
    ini.write_text(bench.prusa_profile(machine), encoding="utf-8")
    stl = tmp_path / "part.stl"
    trimesh.creation.cylinder(radius=12, height=10, sections=64).export(stl)
    out = tmp_path / "part.gcode"
    center = f"{machine.work_area.x / 2:g},{machine.work_area.y / 2:g}"
    cmd = ["prusa-slicer", "--export-gcode", "--load", str(ini), "--center", center, "-o", str(out), str(stl)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-500:]
    lines = out.read_text(encoding="utf-8", errors="replace").splitlines()
    theirs = bench.prusa_seconds(lines)
    assert theirs and theirs > 60
    est = estimate_program(lines, machine)
    ours = est.seconds - est.heat_seconds - est.other_seconds
    assert ours == pytest.approx(theirs, rel=0.05)
    assert est.heat_seconds > 0  # the profile's M190/M109 are modelled
    assert abs(est.naive_seconds - theirs) > abs(ours - theirs)  # and the model beats length/feed
