"""PrusaSlicer's command line as the FDM slicer when it is installed (Debian: prusa-slicer).

The profile is generated from machines.yaml (bed, height, nozzle, layer height, material
temperatures, speeds, motion limits), the model is written as STL, and PrusaSlicer's own
printing-time and filament comments are read back as the program's figures. When a core is
free, the program is tokenized while PrusaSlicer writes it (`slicing.slicer_stream`), so the
checks and the time model start from words already read when the command ends; the program
is taken the moment PrusaSlicer renames it into place, not when its process has ended. What does
not need the program (the mesh checks, loading what reads the program) is done while
PrusaSlicer runs, not before it starts.
"""

from __future__ import annotations

import importlib
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gcode_reader.reuse import reused_words
from gcode_reader.tokens import program_text
from slicing.machine_spec import Machine, Material
from slicing.prusaslicer_exe import EXECUTABLE, prusaslicer_path
from slicing.slicer_stream import Stopped, run_reading, spare_core
from slicing.toolpaths.fdm.settings import fdm_settings
from slicing.toolpaths.issues import make_issue
from slicing.toolpaths.program import PreparedProgram

if TYPE_CHECKING:  # only an annotation here: importing trimesh costs half a second (scipy)
    import trimesh

DEFAULT_TIMEOUT_S = 600.0
# What reads the program after PrusaSlicer (prepare's checks, time model, preview), loaded while
# it runs: ~25 ms of imports a fresh work horse would otherwise pay after the command.
AFTER_MODULES = ("gcode_reader.program", "slicing.motion", "slicing.motion.marlin", "slicing.previews_program")
Checks = Callable[[], list[dict[str, Any]]]


