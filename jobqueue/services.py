"""The operations users and the fabmanager perform on jobs, with their rules.

The web app and the CLI call these; they never change a job's state themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import redis
from sqlalchemy.orm import Session

from jobqueue import copies as copies_mod
from jobqueue import (
    dispatch,
    heartbeat,
    live,
    permissions,
    queue_order,
    queues,
    quotas,
    runs,
    trainings,
    units,
    workshops,
)
from jobqueue.contracts.api import REASON_MAX, SESSION_LABEL_MAX
from jobqueue.errors import PermissionDenied, RequestError  # noqa: F401 - re-exported for callers
from jobqueue.filestore import FileStore
from jobqueue.models import Job, JobEvent, User
from jobqueue.permissions import Action, require
from jobqueue.states import JobState, transition
from slicing.machine_spec import FablabSpec

ALLOWED_SUFFIXES = {".stl": ("fdm",), ".dxf": ("laser", "cnc", "vinyl"), ".svg": ("laser", "cnc", "vinyl")}


def guess_process(spec: FablabSpec, filename: str) -> str | None:
    """The process a file's type suggests, among this fablab's: an STL is printed, a drawing
    goes to the first 2D process in ALLOWED_SUFFIXES order (laser, then CNC, then vinyl)."""
    kinds = {m.kind for m in spec.machines}
    return next((k for k in ALLOWED_SUFFIXES.get(Path(safe_label(filename)).suffix.lower(), ()) if k in kinds), None)


class Conflict(RequestError):
    """The job's state does not allow it right now (HTTP 409); the code says why."""

    code = "conflict"


def max_upload_bytes() -> int:
    return int(float(os.environ.get("FABLAB_MAX_UPLOAD_MB", "100")) * (1 << 20))


