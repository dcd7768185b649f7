"""Opening a machine's driver from machines.yaml, and the safe stop after an abnormal end.

The safe stop is what cancel does (Marlin: quick stop, heaters, fan and motors off; GRBL: feed
hold, soft reset, spindle and laser off; HPGL: abort and pen up), sent on a fresh connection:
a driver that just failed keeps its error and refuses further commands, and a run whose
process died left no driver at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from jobqueue.context import Context

log = logging.getLogger(__name__)
SAFE_STOP_CONNECT_S = 5.0


def _port_for(ctx: Context, machine) -> str:  # noqa: ANN001 - slicing Machine
    if machine.connection.port:
        return machine.connection.port
    return str(ctx.settings.simulator_link(machine.id))


def open_machine_driver(ctx: Context, machine):  # noqa: ANN001, ANN201
    """The driver for a machine of machines.yaml (simulated machines through their pty link)."""
    from drivers import open_driver

    if machine.driver == "octoprint":
        return open_driver("octoprint", machine.connection.url, 0, api_key_env=machine.connection.api_key_env)
    return open_driver(
        machine.driver, _port_for(ctx, machine), machine.connection.baud,
        flow_control=machine.connection.flow_control,
        progress_interval=0.0,  # a progress event per acknowledgement: the count a reaper resumes from
    )


def mark_path(ctx: Context, machine_id: str) -> Path:
    """The machine's "sent up to" mark (drivers.sent_mark), on the host that holds its link."""
    return ctx.settings.data_dir / "marks" / f"{machine_id}.mark"


def settle_dead_run(ctx: Context, machine, job_id: int) -> tuple[int | None, int | None]:  # noqa: ANN001
    """The job's process died holding the machine's link: how many program lines the machine
    took and ran (drivers.settle), learnt before anything resets it; None when it cannot tell
    (no mark of this job, a machine that does not answer, a sender that died inside a write);
    then also the most it can have taken (the mark's line being written), for the fabmanager."""
    from drivers.sent_mark import clear_mark, read_mark
    from drivers.settle import settle

    path = mark_path(ctx, machine.id)
    mark = read_mark(path)
    if mark is None or mark.run != job_id or machine.driver not in ("grbl", "marlin"):
        return None, None
    done = settle(machine.driver, _port_for(ctx, machine), machine.connection.baud, mark,
                  flow_control=machine.connection.flow_control, position_after=_positions(ctx, job_id, machine.driver))
    log.warning("machine %s after job %s's sender died: %s (mark %s)", machine.id, job_id,
                f"{done} lines done" if done is not None else "cannot tell how far it got", mark)
    clear_mark(path)
    return done, (None if done is not None else mark.sending_i + 1)


def _positions(ctx: Context, job_id: int, machine_flavour: str = "grbl"):  # noqa: ANN202 - Callable[[int], dict | None]
    """Where the job's program leaves the tool after its first n lines (work coordinates, mm)."""
    from gcode_reader import modal_state_at
    from jobqueue.models import Job

    with ctx.session() as s:
        sha = s.get(Job, job_id).program_sha256
    lines = ctx.store.read_bytes(sha).decode().splitlines() if sha else []

    def after(n: int) -> dict[str, float] | None:
        if not lines or n < 0:
            return None
        st = modal_state_at(lines, n, "marlin" if machine_flavour == "marlin" else "grbl")
        return dict(st.position) or None  # already mm

    return after


@dataclass
class StopResult:
    dropped: int | None = None  # acknowledged moves the stop dropped (None: the link did not work)
    done: int | None = None  # program lines the machine ran, settled exactly (None: not known)
    uncertain_to: int | None = None  # not settled: the most lines the machine can have run


def safe_stop_machine(ctx: Context, machine, settle_job: int | None = None) -> StopResult:  # noqa: ANN001
    """Do what cancel does on a fresh link; with `settle_job` (its sender died), first learn how
    far the machine got with that job's lines. `dropped` is the number of acknowledged moves the
    stop dropped (0 when it cannot tell), None when the link does not work (the machine then
    needs a human all the more: the caller marks it)."""
    from jobqueue.machine_monitor import port_free

    with port_free(machine.id):  # the worker's idle monitor gives the port up first
        return _safe_stop(ctx, machine, settle_job)


def _safe_stop(ctx: Context, machine, settle_job: int | None) -> StopResult:  # noqa: ANN001
    result = StopResult()
    if settle_job is not None:
        try:
            result.done, result.uncertain_to = settle_dead_run(ctx, machine, settle_job)
        except Exception:  # noqa: BLE001 - the stop below matters more than the count
            log.warning("settling %s failed", machine.id, exc_info=True)
    try:
        driver = open_machine_driver(ctx, machine)
    except Exception as exc:
        log.warning("safe stop of %s: cannot open its driver: %s", machine.id, exc)
        return result
    try:
        driver.connect(timeout=SAFE_STOP_CONNECT_S)
        driver.cancel()
        log.warning("safe stop of %s done", machine.id)
        result.dropped = driver.dropped_by_cancel or 0
        return result
    except Exception as exc:  # a dead link, a halted firmware: nothing more can be sent
        log.warning("safe stop of %s: the machine did not take it: %s", machine.id, exc)
        return result
    finally:
        try:
            driver.close()
        except Exception:  # noqa: BLE001 - closing a broken link must not hide the outcome
            log.debug("closing %s after the safe stop failed", machine.id, exc_info=True)