def profile_ini(machine: Machine, material: Material, options: dict[str, Any]) -> str:
    """A PrusaSlicer .ini for this machine, material and job."""
    s = fdm_settings(machine, material, options)
    m = machine.motion
    x, y, z = machine.work_area.x, machine.work_area.y, machine.work_area.z
    values: dict[str, Any] = {
        "printer_technology": "FFF",
        "gcode_flavor": "marlin2",
        "bed_shape": f"0x0,{x:g}x0,{x:g}x{y:g},0x{y:g}",
        "max_print_height": f"{z:g}",
        "nozzle_diameter": f"{s.nozzle:g}",
        "filament_diameter": f"{s.filament_diameter:g}",
        "filament_density": f"{s.density_g_cm3:g}",
        "layer_height": f"{s.layer_height:g}",
        "first_layer_height": f"{s.first_layer_height:g}",
        "perimeters": s.perimeters,
        "top_solid_layers": s.top_layers,
        "bottom_solid_layers": s.bottom_layers,
        "fill_density": f"{s.infill * 100:g}%",
        "fill_pattern": "rectilinear",
        "solid_infill_below_area": f"{s.solid_below_area:g}",
        "temperature": f"{s.nozzle_temp:g}",
        "first_layer_temperature": f"{s.first_layer_nozzle_temp:g}",
        "bed_temperature": f"{s.bed_temp:g}",
        "first_layer_bed_temperature": f"{s.bed_temp:g}",
        "perimeter_speed": f"{s.speed_perimeter / 60:g}",
        "external_perimeter_speed": f"{s.speed_perimeter / 60:g}",
        "infill_speed": f"{s.speed_infill / 60:g}",
        "solid_infill_speed": f"{s.speed_solid / 60:g}",
        "top_solid_infill_speed": f"{s.speed_solid / 60:g}",
        "first_layer_speed": f"{s.speed_first_layer / 60:g}",
        "travel_speed": f"{s.speed_travel / 60:g}",
        "travel_speed_z": f"{m.max_rate_mm_min.z / 60:g}",
        "retract_length": f"{s.retract_length:g}",
        "retract_speed": f"{s.retract_speed / 60:g}",
        "retract_before_travel": f"{s.retract_min_travel:g}",
        "skirts": s.skirt_loops,
        "max_fan_speed": f"{s.fan * 100:g}",
        "min_fan_speed": f"{s.fan * 100:g}",
        "bridge_fan_speed": f"{s.fan * 100:g}",
        "cooling": 1 if s.fan > 0 else 0,
        "skirt_distance": f"{s.skirt_distance:g}",
        "use_relative_e_distances": 1,
        "remaining_times": 1,
        "machine_limits_usage": "time_estimate_only",
        "machine_max_feedrate_x": f"{m.max_rate_mm_min.x / 60:g}",
        "machine_max_feedrate_y": f"{m.max_rate_mm_min.y / 60:g}",
        "machine_max_feedrate_z": f"{m.max_rate_mm_min.z / 60:g}",
        "machine_max_feedrate_e": f"{m.max_rate_mm_min.e / 60:g}",
        "machine_max_acceleration_x": f"{m.acceleration_mm_s2.x:g}",
        "machine_max_acceleration_y": f"{m.acceleration_mm_s2.y:g}",
        "machine_max_acceleration_z": f"{m.acceleration_mm_s2.z:g}",
        "machine_max_acceleration_e": f"{m.acceleration_mm_s2.e:g}",
        "machine_max_acceleration_extruding": f"{m.print_acceleration_mm_s2 or m.acceleration_mm_s2.x:g}",
        "machine_max_acceleration_travel": f"{m.travel_acceleration_mm_s2 or m.acceleration_mm_s2.x:g}",
        "machine_max_acceleration_retracting": f"{m.retract_acceleration_mm_s2 or m.acceleration_mm_s2.e:g}",
        "start_gcode": "G21\\nG90\\nM83\\nG28\\nG92 E0",
        "end_gcode": "M107\\nM104 S0\\nM140 S0\\nM84",
        "before_layer_gcode": ";LAYER:[layer_num]\\nG92 E0",
        "gcode_label_objects": 0,
        "gcode_comments": 0,
    }
    if m.jerk_mm_s is not None:
        values.update({
            "machine_max_jerk_x": f"{m.jerk_mm_s.x:g}",
            "machine_max_jerk_y": f"{m.jerk_mm_s.y:g}",
            "machine_max_jerk_z": f"{m.jerk_mm_s.z:g}",
            "machine_max_jerk_e": f"{m.jerk_mm_s.e:g}",
        })
    return "".join(f"{k} = {v}\n" for k, v in values.items())


def _duration_s(text: str) -> float | None:
    """'1d 2h 3m 4s' -> seconds."""
    parts = re.findall(r"(\d+)\s*([dhms])", text)
    if not parts:
        return None
    unit = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return float(sum(int(n) * unit[u] for n, u in parts))


def read_figures(lines: list[str], text: str | None = None) -> dict[str, Any]:
    """PrusaSlicer's own figures from its G-code comments (`text`: the lines joined by line
    breaks, when the caller has it)."""
    figures: dict[str, Any] = {}
    for line in lines[-400:] if len(lines) > 400 else lines:
        if not line.startswith(";"):
            continue
        key, _, value = line[1:].partition("=")
        key, value = key.strip(), value.strip()
        if key == "estimated printing time (normal mode)":
            figures["slicer_time_s"] = _duration_s(value)
        elif key == "filament used [mm]":
            figures["filament_mm"] = float(value.split(",")[0])
        elif key == "filament used [g]":
            figures["filament_g"] = float(value.split(",")[0])
        elif key == "filament used [cm3]":
            figures["extruded_volume_mm3"] = round(float(value.split(",")[0]) * 1000.0, 1)
    # the marks counted in the joined text (lines from splitlines hold no line break): a C
    # search instead of a Python loop over every line
    text = "\n".join(lines) if text is None else text
    figures["layers"] = text.count("\n;LAYER:") + (1 if lines and lines[0].startswith(";LAYER:") else 0)
    return figures