def safe_label(filename: str) -> str:
    """The user's file name kept as a label: no folders, no control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload"
    if len(name) <= 200:
        return name
    suffix = Path(name).suffix[:16]  # a long name keeps its extension: the file type is read from it
    return name[:200 - len(suffix)] + suffix


def default_material(spec: FablabSpec, process: str) -> str:
    machines = spec.machines_of_kind(process)
    if not machines:
        raise RequestError(f"no machine for process '{process}' in this fablab", code="no_machine_for_process",
                           process=process)
    return machines[0].materials[0].name


def process_offers(spec: FablabSpec, process: str, material: str) -> bool:
    return any(m.name == material for mc in spec.machines_of_kind(process) for m in mc.materials)


def submit_job(
    session: Session,
    conn: redis.Redis,
    store: FileStore,
    spec: FablabSpec,
    user: User,
    stream: BinaryIO,
    filename: str,
    process: str,
    material: str | None = None,
    session_label: str | None = None,
    workshop_id: int | None = None,
    scale: float | None = None,
) -> Job:
    require(user, Action.UPLOAD)
    if session_label is not None and len(session_label) > SESSION_LABEL_MAX:
        raise RequestError(f"a session label is at most {SESSION_LABEL_MAX} characters", code="too_long",
                           field="session", max=SESSION_LABEL_MAX)
    label = safe_label(filename)
    suffix = Path(label).suffix.lower()
    kinds = sorted({m.kind for m in spec.machines})
    if process not in kinds:
        raise RequestError(f"unknown process '{process}' (this fablab has: {', '.join(kinds)})", code="unknown_process",
                           process=process, kinds=", ".join(kinds))
    if suffix not in ALLOWED_SUFFIXES:
        raise RequestError(f"'{label}': only STL, DXF and SVG files are accepted", code="wrong_file_type", name=label)
    if process not in ALLOWED_SUFFIXES[suffix]:
        raise RequestError(f"a {suffix[1:].upper()} file cannot be made with process '{process}'",
                           code="file_process_mismatch", ext=suffix[1:].upper(), process=process)
    ws = workshops.check_upload(session, user, workshop_id, process) if workshop_id is not None else None
    quotas.check_upload(session, spec, user, process, ws)  # refused at once, before the file is kept
    if material is None and ws is not None and ws.material and process_offers(spec, process, ws.material):
        material = ws.material
    if material is None:
        material = default_material(spec, process)
    elif not process_offers(spec, process, material):
        raise RequestError(f"no machine for process '{process}' offers material '{material}'", code="no_material",
                           process=process, material=material)
    sha, size = store.put_stream(stream, max_bytes=max_upload_bytes())
    job = Job(
        owner_id=user.id, filename=label, file_sha256=sha, file_size=size, process=process,
        material=material, state=JobState.SUBMITTED.value, options={"scale": scale} if scale else {},
        session_label=ws.title[:64] if ws is not None else session_label, session_id=ws.id if ws is not None else None,
    )
    session.add(job)
    session.flush()
    session.add(JobEvent(job_id=job.id, actor=user.username, from_state=None, to_state=job.state, reason="upload"))
    session.commit()  # the job exists durably before a worker can look for it
    queues.enqueue_analysis(conn, job.id)
    return job


def approve(
    session: Session, conn: redis.Redis, spec: FablabSpec, user: User, job: Job,
    machine_id: str, material: str | None = None, options: dict | None = None,
    override_training: str | None = None, *, copies: int = 1, priority: str = "normal",
) -> Job:
    """Approve onto a machine or a group (`machine_id` may name either): a machine's program
    is prepared now; a group's when dispatch gives it a machine (jobqueue.dispatch)."""
    require(user, Action.APPROVE, job, state=False)  # the transition below checks the state
    units.check_approvable(job)  # a doubtful unit must be chosen first: size and price depend on it
    material = material or job.material
    try:
        machines = queue_order.check_target(session, spec, job, machine_id, material)
    except queue_order.QueueError as exc:
        raise RequestError(str(exc), code=exc.code, **exc.params) from None
    note = None  # the owner is trained, or why they may still be approved (a wrong state: refused below)
    if job.state == JobState.PENDING_REVIEW:
        note = trainings.gate(session, spec, user, job, machines, override_training)
    pinned = machine_id in {m.id for m in spec.machines}
    transition(session, job, JobState.PREPARING, actor=user.username,
               reason=f"approved for {machine_id}" + (f"; {note}" if note else ""))
    job.machine_id = machine_id if pinned else None
    kept = {"scale": job.options["scale"]} if "scale" in (job.options or {}) else {}  # the unit chosen at upload
    job.material, job.options = material, {**kept, **dict(options or {})}
    try:
        entry = queue_order.enter(session, job, machine_id, copies, priority)
    except queue_order.QueueError as exc:
        session.rollback()
        raise RequestError(str(exc), code=exc.code, **exc.params) from None
    if not pinned:  # a group: the copies run in parallel on its free members (jobqueue.copies)
        copies_mod.spread(session, job, entry, user.username)
    session.commit()
    if pinned:
        queues.enqueue_prepare(conn, job.id)
    else:
        dispatch.request(conn)
    return job


def reject(session: Session, user: User, job: Job, reason: str) -> Job:
    require(user, Action.REJECT, job, state=False)
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("a reason is required to reject a job", code="reason_required")
    if len(reason) > REASON_MAX:
        raise RequestError(f"a reason is at most {REASON_MAX} characters", code="too_long", field="reason",
                           max=REASON_MAX)
    transition(session, job, JobState.REJECTED, actor=user.username, reason=reason)
    job.reason = reason
    session.commit()
    return job


