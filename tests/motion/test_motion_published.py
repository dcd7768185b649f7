"""A command's result taken the moment it is renamed into place (`slicer_stream.run_reading`
with `published`), its process left to end on its own (`ending_commands`), and the folder
events that tell both (`file_events`)."""

from __future__ import annotations

import logging
import os
import sys
import threading

import pytest
from stack_helpers import gone

from gcode_reader.tokens import tokenize
from slicing import ending_commands, file_events, slicer_stream
from slicing.file_events import FolderEvents
from slicing.slicer_stream import Finished, run_reading

# Writes out.tmp, closes it, writes the final file beside it with lines added and renames it
# into place (as PrusaSlicer's post-processing does), then stays `argv[1]` seconds (its
# teardown), writing its pid first and exiting with `argv[2]`.
WRITER = """import os, sys, time
open('pid', 'w').write(str(os.getpid()))
lines = [f'G1 X{i}.5 Y{i % 7} E.01' for i in range(3000)]
with open('out.tmp', 'w') as f:
    f.write(''.join(l + '\\n' for l in lines))
with open('out.post', 'w') as f:
    f.write('M73 P0 R1\\n' + ''.join(l + '\\n' for l in lines))
os.rename('out.post', 'out.gcode')
time.sleep(float(sys.argv[1]))
sys.exit(int(sys.argv[2]))
"""
LINES = [f"G1 X{i}.5 Y{i % 7} E.01" for i in range(3000)]


def _run(tmp_path, linger: float, code: int = 0, pieces: bool = False) -> Finished:  # noqa: ANN001 - a Path
    (tmp_path / "w.py").write_text(WRITER)
    done = run_reading([sys.executable, "w.py", str(linger), str(code)], tmp_path, tmp_path / "out.tmp", timeout=60,
                       published=tmp_path / "out.gcode", pieces=pieces)
    assert isinstance(done, Finished)
    return done


def test_the_result_is_taken_once_renamed_and_the_command_ends_on_its_own(tmp_path) -> None:
    done = _run(tmp_path, linger=30)  # a command that would keep the caller half a minute
    pid = int((tmp_path / "pid").read_text())
    assert done.returncode is None and not gone(pid)  # handed back while the command still runs
    assert (tmp_path / "out.gcode").read_text().splitlines()[1:] == LINES
    os.kill(pid, 15)
    assert ending_commands.wait_ended(30) and gone(pid) and ending_commands.still_ending() == 0


def test_the_first_version_is_read_whole_once_closed(tmp_path) -> None:
    """Without reading pieces (a busy host), the closed first version is still read before
    the final file arrives: its words are the first version's."""
    done = _run(tmp_path, linger=0)
    assert done.early_lines == LINES
    assert done.early_words.n_lines == len(LINES) and done.early_words.value.tolist() == tokenize(LINES).value.tolist()
    assert ending_commands.wait_ended(30)


def test_a_failure_after_publishing_keeps_the_result_and_is_logged(tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="slicing.ending_commands"):
        done = _run(tmp_path, linger=0.2, code=3)
        assert ending_commands.wait_ended(30)
    assert done.returncode is None and (tmp_path / "out.gcode").is_file()
    assert any("exited 3 after publishing" in r.getMessage() for r in caplog.records)


def test_a_command_hanging_after_publishing_is_killed(tmp_path, caplog) -> None:
    (tmp_path / "w.py").write_text(WRITER)
    import subprocess

    proc = subprocess.Popen([sys.executable, "w.py", "600", "0"], cwd=tmp_path)
    with caplog.at_level(logging.WARNING, logger="slicing.ending_commands"):
        ending_commands.let_end(proc, "w.py", within_s=0.5)
        assert ending_commands.wait_ended(30)
    assert proc.returncode is not None and proc.returncode < 0  # killed, and waited for
    assert any("killed" in r.getMessage() for r in caplog.records)


def test_without_folder_events_the_files_are_looked_at(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No inotify (another system, no watch left): the same result, found by looking."""
    monkeypatch.setattr(slicer_stream.FolderEvents, "open", classmethod(lambda cls, folder: None))
    done = _run(tmp_path, linger=30)
    pid = int((tmp_path / "pid").read_text())
    assert done.returncode is None and not gone(pid)
    os.kill(pid, 15)
    assert ending_commands.wait_ended(30) and gone(pid)


def test_a_command_ending_without_publishing_is_waited_for(tmp_path) -> None:
    done = run_reading([sys.executable, "-c", "import sys; sys.exit(2)"], tmp_path, tmp_path / "out.tmp", timeout=60,
                       published=tmp_path / "out.gcode")
    assert isinstance(done, Finished) and done.returncode == 2 and ending_commands.still_ending() == 0


def test_folder_events_name_closed_and_arrived_files_of_this_watch_only(tmp_path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    old = FolderEvents.open(first)
    assert old is not None
    (first / "early").write_text("x")
    old.close()
    events = FolderEvents.open(second)
    assert events is not None
    (second / "out.tmp").write_text("x")
    (second / "out.post").write_text("y")
    os.rename(second / "out.post", second / "out.gcode")
    events.read()
    assert "out.tmp" in events.finished and "out.gcode" in events.arrived and "early" not in events.finished
    events.close()


def test_each_thread_watches_with_its_own_instance(tmp_path) -> None:
    mine = FolderEvents.open(tmp_path)
    theirs: list[FolderEvents | None] = []
    thread = threading.Thread(target=lambda: theirs.append(FolderEvents.open(tmp_path)))
    thread.start()
    thread.join()
    assert mine is not None and theirs[0] is not None and mine.fileno() != theirs[0].fileno()
    again = FolderEvents.open(tmp_path)
    assert again is not None and again.fileno() == mine.fileno()  # kept: closing one costs up to 16 ms
    for events in (mine, theirs[0], again):
        events.close()
    assert file_events._instance() is mine._inotify


def test_the_prepare_task_returns_once_its_slicer_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """A work horse exits after its job: the slicer still ending is waited for by the task."""
    import subprocess

    from jobqueue import tasks

    started: list[subprocess.Popen] = []

    def prepared(job_id: int) -> str:
        started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"]))
        ending_commands.let_end(started[0], "sleeper")
        return "ready"

    monkeypatch.setattr(tasks, "_prepare_job", prepared)
    assert tasks.prepare_job(7) == "ready"
    assert started[0].returncode == 0 and ending_commands.still_ending() == 0


def test_a_folder_that_cannot_be_watched_gives_no_events(tmp_path) -> None:
    assert FolderEvents.open(tmp_path / "missing") is None  # the caller looks at the files itself
