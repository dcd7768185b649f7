"""Words reused from an earlier version of a program, and a program read while it is written
(`gcode_reader.reuse`, `slicing.slicer_stream`): always exactly what reading the final lines
gives, whatever was added, replaced or read early."""

from __future__ import annotations

import random
import sys
import time

import numpy as np
import pytest
from stack_helpers import gone

from gcode_reader.reuse import reused_words
from gcode_reader.tokens import Words, joined, tokenize
from slicing.slicer_stream import STOPPED, Finished, GrowingProgram, run_reading

POOL = ["G1 X1 Y2", "G1 X1.5 E.02", "M73 P1 R2", ";_GP_ESTIMATED", "; comment", "$100=80", "G1 X1.2.3",
        "M117 hello", "", "  ", "G1 X(3)", "N5 G1 X2*33", "%", "T0", "G1 X-", "\ufffdG1", "M104 S200 ; heat", "G92 E0"]


def same(a: Words, b: Words) -> bool:
    return (a.n_lines == b.n_lines and np.array_equal(a.line, b.line) and np.array_equal(a.letter, b.letter)
            and np.array_equal(a.value.view(np.int64), b.value.view(np.int64))
            and np.array_equal(a.bad_lines, b.bad_lines) and a.settings == b.settings
            and np.array_equal(a.line_bytes, b.line_bytes))


def edited(rng: random.Random, old: list[str]) -> list[str]:
    new = []
    for line in old:
        if rng.random() < 0.1:
            continue  # dropped (replaced placeholders, or anything else)
        if rng.random() < 0.15:
            new.append(rng.choice(POOL))  # added before
        new.append(line)
    return new


def test_reused_words_are_the_words_of_the_new_lines() -> None:
    rng = random.Random(5)
    for _ in range(100):
        old = [rng.choice(POOL) for _ in range(rng.randint(0, 30))]
        new = edited(rng, old)
        cut = rng.randint(0, len(old))
        parts = [p for p in ((0, old[:cut]), (cut, old[cut:])) if p[1]]
        old_words = joined([tokenize(p) for _, p in parts], [o for o, _ in parts], len(old)) if parts else tokenize(old)
        assert same(reused_words(old, old_words, new), tokenize(new)), (old, new)


def test_long_program_with_progress_lines_added() -> None:
    old = [f"G1 X{i % 97}.5 Y{i % 89} E.0{i % 7}" for i in range(20000)]
    old[5] = ";_GP_FIRST_LINE_M73_PLACEHOLDER"
    new = list(old)
    new[5:6] = ["M73 P0 R10", "M73 Q0 S10"]
    for at in range(19000, 0, -1000):
        new[at:at] = [f"M73 P{at // 200} R3"]
    assert same(reused_words(old, tokenize(old), new), tokenize(new))


def test_a_file_read_while_a_command_writes_it(tmp_path) -> None:
    lines = [f"G1 X{i}.25 Y{i % 13} ; move {i}" for i in range(30000)]
    writer = ("import sys, time\nlines = open(sys.argv[1]).read().splitlines()\n"
              "with open('out.tmp', 'w') as f:\n"
              "    for k in range(0, len(lines), 3000):\n"
              "        f.write(''.join(l + '\\n' for l in lines[k:k + 3000])); f.flush(); time.sleep(0.01)\n")
    (tmp_path / "src.gcode").write_text("\n".join(lines) + "\n")
    (tmp_path / "w.py").write_text(writer)
    done = run_reading([sys.executable, "w.py", "src.gcode"], tmp_path, tmp_path / "out.tmp", timeout=60)
    assert done is not None and done.returncode == 0
    assert done.early_lines == lines and same(done.early_words, tokenize(lines))


def test_a_command_that_never_writes(tmp_path) -> None:
    growing = GrowingProgram(tmp_path / "missing")
    growing.read(last=True)
    assert growing.lines == [] and growing.words().n_lines == 0
    done = run_reading([sys.executable, "-c", "import sys; sys.stderr.write('no'); sys.exit(3)"], tmp_path,
                       tmp_path / "missing", timeout=60)
    assert done is not None and done.returncode == 3 and done.stderr == "no"


def _started_pid(path) -> int:  # noqa: ANN001 - a Path
    for _ in range(3000):  # the command writes its pid first
        if path.is_file() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.01)
    raise AssertionError("the command never started")


SLEEPER = "import os, time\nopen('pid', 'w').write(str(os.getpid()))\ntime.sleep(60)\n"


def test_work_alongside_that_refuses_stops_the_command(tmp_path) -> None:
    seen: list[int] = []

    def refuses() -> bool:
        seen.append(_started_pid(tmp_path / "pid"))  # the command is running while this runs
        return False

    done = run_reading([sys.executable, "-c", SLEEPER], tmp_path, None, timeout=60, alongside=refuses)
    assert done is STOPPED and gone(seen[0])


def test_work_alongside_that_fails_stops_the_command(tmp_path) -> None:
    seen: list[int] = []

    def breaks() -> bool:
        seen.append(_started_pid(tmp_path / "pid"))
        raise MemoryError("alongside")

    with pytest.raises(MemoryError):
        run_reading([sys.executable, "-c", SLEEPER], tmp_path, None, timeout=60, alongside=breaks)
    assert gone(seen[0])


def test_work_alongside_that_accepts_lets_the_command_end(tmp_path) -> None:
    done = run_reading([sys.executable, "-c", "print('made')"], tmp_path, None, timeout=60, alongside=lambda: True)
    assert isinstance(done, Finished) and done.returncode == 0 and done.stdout == "made\n"