def prusaslicer_program(
    mesh: trimesh.Trimesh, machine: Machine, material: Material, options: dict[str, Any], exe: str | None = None,
    alongside: Checks | None = None,
) -> PreparedProgram:
    """The program PrusaSlicer writes for `mesh`. `alongside`: checks that do not need the
    program (the caller keeps their issues), run while PrusaSlicer slices; an error among
    them stops it (killed and waited for) and an empty program is returned."""
    exe = exe or prusaslicer_path()
    if exe is None:
        raise FileNotFoundError(EXECUTABLE)
    timeout = float(options.get("slicer_timeout_s", DEFAULT_TIMEOUT_S))
    with tempfile.TemporaryDirectory(prefix="fablab-prusa-") as tmp:
        work = Path(tmp)
        (work / "profile.ini").write_text(profile_ini(machine, material, options), encoding="ascii")
        mesh.export(work / "model.stl")
        centre = f"{machine.work_area.x / 2:g},{machine.work_area.y / 2:g}"
        cmd = [exe, "--export-gcode", "--load", str(work / "profile.ini"), "--center", centre,
               "-o", str(work / "out.gcode"), str(work / "model.stl")]
        # renamed into place as PrusaSlicer's export ends (the profile has no post-processing
        # script, the one thing that could touch it after): its process is not waited for past it
        out = work / "out.gcode"
        done = run_reading(cmd, work, work / "out.gcode.tmp", timeout, lambda: _meanwhile(alongside),
                           published=out, pieces=spare_core())
        if isinstance(done, Stopped):
            return PreparedProgram(lines=[], format="gcode", issues=[])
        if done is None:
            return _slicer_failed("", variant="timeout", seconds=round(timeout))
        if done.returncode not in (0, None) or not out.is_file():
            why = refusal_reason(done.stderr, done.stdout) or f"exit {done.returncode}"
            return _slicer_failed(why, variant="refused", exit_code=done.returncode)
        raw = out.read_text(encoding="ascii", errors="replace")
        lines = raw.splitlines()
        joined = _joined(raw)
        words = reused_words(done.early_lines, done.early_words, lines, text=joined)  # = tokenize(lines)
        if joined is not None:
            words.memo.setdefault("text", (joined, True))  # the checks read it (`program_text`)
    metrics = {"process": "fdm", "slicer": "prusaslicer", **read_figures(lines, program_text(lines, words)[0])}
    return PreparedProgram(lines=lines, format="gcode", issues=[], metrics=metrics, words=words)


def _meanwhile(alongside: Checks | None) -> bool:
    """The work done while PrusaSlicer runs; False when a check refuses the job."""
    for name in AFTER_MODULES:
        importlib.import_module(name)
    return alongside is None or not any(i["severity"] == "error" for i in alongside())


def _joined(raw: str) -> str | None:
    """`"\n".join(raw.splitlines())` without joining again, when the file's only line breaks
    are plain ones (PrusaSlicer writes no other); None otherwise."""
    if any(sep in raw for sep in "\r\v\f\x1c\x1d\x1e"):  # str.splitlines' other breaks (ASCII text)
        return None
    return raw[:-1] if raw.endswith("\n") else raw


_PROGRESS = re.compile(r"^\d+\s*=>")


def refusal_reason(*outputs: str | None) -> str:
    """PrusaSlicer's own words for a refusal: its last lines that are not progress
    (`30 => Preparing infill`) nor the `Object name:` that follows the reason, joined."""
    for text in outputs:
        lines = [ln.strip() for ln in (text or "").strip().splitlines() if ln.strip()]
        kept = [ln for ln in lines if not _PROGRESS.match(ln) and not ln.startswith("Object name:")]
        if kept:
            return " ".join(kept[-2:])[:240]
    return ""


def _slicer_failed(words: str, **params: Any) -> PreparedProgram:
    """No program: `slicer_failed` with PrusaSlicer's own words (English, its own) as the
    technical detail, never as the sentence."""
    issue = make_issue("slicer_failed", "error", None, **params)
    if words:
        issue["detail"] = words
    return PreparedProgram(lines=[], format="gcode", issues=[issue])
