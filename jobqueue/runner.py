"""Running one job on its machine: the streaming thread and the control loop around it.

The driver streams in its own thread; this loop, in the worker's main thread, relays
control commands from Redis (pause, resume, cancel) to the driver, moves the job's state,
beats the job's heartbeat and writes the durable checkpoint (last acknowledged line) about
once a second, and publishes progress with an ETA taken from the time model at the current
line. Redis may blink: the machine keeps being fed, Redis calls are skipped until it is back
(see `RunLive`), checkpoints and the heartbeat go on in the database. Whatever ends the loop
abnormally (rq's timeout, a bug here, a driver error) ends the job in a defined state and
sends the machine what cancel sends.
"""

from __future__ import annotations

import logging
import threading
import time

from drivers.sent_mark import SentMark, clear_mark
from jobqueue import dispatch, heartbeat, live, machine_status, reasons, runs
from jobqueue.calibration import calibrate
from jobqueue.context import Context
from jobqueue.machine_link import mark_path, open_machine_driver, safe_stop_machine
from jobqueue.models import Job, utcnow
from jobqueue.reaper import mark_needs_attention
from jobqueue.run_live import RunLive, TimeTable, ack_times, progress_payload, time_table
from jobqueue.states import JobState, MachineBusy, transition

log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 1.0
PUBLISH_EVERY_S = 0.2
BUSY_RETRY_S = 1.0
ENDED_BADLY = (JobState.FAILED, JobState.INTERRUPTED)

__all__ = ["open_machine_driver", "run_on_machine"]


class _Stream(threading.Thread):
    """Runs driver.stream() and keeps the latest progress for the control loop."""

    def __init__(self, driver, lines: list[str], start_line: int, rl: RunLive):  # noqa: ANN001
        super().__init__(daemon=True, name="stream")
        self.driver, self.lines, self.start_line, self.rl = driver, lines, start_line, rl
        self.progress = None
        self.result = None
        self.error: BaseException | None = None
        self._acked = start_line

    def _on_progress(self, progress) -> None:  # noqa: ANN001
        self.progress = progress
        if progress.lines_acked != self._acked and not self.rl.down:
            self._acked = progress.lines_acked
            self.rl.call(live.set_acked, self.rl.job_id, progress.lines_acked)

    def run(self) -> None:
        try:
            self.result = self.driver.stream(self.lines, start_line=self.start_line, on_progress=self._on_progress)
        except BaseException as exc:  # handed to the control loop, which decides the job's state
            self.error = exc

    def acked(self, default: int) -> int:
        err_acked = getattr(self.error, "lines_acked", None)
        if self.result is not None:
            return self.result.lines_acked
        if err_acked is not None:
            return err_acked
        return self.progress.lines_acked if self.progress else default


def _take_machine(ctx: Context, job_id: int, machine_id: str, start_line: int) -> bool:
    """READY -> RUNNING; while the records say another job holds the machine, wait (the reaper
    ends that one if nothing runs it). False when the job left READY meanwhile."""
    while True:
        try:
            with ctx.session() as s:
                job = s.get(Job, job_id)
                if job.state != JobState.READY:
                    return False
                transition(s, job, JobState.RUNNING, actor=f"system:{machine_id}",
                           reason=f"from line {start_line}" if start_line else "start")
                job.started_at = job.started_at or utcnow()
                job.heartbeat_at = utcnow()
                if reasons.parse(job.reason)[0] == reasons.RUN_WAITING_MACHINE:
                    job.reason = None  # it waited; it runs now
            return True
        except MachineBusy:
            log.info("job %s waits: machine %s still has a job running", job_id, machine_id)
            time.sleep(BUSY_RETRY_S)


