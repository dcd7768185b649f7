"""The public API: remaining time by line, flavours, HPGL, the CLI, and broken or hostile input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from jobqueue.cli.main import main
from slicing.motion import estimate_program, parse_grbl_settings


def test_remaining_seconds_follows_lines(laser):
    lines = ["G21", "G1 X100 F6000", "G1 Y100", "M5", "G1 X0"]
    est = estimate_program(lines, laser)
    assert len(est.cumulative_seconds) == len(lines)
    assert np.all(np.diff(est.cumulative_seconds) >= 0)
    assert est.remaining_seconds(-1) == est.seconds
    assert est.remaining_seconds(0) == est.seconds  # G21 takes no time
    assert est.remaining_seconds(len(lines) - 1) == 0.0
    assert est.remaining_seconds(10**6) == 0.0
    assert 0 < est.remaining_seconds(1) < est.seconds
    assert est.remaining_seconds(2) == pytest.approx(est.seconds - est.cumulative_seconds[2])


def test_hpgl_moves_at_vs_speed(motion_spec):
    # VS20 = 20 cm/s = 200 mm/s; 4000 units = 100 mm; acceleration 1500 mm/s²: t = L/v + v/a,
    # plus the blade going down and up (PEN_SECONDS each).
    from slicing.motion.hpgl import PEN_SECONDS

    cutter = motion_spec.machine("vinyl-1")
    est = estimate_program(["IN;", "SP1;", "VS20;", "PU0,0;", "PD4000,0;", "PU;"], cutter)
    assert est.seconds == pytest.approx(100 / 200 + 200 / 1500 + 2 * PEN_SECONDS, rel=1e-9)
    assert est.naive_seconds == pytest.approx(0.5)
    relative = estimate_program(["IN;VS20;PD;PR2000,0,2000,0;PU;"], cutter)
    assert relative.seconds == pytest.approx(est.seconds, rel=1e-9)  # straight on: no corner slowdown


def test_flavour_choice_and_errors(laser):
    assert estimate_program(["G1 X1 F100"], laser).flavour == "grbl"
    assert estimate_program(["G1 X1 F100"], laser, flavour="marlin").flavour == "marlin"
    with pytest.raises(ValueError):
        estimate_program(["G1 X1"], laser, flavour="klipper")
    with pytest.raises(TypeError):
        estimate_program("G1 X1 F100", laser)


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [""],
        ["; only a comment", "(a CAM comment)", "%"],
        ["G1 X", "G1 XNAN F100", "G1 X1.2.3", "G1 X--1", "X1 2", "G1 X1e999"],
        ["M117 Printing 1 2 3 X5", "G1 X10 F600 ; move 99", "N5 G1 X20*71"],
        ["G1 X10\nG1 X20 F600", "G1 X\r30"],
        ["\x00\xff\u00e9\u2603 G1 X10 F600", "G1 X10 Y10 Z10 F0"],
        ["G2 X10 Y0 R0 F600", "G2 X10 Y0 I0 J0 F600", "G3 F600 I5"],
        ["G4 P-5", "G4", "M109", "M190 S", "M204 T0", "G28 X Y"],
    ],
)
def test_broken_input_never_raises(laser, mk3, lines):
    for machine in (laser, mk3):
        est = estimate_program(lines, machine)
        assert est.lines == len(lines)
        assert math.isfinite(est.seconds) and est.seconds >= 0
        assert len(est.cumulative_seconds) == len(lines)
        assert np.all(np.isfinite(est.cumulative_seconds))
    est = estimate_program(lines, laser, flavour="hpgl")
    assert math.isfinite(est.seconds)


def test_unreadable_lines_are_reported(laser):
    est = estimate_program(["G1 X10 F600", "G1 X1.2.3", "G1 X=5", "G1 X20"], laser)
    assert est.unread_lines == [1, 2]
    assert est.seconds == pytest.approx(estimate_program(["G1 X10 F600", "G1 X20"], laser).seconds)


def test_long_zigzag_program(laser):
    # A zigzag of 20000 short moves: must finish and stay exact to the line count.
    lines = ["G1 F3000"] + [f"G1 X{(i % 2) * 5} Y{i * 0.1:.1f}" for i in range(20000)]
    est = estimate_program(lines, laser)
    assert est.blocks == 19999 and est.lines == 20001  # the first target is the origin: no block
    assert est.seconds > est.naive_seconds


def test_parse_grbl_settings_report():
    text = "$0=10\n$11=0.010\n$110=24000.000 (x max rate)\nok\n[MSG:x]\n$32=1\n"
    assert parse_grbl_settings(text) == {0: 10.0, 11: 0.01, 110: 24000.0, 32: 1.0}


def test_cli_json_and_settings(tmp_path, capsys, repo_root):
    program = tmp_path / "part.nc"
    program.write_text("G1 X100 F6000\n", encoding="ascii")
    settings = tmp_path / "grbl.txt"
    settings.write_text("$110=6000\n$120=100\nok\n", encoding="ascii")
    machines = str(repo_root / "machines.yaml")
    assert main(["estimate", str(program), "--machine", "laser-1", "--json", "--machines", machines]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["lines"] == 1 and out["naive_seconds"] == pytest.approx(1.0)
    assert out["seconds"] == pytest.approx(1.05)
    args = ["estimate", str(program), "--machine", "laser-1", "--json", "--grbl-settings", str(settings)]
    assert main(args + ["--machines", machines]) == 0
    assert json.loads(capsys.readouterr().out)["seconds"] == pytest.approx(2.0)
    assert main(["estimate", str(program), "--machine", "laser-1", "--machines", machines]) == 0
    assert "estimate:" in capsys.readouterr().out


def test_cli_bad_arguments(tmp_path, capsys, repo_root):
    machines = str(repo_root / "machines.yaml")
    assert main(["estimate", str(tmp_path / "missing.nc"), "--machine", "laser-1", "--machines", machines]) == 2
    program = tmp_path / "p.plt"
    program.write_text("IN;PD400,0;", encoding="ascii")
    assert main(["estimate", str(program), "--machine", "nope", "--machines", machines]) == 2
    assert main(["estimate", str(program), "--machine", "vinyl-1", "--json", "--machines", machines]) == 0
    assert json.loads(capsys.readouterr().out)["seconds"] > 0


def test_language_follows_the_program(motion_spec, laser):
    cutter = motion_spec.machine("vinyl-1")  # HPGL driver
    gcode = estimate_program(["G21", "G90", "G1 X100 F6000"], cutter)
    assert gcode.flavour == "grbl" and gcode.seconds > 0
    hpgl = estimate_program(["IN;", "SP1;", "PD4000,0;"], laser)
    assert hpgl.flavour == "hpgl" and hpgl.seconds > 0


def test_remaining_time_counts_blocks_still_queued(laser):
    lines = ["G1 F6000"] + [f"G1 X{10 * (i + 1)} Y{10 * (i % 2)}" for i in range(40)]
    est = estimate_program(lines, laser)
    plain = est.remaining_seconds(30)
    queued = est.remaining_seconds(30, buffered_blocks=15)
    assert queued == pytest.approx(plain + est.block_seconds[15:30].sum())
    assert est.remaining_seconds(0, buffered_blocks=15) == est.seconds
    # The last line acknowledged: its 15 queued blocks are still to run.
    assert est.remaining_seconds(len(lines) - 1, buffered_blocks=15) == pytest.approx(est.block_seconds[-15:].sum())
    assert est.remaining_seconds(len(lines) - 1) == 0.0


def test_hpgl_label_text_is_not_commands(motion_spec):
    cutter = motion_spec.machine("vinyl-1")
    plain = estimate_program(["IN;", "VS20;", "PD4000,0;", "PU;"], cutter)
    labelled = estimate_program(["IN;", "VS20;", "LBUPDATE PD9999,9999\x03", "PD4000,0;", "PU;"], cutter)
    assert labelled.seconds == pytest.approx(plain.seconds)
