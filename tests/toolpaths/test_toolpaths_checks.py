"""The checks before queueing: hostile or wrong programs give issues, never exceptions."""

from __future__ import annotations

import numpy as np
import pytest

from jobqueue.cli.words import issue_text
from slicing.program_checks import check_program


def codes(issues):
    return {i["code"] for i in issues}


GOOD_LASER = ["G21", "G90", "M4 S0", "G0 X10 Y10", "G1 X20 F900 S850", "G1 Y20", "M5", "G0 X0 Y0"]


def test_a_clean_program_passes(spec):
    assert check_program(GOOD_LASER, spec.machine("laser-1"), "gcode") == []


@pytest.mark.parametrize(
    "bad_line,code",
    [
        ("G1 X10 Ynan F900", "unparsable_line"),
        ("G1 X10 Y1e999 F900", "unparsable_line"),
        ("G1 X10 Y10 F900 S850 hello", "unparsable_line"),
        ("G1 X700 Y10 F900", "outside_work_area"),
        ("G1 X-5 Y10 F900", "outside_work_area"),
        ("G1 X10 Y10 F90000", "feed_above_limit"),
        ("G1 X10 Y10 F0", "feed_not_positive"),
        ("G1 X10 Y10 F900 S5000", "power_out_of_range"),
        ("; réglage contreplaqué", "non_ascii"),
        ("G1 X10.000000000000000000000 Y10.000000000000000000000000 F900 S100.00000000000000000000000", "line_too_long"),
    ],
)
def test_bad_lines_become_issues(spec, bad_line, code):
    lines = GOOD_LASER[:5] + [bad_line] + GOOD_LASER[5:]
    issues = check_program(lines, spec.machine("laser-1"), "gcode")
    assert code in codes(issues), issues
    issue = next(i for i in issues if i["code"] == code)
    assert issue_text(issue, "fr") and issue_text(issue, "en") and issue["severity"] in ("error", "warning")
    if code != "outside_work_area":
        assert issue["location"]["line"] == 6


def test_cut_without_feed_on_grbl(spec):
    issues = check_program(["G21", "G90", "G1 X10 Y10"], spec.machine("laser-1"), "gcode")
    assert "feed_undefined" in codes(issues)


def test_temperatures_and_z_limits_on_fdm(spec):
    machine = spec.machine("ender-3")
    hot = ["M104 S400", "G28", "G1 X10 Y10 Z0.2 F1200 E1"]
    assert "power_out_of_range" in codes(check_program(hot, machine, "gcode"))
    tall = ["G28", "G1 X10 Y10 Z300 F300"]
    assert "outside_work_area" in codes(check_program(tall, machine, "gcode"))


def test_hpgl_checks(spec):
    machine = spec.machine("vinyl-1")
    good = ["IN;", "SP1;", "VS20;", "PU400,400;", "PD800,400;", "PU0,0;", "SP0;"]
    assert check_program(good, machine, "hpgl") == []
    assert "outside_work_area" in codes(check_program(good[:4] + ["PD40000,400;"], machine, "hpgl"))
    assert "unparsable_line" in codes(check_program(good[:4] + ["PD400,abc;"], machine, "hpgl"))
    assert "unparsable_line" in codes(check_program(good[:4] + ["PD400;"], machine, "hpgl"))


def test_empty_and_garbage_programs(spec):
    machine = spec.machine("cnc-1")
    assert "empty_program" in codes(check_program([], machine, "gcode"))
    garbage = ["\x00\x01\x02", "ÿÿÿ", "G1 X" + "9" * 500]
    issues = check_program(garbage, machine, "gcode")
    assert issues and all(i["severity"] in ("error", "warning") for i in issues)


@pytest.mark.parametrize(
    "machine_id,options",
    [
        ("ender-3", {"layer_height_mm": 0}),
        ("ender-3", {"layer_height_mm": "-0.2"}),
        ("ender-3", {"infill_pct": "lots"}),
        ("cnc-1", {"stepdown_mm": 0}),
        ("cnc-1", {"tool_diameter_mm": float("nan")}),
        ("laser-1", {"kerf_mm": -0.2}),
        ("vinyl-1", {"blade_offset_mm": "-1"}),
    ],
)
def test_nonsense_options_are_refused_with_an_issue(spec, machine_id, options):
    import trimesh

    from slicing.geometry import Drawing, Path2D
    from slicing.prepare import prepare_program

    source = trimesh.creation.box((10, 10, 5)) if machine_id == "ender-3" else Drawing(
        paths=[Path2D(np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float), True)])
    program = prepare_program(source, spec.machine(machine_id), options=options)
    assert not program.ok and program.issues[0]["code"] == "option_invalid"
    assert program.issues[0]["location"]["option"] == next(iter(options))


def test_text_options_are_typed(spec):
    from slicing.geometry import Drawing, Path2D
    from slicing.prepare import prepare_program

    d = Drawing(paths=[Path2D(np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float), True)])
    program = prepare_program(d, spec.machine("laser-1"), options={"kerf_mm": "0.4", "air_assist": "false"})
    assert program.ok and program.metrics["kerf_mm"] == 0.4 and "M8" not in program.lines


TEXT_POOL = ["G1 X10 Y10 F900", "G1 X12 Ynan F900", "G1 X11 ; infill", ";TYPE:Solid infill", "G1 XINF", "M117 infill 50%",
             "N5 G1 X2 inf*33", "G1 X3 (nan) Y4", "$110=inf", "%", "G1 X1 Y2 F900 S100 ; " + "x" * 120,
             "G1 X10.000000000000000000000 Y10.000000000000000000000000 F900 S100.0000000000000000000",
             "G1 X5 Y5 F900 nAn", *("G1X" + "1" * (n - 3) for n in (79, 80, 95, 96)), "g1 x6 y6 f900", "G1 X7 ;nan", "İnf", "\tG1 X8 Y8 F900", ""]


@pytest.mark.parametrize("machine_id", ["laser-1", "prusa-mk3"])
def test_text_checks_from_the_words_give_the_search_verdict(spec, machine_id):
    """The text checks looking only at long and unreadable lines (words given, nothing but
    comments blanked) find what the search through the whole text finds (no words)."""
    from gcode_reader import tokenize
    from gcode_reader.reuse import reused_words

    rng = np.random.default_rng(5)
    machine = spec.machine(machine_id)
    plain = [line for line in TEXT_POOL if not any(c in line for c in "*($%") and "M117" not in line]
    for k in range(400):
        pool = plain if k % 2 else TEXT_POOL  # half with nothing but comments to blank: the words' path
        lines = [pool[i] for i in rng.integers(0, len(pool), rng.integers(1, 30))]
        searched = check_program(lines, machine, "gcode")
        assert check_program(lines, machine, "gcode", words=tokenize(lines)) == searched
        old = lines[: len(lines) // 2] + ["G1 X1 Y1 F900"]  # words of an earlier version, reused
        assert check_program(lines, machine, "gcode", words=reused_words(old, tokenize(old), lines)) == searched
