"""How jobs and machines are shown: the API sends `job_out` (a `JobOut` contract), the pages
read the same as plain data (`job_dict`)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import redis

from jobqueue import live
from jobqueue.contracts.api import HistoryEntry, JobOut, ProgramOut
from jobqueue.contracts.results import AnalysisResult, ProgramInfo, ProgressEvent, lenient
from jobqueue.models import Job
from jobqueue.states import ACTIVE_ON_MACHINE, JobState
from slicing.machine_spec import FablabSpec


def _iso(value) -> str | None:  # noqa: ANN001
    """ISO 8601 in UTC with its offset (SQLite reads back naive UTC, PostgreSQL aware)."""
    if not value:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


_FETCH: Any = object()


def _latest_many(conn: redis.Redis | None, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Live reports by one MGET; none while Redis is away (pages show the durable checkpoint)."""
    try:
        return live.latest_progress_many(conn, ids) if conn is not None else {}
    except redis.exceptions.RedisError:
        return {}


def _latest(conn: redis.Redis | None, job_id: int) -> dict[str, Any] | None:
    return _latest_many(conn, [job_id]).get(job_id)


def job_outs(jobs: list[Job], conn: redis.Redis | None) -> list[JobOut]:
    """`job_out` of many jobs with their progress fetched in one MGET (load owners and events
    in bulk too: jobqueue.listing.with_details)."""
    found = _latest_many(conn, [j.id for j in jobs])
    return [job_out(j, conn, found.get(j.id)) for j in jobs]


def job_dicts(jobs: list[Job], conn: redis.Redis | None) -> list[dict[str, Any]]:
    """`job_outs` as plain data, for templates."""
    return [j.model_dump(mode="json", by_alias=True) for j in job_outs(jobs, conn)]


def _progress(job: Job, conn: redis.Redis | None, live_report: dict[str, Any] | None = _FETCH) -> ProgressEvent:
    """The live report while the job runs; otherwise the durable checkpoint."""
    if live_report is _FETCH:
        live_report = _latest(conn, job.id)
    if live_report is not None and job.state in (JobState.RUNNING, JobState.PAUSED):
        return lenient(ProgressEvent, live_report)
    total = job.program_lines or 0
    percent = 100.0 if job.state == JobState.COMPLETED else (round(100.0 * job.lines_acked / total, 2) if total else 0.0)
    eta = live_report.get("eta_seconds") if live_report else None
    return ProgressEvent(job_id=job.id, lines_acked=job.lines_acked or 0, lines_total=total, percent=percent,
                         state=job.state, eta_seconds=eta if isinstance(eta, int | float) else None)


def job_out(job: Job, conn: redis.Redis | None, progress: dict[str, Any] | None = _FETCH) -> JobOut:
    """The job as the API sends it and the pages read it: stored JSON read through the contracts
    (leniently: an analysis stored by an older version still shows)."""
    analysis = lenient(AnalysisResult, job.analysis)
    info = lenient(ProgramInfo, job.program_info)
    return JobOut(
        id=job.id, filename=job.filename, owner=job.owner.username if job.owner else None, process=job.process,
        material=job.material, machine=job.machine_id, state=job.state, reason=job.reason, valid=analysis.valid,
        usable=analysis.valid and not (analysis.units and analysis.units.pending) if analysis.valid is not None else None,
        units=analysis.units,
        issues=analysis.issues, metrics=analysis.metrics, quotes=analysis.quotes,
        program=ProgramOut(lines=job.program_lines, format=info.format, issues=info.issues, metrics=info.metrics,
                           estimated_seconds=job.estimated_seconds) if job.program_sha256 else None,
        progress=_progress(job, conn, progress),
        created_at=_iso(job.created_at), started_at=_iso(job.started_at), finished_at=_iso(job.finished_at),
        history=[HistoryEntry(at=_iso(e.at), actor=e.actor, from_=e.from_state, to=e.to_state, reason=e.reason)
                 for e in job.events],
    )