def run_on_machine(ctx: Context, job_id: int) -> str:
    conn = ctx.redis()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job.state != JobState.READY:
            return f"skipped: job is {job.state}"
        machine = ctx.spec().machine(job.machine_id)
        blocker = runs.machine_blocker(s, job, machine.id)
        if blocker is not None:  # nothing starts on a machine someone must look at first
            runs.wait_for_machine(s, job, machine.id, blocker)
            log.warning("job %s waits: machine %s is %s", job_id, machine.id, blocker)
            return f"waiting: {machine.id} is {blocker}"
        if not runs.started(s, job, machine.id):  # the record says the machine is another job's
            return f"skipped: {machine.id} is held by another job"
        lines = ctx.store.read_bytes(job.program_sha256).decode().splitlines()
        start_line = job.lines_acked or 0
        table = time_table(job.program_info, len(lines), ctx.store)
        factor = calibrate(s, machine.id).factor
    if not _take_machine(ctx, job_id, machine.id, start_line):
        return "skipped: job left ready"
    rl = RunLive(conn, job_id)
    rl.call(live.clear_control, job_id)
    rl.call(live.set_acked, job_id, start_line)
    rl.call(heartbeat.beat, job_id)
    if table is None:  # a program prepared before the time table was stored: run the planner once
        table = _planned_table(ctx, lines, machine)
    rl.call(live.set_machine_status, machine.id, "running", job_id)
    try:
        driver = open_machine_driver(ctx, machine)
        driver.connect()
    except Exception as exc:
        outcome = (JobState.FAILED, reasons.make(reasons.RUN_CONNECT_FAILED, machine=machine.id, error=str(exc)))
        return _finish(ctx, rl, job_id, machine.id, outcome, None, len(lines))
    mark = SentMark(mark_path(ctx, machine.id), job_id, start_line)  # read back only if this process dies
    driver.sent_mark = mark
    stream = _Stream(driver, lines, start_line, rl)
    stream.start()
    aborted: BaseException | None = None
    estopped = False
    try:
        estopped = _control_loop(ctx, rl, job_id, driver, stream, len(lines), table, factor)
    except BaseException as exc:  # rq's timeout (raised in this thread), a bug: stop the machine as cancel does
        aborted = exc
        log.error("control loop of job %s ended abnormally: %r", job_id, exc)
        try:
            driver.cancel()
        except Exception:  # noqa: BLE001 - the fresh-link safe stop below still runs
            log.warning("cancel after the abnormal end of job %s failed", job_id, exc_info=True)
        stream.join(30)
    finally:
        driver.close()
    outcome = (JobState.FAILED, "emergency_stop") if estopped else _outcome(job_id, stream.error, aborted)
    acked = stream.acked(start_line)
    if outcome[0] in ENDED_BADLY and not _was_cancel(stream.error) and not estopped:
        # an abnormal end does what cancel does, where the link still works; moves the firmware had
        # acknowledged and the stop dropped are not done: the checkpoint steps back over them
        dropped = safe_stop_machine(ctx, machine).dropped
        acked = max(start_line, acked - (dropped or 0))
    state = _finish(ctx, rl, job_id, machine.id, outcome, acked, len(lines), stream.progress)
    mark.close()
    clear_mark(mark.path)  # this process counted every acknowledgement itself
    if aborted is not None:
        raise aborted
    return state


def _was_cancel(error: BaseException | None) -> bool:
    from drivers.base import Cancelled

    return isinstance(error, Cancelled)


def _planned_table(ctx: Context, lines: list[str], machine) -> TimeTable | None:  # noqa: ANN001
    est = ctx.estimate_model(lines, machine)
    return TimeTable(ack_times(est), float(est.seconds)) if est is not None else None


def _control_loop(ctx: Context, rl: RunLive, job_id: int, driver, stream: _Stream, total: int,  # noqa: ANN001
                  table, factor: float) -> bool:  # noqa: ANN001
    """Relay controls, publish progress, beat; True when an emergency stop ended the run."""
    state = JobState.RUNNING
    last_checkpoint = last_publish = 0.0
    while stream.is_alive():
        control = rl.call(live.next_control, job_id, timeout=0.2)
        if rl.down:
            time.sleep(0.2)
        if control and control[0] == "emergency_stop":
            _emergency_stop(driver, job_id)
            stream.join(5)
            return True
        if control:
            state = _apply_control(ctx, driver, job_id, control[0], state, control[1])
        now = time.monotonic()
        if now - last_publish >= PUBLISH_EVERY_S:
            rl.call(live.publish_progress, job_id, progress_payload(stream.progress, table, total, state.value, factor))
            last_publish = now
        if now - last_checkpoint >= CHECKPOINT_EVERY_S:
            _checkpoint(ctx, job_id, stream.progress.lines_acked if stream.progress else None)
            rl.call(heartbeat.beat, job_id)
            last_checkpoint = now
    stream.join(5)
    return False


