"""A small fablab for fault tests: two simulated GRBL machines (laser-1, cnc-1), their rq
workers and an analysis worker as real processes, and ready jobs put straight in the records
(analysis and prepare are not what these tests are about)."""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from pathlib import Path

from jobqueue import machine_status, queues
from jobqueue.context import Context
from jobqueue.models import Job, JobEvent, User
from jobqueue.states import JobState

FINAL = ("completed", "failed", "interrupted", "cancelled")


def program(n: int, tag: int = 0) -> list[str]:
    """`n` moves, every line different (so the simulator's log says which line arrived how often)."""
    head = ["G21", "G90", "M4 S0"]
    body = [f"G1 X{5 + (i % 40) * 5 + tag * 0.01:.3f} Y{5 + (i // 40) % 40 + i * 0.0001:.4f} S300 F1500"
            for i in range(n)]
    return head + body + ["M5"]


def make_ready_job(ctx: Context, machine_id: str, lines: list[str], owner: str = "member") -> int:
    with ctx.session() as s:
        user = s.query(User).filter_by(username=owner).one()
        sha = ctx.store.put_bytes(("\n".join(lines) + "\n").encode())
        job = Job(owner_id=user.id, filename=f"{machine_id}.nc", file_sha256=sha, file_size=1,
                  process="laser" if machine_id.startswith("laser") else "cnc", material=None,
                  machine_id=machine_id, state=JobState.READY.value, options={}, program_sha256=sha,
                  program_lines=len(lines), program_info={"format": "gcode"}, lines_acked=0)
        s.add(job)
        s.flush()
        s.add(JobEvent(job_id=job.id, actor="test", from_state=None, to_state="ready", reason="test"))
        job_id = job.id
        if machine_status.get(s, machine_id).awaiting_clearance:  # the operator took the last part out
            machine_status.confirm_cleared(s, machine_id, "test")
    queues.enqueue_run(ctx.redis(), machine_id, job_id, 60)
    return job_id


def job_row(ctx: Context, job_id: int) -> Job:
    with ctx.session() as s:
        job = s.get(Job, job_id)
        s.expunge(job)
        return job


def history(ctx: Context, job_id: int) -> list[tuple[str | None, str]]:
    with ctx.session() as s:
        return [(e.from_state, e.to_state) for e in s.get(Job, job_id).events]


def horse_pid(ctx: Context, job_id: int) -> int | None:
    raw = ctx.redis().get(f"fablab:job:{job_id}:heartbeat")
    return json.loads(raw)["pid"] if raw else None


def kill9(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def line_counts(received: list[str], lines: list[str]) -> Counter:
    """How many times each move of the program reached the machine (the modal lines, which a
    resume preamble and a safe stop also send, left out)."""
    wanted = {line for line in lines if line.startswith("G1 ")}
    return Counter(r.strip() for r in received if r.strip() in wanted)


def sim_link(ctx: Context, machine_id: str) -> Path:
    link = ctx.settings.simulator_link(machine_id)
    link.parent.mkdir(parents=True, exist_ok=True)
    return link


def now() -> float:
    return time.monotonic()