def _progress_dict(job: Job, progress: dict[str, Any] | None) -> dict[str, Any]:
    total = job.program_lines or 0
    if progress is None or job.state not in (JobState.RUNNING, JobState.PAUSED):
        progress = {
            "lines_acked": job.lines_acked, "lines_total": total,
            "percent": 100.0 if job.state == JobState.COMPLETED else (round(100.0 * job.lines_acked / total, 2) if total else 0.0),
            "state": job.state, **({k: progress[k] for k in ("eta_seconds",) if progress and k in progress}),
        }
    return progress


def job_summaries(rows: list, conn: redis.Redis | None) -> list[dict[str, Any]]:
    """List rows (jobqueue.listing.Row): what a table shows, progress by one MGET; the analysis
    and program columns are not read."""
    found = _latest_many(conn, [r.job.id for r in rows])
    out = []
    for r in rows:
        job = r.job
        out.append({
            "id": job.id, "filename": job.filename, "owner": r.owner,
            "process": job.process, "material": job.material, "machine": job.machine_id, "state": job.state,
            "reason": job.reason, "valid": r.valid, "issue_count": r.issue_count,
            "session_label": job.session_label, "progress": _progress_dict(job, found.get(job.id)),
            "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
            "finished_at": _iso(job.finished_at),
        })
    return out


def job_dict(job: Job, conn: redis.Redis | None, progress: dict[str, Any] | None = _FETCH) -> dict[str, Any]:
    """`job_out` as plain data, for templates; `progress`: already fetched (lists), else read here."""
    return job_out(job, conn, progress).model_dump(mode="json", by_alias=True)


TELEMETRY_FRESH_S = 60.0  # figures the idle monitor published longer ago are not shown


def _live_figures(conn: redis.Redis | None, job_id: int | None, status: dict[str, Any]) -> dict[str, Any]:
    """Temperatures, position and firmware state: the running job's progress, else what the
    machine worker's idle monitor last saw (jobqueue.machine_monitor), while it is fresh."""
    progress = (live.latest_progress(conn, job_id) if conn is not None and job_id else None) or {}
    fresh = status if time.time() - float(status.get("telemetry_at") or 0) < TELEMETRY_FRESH_S else {}
    return {"temperatures": progress.get("temperatures") or fresh.get("temperatures"),
            "position": progress.get("position") or fresh.get("position"),
            "firmware_state": progress.get("firmware_state") or fresh.get("firmware_state"),
            "link_error": None if progress else fresh.get("link_error")}


def machines_list(spec: FablabSpec, conn: redis.Redis | None, active_jobs: list[Job],
                  statuses: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each machine as pages and the API show it. With `statuses` (jobqueue.machine_status rows)
    the state is the durable one: idle, busy, to_be_cleared, needs_attention, out_of_service."""
    by_machine = {}
    job_states = {j.id: j.state for j in active_jobs}
    for j in active_jobs:
        if j.state in ACTIVE_ON_MACHINE and j.state != JobState.READY:
            by_machine[j.machine_id] = j.id
    out = []
    for m in spec.machines:
        status = live.machine_status(conn, m.id) if conn is not None else {}
        row = {
            "id": m.id, "name": m.name, "kind": m.kind, "driver": m.driver,
            "state": status.get("state", "offline"),
            "current_job": by_machine.get(m.id),
            "materials": [mat.name for mat in m.materials],
            "work_area_mm": [m.work_area.x, m.work_area.y, m.work_area.z],
        }
        if statuses is not None and m.id in statuses:
            from jobqueue import machine_status

            durable = machine_status.as_dict(statuses[m.id])
            row.update(durable, link_state=row["state"], clearance_required=m.clearance_required)
            row["current_job"] = durable["current_job"] or row["current_job"]
        row.update(_live_figures(conn, row["current_job"], status))
        row["job_state"] = job_states.get(row["current_job"])
        out.append(row)
    return out