def _outcome(job_id: int, error: BaseException | None, aborted: BaseException | None) -> tuple[JobState, str | None]:
    """Interrupted: ended by what is around the job (its time limit, its process stopped, the link
    lost); failed: by the job or the machine (a firmware error, an alarm, a bug while streaming)."""
    from drivers.base import Cancelled, DisconnectedError, DriverError

    if aborted is not None:
        from rq.timeouts import JobTimeoutException

        cause = "timeout" if isinstance(aborted, JobTimeoutException) else type(aborted).__name__
        return JobState.INTERRUPTED, reasons.make(reasons.RUN_INTERRUPTED, cause=cause)
    if error is None:
        return JobState.COMPLETED, None
    if isinstance(error, DriverError):  # a code with parameters (line, safety actions done), said by web and CLI
        if isinstance(error, Cancelled):
            return JobState.CANCELLED, reasons.from_driver(error)
        return (JobState.INTERRUPTED if isinstance(error, DisconnectedError) else JobState.FAILED,
                reasons.from_driver(error))
    log.error("stream of job %s crashed", job_id, exc_info=error)
    return JobState.FAILED, reasons.make(reasons.RUN_CRASHED, error=type(error).__name__, detail=str(error))


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


def _emergency_stop(driver, job_id: int) -> bool:  # noqa: ANN001
    """M112 / soft reset through the driver, then drop the link so the stream ends at once
    (a killed firmware answers nothing more)."""
    try:
        driver.emergency_stop()
    except Exception:  # noqa: BLE001 - the link may already be gone: closing it below still stops the stream
        log.exception("job %s: emergency stop through the driver failed", job_id)
    driver.close()
    return True


def _checkpoint(ctx: Context, job_id: int, lines_acked: int | None) -> None:
    """The durable half of the heartbeat, with the checkpoint; a busy database skips one beat."""
    try:
        with ctx.session() as s:
            job = s.get(Job, job_id)
            if lines_acked is not None:
                job.lines_acked = lines_acked
            job.heartbeat_at = utcnow()
    except Exception:  # noqa: BLE001 - the machine must keep being fed; the next beat retries
        log.warning("checkpoint of job %s not written", job_id, exc_info=True)


def _finish(ctx: Context, rl: RunLive, job_id: int, machine_id: str, outcome: tuple[JobState, str | None],
            acked: int | None, total: int, progress=None) -> str:  # noqa: ANN001
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
        job_state = runs.ended(s, ctx.spec(), job, machine_id, state, reason, job.lines_acked)
        transition(s, job, job_state, actor=f"system:{machine_id}",
                   reason=reason if job_state == state else "copy_done")
        final_acked = job.lines_acked
        if state in ENDED_BADLY:  # nothing more goes to the machine until someone has looked
            machine_status.mark_needs_attention(s, machine_id, "abnormal_end",
                                                {"job_id": job_id, "line": final_acked, "reason": reason})
    payload = progress_payload(progress, None, total, state.value)
    rl.call(dispatch.request)  # the machine is free (or waits to be cleared): the queue moves on
    payload.update(lines_acked=final_acked, percent=round(100.0 * final_acked / total, 2) if total else 100.0,
                   reason=reason, eta_seconds=0 if state == JobState.COMPLETED else None)
    rl.call(live.publish_progress, job_id, payload)
    rl.call(heartbeat.forget, job_id)
    if state in ENDED_BADLY:
        mark_needs_attention(rl.conn if not rl.down else None, machine_id, reason)
    else:
        rl.call(live.set_machine_status, machine_id, "idle", None)
    return state.value
