"""`fablab simulate` in its own process, `fablab stream` against it, as the demo launcher does."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from drivers_testkit import wait_until

FABLAB = [sys.executable, "-m", "jobqueue.cli.main"]
REPO = Path(__file__).resolve().parents[2]


def _simulator(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    link = tmp_path / "tty" / "machine"
    proc = subprocess.Popen([*FABLAB, "simulate", "--link", str(link), "--speed-factor", "200", *extra],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(link.exists, 20, "the simulator's link")
    except AssertionError:
        proc.kill()
        raise
    return proc, link


def _stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=10)
    return proc.returncode, out


def test_simulate_links_the_pty_and_cleans_up_on_sigterm(tmp_path: Path) -> None:
    proc, link = _simulator(tmp_path, "--firmware", "marlin", "--no-advanced-ok", "--baud", "250000")
    assert link.is_symlink() and Path(link.resolve()).exists()
    code, out = _stop(proc)
    assert code == 0 and "marlin simulator on /dev/pts/" in out
    assert not link.exists() and not link.is_symlink()


def test_stream_cli_prints_a_summary_with_link_utilisation(tmp_path: Path) -> None:
    proc, link = _simulator(tmp_path, "--firmware", "grbl", "--rx-buffer", "256")
    try:
        program = tmp_path / "job.nc"
        program.write_text("G21 G90\nF2000\n" + "".join(f"G1 X{i % 30} Y{i // 30}\n" for i in range(300)) + "M5\n")
        run = subprocess.run([*FABLAB, "stream", str(program), "--driver", "grbl", "--port", str(link), "--quiet"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "303 lines" in run.stdout and "link utilisation" in run.stdout
    finally:
        assert _stop(proc)[0] == 0


def test_stream_cli_reports_a_firmware_error_with_the_line_to_resume_from(tmp_path: Path) -> None:
    proc, link = _simulator(tmp_path, "--firmware", "grbl")
    try:
        program = tmp_path / "bad.nc"
        program.write_text("G21\nG1 X1 F100\nG1 X2 Q9\nG1 X3\n")
        run = subprocess.run([*FABLAB, "stream", str(program), "--driver", "grbl", "--port", str(link), "--quiet",
                              "--lang", "fr"], cwd=REPO, capture_output=True, text=True, timeout=60)
        assert run.returncode == 1
        assert "Le firmware a refusé la ligne 3 (erreur 20" in run.stderr and "--start-line" in run.stderr
    finally:
        _stop(proc)


def test_simulate_refuses_bad_options(tmp_path: Path) -> None:
    run = subprocess.run([*FABLAB, "simulate", "--firmware", "grbl", "--link", str(tmp_path / "x"), "--baud", "0"],
                         cwd=REPO, capture_output=True, text=True, timeout=30)
    assert run.returncode == 2 and "baud" in run.stderr
