"""Running one job on its machine: the streaming thread and the control loop around it.

The driver streams in its own thread; this loop, in the worker's main thread, relays
control commands from Redis (pause, resume, cancel) to the driver, moves the job's state,
writes the durable checkpoint (last acknowledged line) about once a second, and publishes
progress with an ETA taken from the time model at the current line.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict

from jobqueue import live
from jobqueue.calibration import calibrate
from jobqueue.context import Context
from jobqueue.models import Job, utcnow
from jobqueue.states import JobState, transition

log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 1.0
PUBLISH_EVERY_S = 0.2


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
    )


class _Stream(threading.Thread):
    """Runs driver.stream() and keeps the latest progress for the control loop."""

    def __init__(self, driver, lines: list[str], start_line: int):  # noqa: ANN001
        super().__init__(daemon=True, name="stream")
        self.driver, self.lines, self.start_line = driver, lines, start_line
        self.progress = None
        self.result = None
        self.error: BaseException | None = None

    def _on_progress(self, progress) -> None:  # noqa: ANN001
        self.progress = progress

    def run(self) -> None:
        try:
            self.result = self.driver.stream(self.lines, start_line=self.start_line, on_progress=self._on_progress)
        except BaseException as exc:  # handed to the control loop, which decides the job's state
            self.error = exc


def _progress_payload(progress, estimate, total: int, state: str, factor: float = 1.0) -> dict:  # noqa: ANN001
    acked = progress.lines_acked if progress else 0
    data = {"lines_acked": acked, "lines_total": total, "percent": round(100.0 * acked / total, 2) if total else 100.0,
            "state": state}
    if progress is not None:
        data.update({k: v for k, v in asdict(progress).items() if k in ("bytes_sent", "position", "temperatures")})
        data["firmware_state"] = progress.state
    if estimate is not None:
        # Firmware acknowledges a line when it is queued: add back what its planner still holds.
        remaining = estimate.remaining_seconds(acked - 1, buffered_blocks=15) if acked else estimate.seconds
        data["eta_seconds"] = round(float(remaining) * factor, 1)
    return data


def run_on_machine(ctx: Context, job_id: int) -> str:
    from drivers.base import Cancelled, DriverError

    conn = ctx.redis()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job.state != JobState.READY:
            return f"skipped: job is {job.state}"
        machine = ctx.spec().machine(job.machine_id)
        lines = ctx.store.read_bytes(job.program_sha256).decode().splitlines()
        start_line = job.lines_acked or 0
        transition(s, job, JobState.RUNNING, actor=f"system:{machine.id}",
                   reason=f"from line {start_line}" if start_line else "start")
        job.started_at = job.started_at or utcnow()
    live.clear_control(conn, job_id)
    estimate = ctx.estimate_model(lines, machine)
    with ctx.session() as s:
        factor = calibrate(s, machine.id).factor
    live.set_machine_status(conn, machine.id, "running", job_id)
    state = JobState.RUNNING
    outcome: tuple[JobState, str | None]
    try:
        driver = open_machine_driver(ctx, machine)
        driver.connect()
    except Exception as exc:
        outcome = (JobState.FAILED, f"cannot connect to {machine.name}: {exc}")
        return _finish(ctx, conn, job_id, machine.id, outcome, None, len(lines), estimate)
    stream = _Stream(driver, lines, start_line)
    stream.start()
    last_checkpoint = last_publish = 0.0
    try:
        while stream.is_alive():
            control = live.next_control(conn, job_id, timeout=0.2)
            if control:
                state = _apply_control(ctx, driver, job_id, control[0], state, control[1])
            now = time.monotonic()
            if now - last_publish >= PUBLISH_EVERY_S:
                live.publish_progress(conn, job_id, _progress_payload(stream.progress, estimate, len(lines), state.value, factor))
                last_publish = now
            if now - last_checkpoint >= CHECKPOINT_EVERY_S and stream.progress:
                _checkpoint(ctx, job_id, stream.progress.lines_acked)
                last_checkpoint = now
        stream.join(5)
    finally:
        driver.close()
    if stream.error is None:
        outcome = (JobState.COMPLETED, None)
    elif isinstance(stream.error, Cancelled):
        outcome = (JobState.CANCELLED, str(stream.error) or "cancelled")
    elif isinstance(stream.error, DriverError):
        outcome = (JobState.FAILED, str(stream.error))
    else:
        log.error("stream of job %s crashed", job_id, exc_info=stream.error)
        outcome = (JobState.FAILED, f"internal error while streaming: {type(stream.error).__name__}: {stream.error}")
    acked = stream.result.lines_acked if stream.result else (stream.progress.lines_acked if stream.progress else start_line)
    return _finish(ctx, conn, job_id, machine.id, outcome, acked, len(lines), estimate, stream.progress)


def _apply_control(ctx: Context, driver, job_id: int, command: str, state: JobState,  # noqa: ANN001
                   actor: str | None = None) -> JobState:
    target = {"pause": JobState.PAUSED, "resume": JobState.RUNNING}.get(command)
    if command == "cancel":
        driver.cancel()  # the stream thread then ends with Cancelled, and _finish records it
        return state
    if target is None or target == state:
        return state
    from drivers.base import DriverError

    try:
        (driver.pause if command == "pause" else driver.resume)()
    except DriverError as exc:  # the machine did not take it: the job keeps its state, the log says why
        log.warning("job %s: %s refused by the driver: %s", job_id, command, exc)
        return state
    with ctx.session() as s:
        transition(s, s.get(Job, job_id), target, actor=actor or "fabmanager", reason=command)
    return target


def _checkpoint(ctx: Context, job_id: int, lines_acked: int) -> None:
    with ctx.session() as s:
        s.get(Job, job_id).lines_acked = lines_acked


def _finish(ctx, conn, job_id, machine_id, outcome, acked, total, estimate, progress=None) -> str:  # noqa: ANN001
    state, reason = outcome
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if acked is not None:
            job.lines_acked = acked
        job.reason = reason
        job.finished_at = utcnow()
        if state == JobState.COMPLETED and job.state == JobState.PAUSED:
            # The last line was acknowledged just as a pause arrived: record the finish truthfully.
            transition(s, job, JobState.RUNNING, actor=f"system:{machine_id}", reason="program finished while pausing")
        transition(s, job, state, actor=f"system:{machine_id}", reason=reason)
        final_acked = job.lines_acked
    payload = _progress_payload(progress, None, total, state.value)
    payload.update(lines_acked=final_acked, percent=round(100.0 * final_acked / total, 2) if total else 100.0,
                   reason=reason, eta_seconds=0 if state == JobState.COMPLETED else None)
    live.publish_progress(conn, job_id, payload)
    live.set_machine_status(conn, machine_id, "idle" if state != JobState.FAILED else "error", None, last_error=reason)
    return state.value
