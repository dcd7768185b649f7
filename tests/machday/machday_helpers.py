"""Helpers for the machine day tests: jobs brought to a state through the services, and a run
played through the same hooks the runner calls (no serial port: the hooks are under test)."""

from __future__ import annotations

import io
import struct

from jobqueue import runs, services
from jobqueue.context import Context
from jobqueue.models import Job
from jobqueue.states import JobState, transition
from jobqueue.users import get_user


def cube_stl(size: float = 4.0) -> bytes:
    """A small closed cube as binary STL (12 triangles)."""
    s = size
    v = [(0, 0, 0), (s, 0, 0), (s, s, 0), (0, s, 0), (0, 0, s), (s, 0, s), (s, s, s), (0, s, s)]
    faces = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4), (1, 2, 6), (1, 6, 5),
             (2, 3, 7), (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    out = bytearray(b"\0" * 80 + struct.pack("<I", len(faces)))
    for a, b, c in faces:
        out += struct.pack("<3f", 0, 0, 0)
        for i in (a, b, c):
            out += struct.pack("<3f", *v[i])
        out += b"\0\0"
    return bytes(out)


def pending_fdm_job(ctx: Context, username: str = "member", material: str = "PLA") -> int:
    with ctx.session() as s:
        user = get_user(s, username)
        job = services.submit_job(s, ctx.redis(), ctx.store, ctx.spec(), user, io.BytesIO(cube_stl()), "cube.stl",
                                  "fdm", material)
        job.analysis = {"valid": True, "issues": [], "metrics": {}, "quotes": []}
        for step in (JobState.ANALYSING, JobState.PENDING_REVIEW):
            transition(s, job, step, actor="system:test")
        s.commit()
        return job.id


def prepare(ctx: Context, job_id: int, lines: int = 50, filament_g: float = 2.0) -> None:
    """What the prepare task leaves: a program for the job's machine, ready."""
    with ctx.session() as s:
        job = s.get(Job, job_id)
        program = "G28\n" + "G1 X10 Y10 E1 F1200\n" * (lines - 1)
        job.program_sha256 = ctx.store.put_bytes(program.encode())
        job.program_lines, job.estimated_seconds = lines, 600.0
        job.program_info = {"format": "gcode", "issues": [], "metrics": {"filament_g": filament_g}}
        transition(s, job, JobState.READY, actor="system:prepare")


def play_run(ctx: Context, job_id: int, outcome: JobState = JobState.COMPLETED, acked: int | None = None) -> str:
    """Start and end a run through the runner's hooks; returns the job's new state."""
    with ctx.session() as s:
        job = s.get(Job, job_id)
        assert runs.started(s, job, job.machine_id)
        transition(s, job, JobState.RUNNING, actor="system:test")
        job.lines_acked = job.program_lines if acked is None else acked
        state = runs.ended(s, ctx.spec(), job, job.machine_id, outcome, None, job.lines_acked)
        transition(s, job, state, actor="system:test")
        return job.state


def job_with_program(ctx: Context, machine_id: str, program: list[str], username: str = "member") -> int:
    """A job approved onto `machine_id` with `program` as its prepared G-code, dispatched (the
    machine claimed and its run queued when Redis is there): what a worker then streams."""
    from jobqueue import dispatch, queue_order

    job_id = pending_fdm_job(ctx, username)
    with ctx.session() as s:
        job = s.get(Job, job_id)
        job.machine_id = machine_id
        transition(s, job, JobState.PREPARING, actor="fabmanager")
        queue_order.enter(s, job, machine_id)
        job.program_sha256 = ctx.store.put_bytes(("\n".join(program) + "\n").encode())
        job.program_lines, job.estimated_seconds = len(program), 600.0
        job.program_info = {"format": "gcode", "issues": [], "metrics": {"filament_g": 1.0}}
        transition(s, job, JobState.READY, actor="system:prepare")
        s.commit()
        assert [d.machine_id for d in dispatch.dispatch(s, ctx.spec(), ctx.redis())] == [machine_id]
    return job_id