def control(session: Session, conn: redis.Redis, user: User, job: Job, command: str) -> Job:
    """Pause, resume or cancel. A running job is told through Redis; others change here."""
    if command not in live.CONTROL_COMMANDS:
        raise RequestError(f"unknown command '{command}'", code="unknown_command", command=command)
    if not permissions.can(user, command, job) and not permissions.can(user, Action.CONTROL_MACHINES):
        raise PermissionDenied(command, job.id)  # staff asking what the state refuses: told why below
    state = JobState(job.state)
    if state in (JobState.RUNNING, JobState.PAUSED) and not heartbeat.alive(conn, job):
        return _control_stranded(session, conn, user, job, command)
    if state in (JobState.RUNNING, JobState.PAUSED):
        wanted = {"pause": JobState.RUNNING, "resume": JobState.PAUSED}.get(command)
        if wanted and state != wanted:
            raise RequestError(f"job {job.id} is {state.value}: cannot {command}", code="command_refused",
                               job=job.id, state=state.value, command=command)
        live.send_control(conn, job.id, command, user.username)
        return job
    if command != "cancel":
        raise RequestError(f"job {job.id} is {state.value}: only a running job can be paused or resumed",
                           code="not_running", job=job.id, state=state.value)
    transition(session, job, JobState.CANCELLED, actor=user.username, reason="cancelled before running")
    runs.abandon(session, job)  # a machine it was given is free again at once
    session.commit()
    dispatch.request(conn)
    return job


def _control_stranded(session: Session, conn: redis.Redis, user: User, job: Job, command: str) -> Job:
    """Nothing runs this job any more (its heartbeat stopped): a command would wait in Redis for
    nobody. Cancel ends it as cancelled; pause and resume end it as interrupted and are refused."""
    from jobqueue.reaper import after_end, end_in_session

    to = JobState.CANCELLED if command == "cancel" else JobState.INTERRUPTED
    reason = end_in_session(session, job, "no_runner", conn, to=to, actor=user.username)
    session.commit()
    if reason is not None:
        after_end(conn, job.id, job.machine_id, to.value, reason, job.lines_acked, job.program_lines or 0)
    if command != "cancel":
        raise Conflict(f"job {job.id}: nothing runs it any more, so it cannot {command}; it is now {job.state}",
                       code="control_no_runner", job=job.id, command=command, state=job.state)
    return job


def resume_failed(session: Session, conn: redis.Redis, user: User, job: Job, from_line: int | None = None,
                  store: FileStore | None = None, machine_homed: bool = False) -> Job:
    """Put a failed, interrupted or cancelled job back in its machine's queue, from its checkpoint; refused
    when the resume preamble cannot restore the state at that line (see `resume_check`)."""
    if permissions.can(user, Action.CONTROL_MACHINES) and not (job.program_sha256 and job.machine_id):
        raise RequestError(f"job {job.id} never had a program for a machine: nothing to run again",
                           code="no_program", job=job.id)
    if not permissions.can(user, Action.CONTROL_MACHINES):
        require(user, Action.RETRY, job)
    if from_line is not None:
        if not 0 <= from_line <= (job.program_lines or 0):
            raise RequestError(f"line {from_line} is outside the program (0..{job.program_lines})", code="line_outside",
                               line=from_line, last=job.program_lines or 0)
        job.lines_acked = from_line
    _check_resumable(job, store, machine_homed)
    transition(session, job, JobState.READY, actor=user.username, reason=f"resume from line {job.lines_acked}")
    job.reason = None  # the old failure is history (kept in the audit log), not the job's state
    runs.resuming(session, job, user.username)  # resuming is the fabmanager's look at what this job left
    session.commit()
    queues.enqueue_run(conn, job.machine_id, job.id, job.estimated_seconds)
    return job


def _check_resumable(job: Job, store: FileStore | None, machine_homed: bool) -> None:
    from jobqueue.context import Context
    from jobqueue.resume_check import resume_blockers

    if not job.lines_acked or not job.program_sha256:
        return
    store = store or Context.from_env().store
    lines = store.read_bytes(job.program_sha256).decode().splitlines()
    blockers = resume_blockers(lines, job.lines_acked, machine_homed=machine_homed)
    if blockers:
        code, params = blockers[0]
        raise Conflict(f"job {job.id} cannot resume at line {job.lines_acked}: {code} {params}", code=code,
                       job=job.id, **params)


def can_view(user: User, job: Job) -> bool:
    """Kept for callers of the old name: jobqueue.permissions decides."""
    return permissions.can_view(user, job)
