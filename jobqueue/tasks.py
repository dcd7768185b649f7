"""The work rq workers do: analyse (any host), prepare (any host), run (the machine's host).

Each task opens its own database session (rq forks a work horse per job) and moves the job
through `states.transition`, so a crash in a stage leaves the job in a state that says so.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from jobqueue import analysis_cache, dispatch, runs
from jobqueue.calibration import calibrate
from jobqueue.context import Context
from jobqueue.models import Job
from jobqueue.run_live import ack_times, encode_table
from jobqueue.states import JobState, transition

log = logging.getLogger(__name__)
ENDING_WAIT_S = 60.0  # slicers that published their program, still ending: each is killed within 30 s


def _error_summary(issues: list[dict], limit: int = 3) -> str:
    errors = [i for i in issues if i.get("severity") == "error"]
    texts = []
    for issue in errors[:limit]:  # codes: the job page says each issue in the reader's language
        texts.append(str(issue.get("code") or "error"))
    more = f" (+{len(errors) - limit})" if len(errors) > limit else ""
    return "; ".join(texts) + more


def _redis_or_none(ctx: Context):  # noqa: ANN202 - redis.Redis | None
    try:
        return ctx.redis()
    except Exception:  # no queue server here (a task run inline): no cache, same analysis
        return None


def analyse_job(job_id: int) -> str:
    """Read and measure the upload: pending_review when usable, invalid with its issues if not."""
    from slicing.analysis import analyze_file

    ctx = Context.from_env()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        transition(s, job, JobState.ANALYSING, actor="system:analyse")
    try:
        spec = ctx.spec()
        path = ctx.store.path(job.file_sha256)
        # Everything the result depends on besides the content (see jobqueue/analysis_cache.py).
        scale = (job.options or {}).get("scale")  # the unit chosen for a drawing that did not say its own
        options = {"process": job.process, "material": job.material, "suffix": Path(job.filename).suffix.lower(),
                   "scale": scale}
        key = analysis_cache.cache_key(job.file_sha256, options, spec.model_dump_json())
        result, _ = analysis_cache.cached_analysis(
            _redis_or_none(ctx), key,
            lambda: analyze_file(path, spec=spec, process=job.process, material=job.material, filename=job.filename,
                                 scale=scale),
        )
    except Exception as exc:  # a bug in a reader must not leave the job stuck in 'analysing'
        log.exception("analysis of job %s crashed", job_id)
        result = {
            "valid": False, "metrics": {}, "quotes": [],
            "issues": [{  # a code and its parameters: the web and the CLI say it (web/issue_messages_files.py)
                "code": "analysis_crashed", "severity": "error", "params": {"name": type(exc).__name__},
                "location": None, "detail": f"{type(exc).__name__}: {exc}"[:500],
            }],
            "trace": traceback.format_exc(limit=5),
        }
    with ctx.session() as s:
        job = s.get(Job, job_id)
        job.analysis = result
        if result.get("valid"):
            transition(s, job, JobState.PENDING_REVIEW, actor="system:analyse", reason="analysed")
        else:
            job.reason = _error_summary(result.get("issues", [])) or "file not usable"
            transition(s, job, JobState.INVALID, actor="system:analyse", reason=job.reason)
    return result.get("valid") and "pending_review" or "invalid"


def _preslice_seconds(analysis: dict | None, machine_id: str, material: str | None) -> float | None:
    """The instant quote's time at upload, kept beside the model's for comparison."""
    from jobqueue.contracts.results import AnalysisResult, lenient

    for quote in lenient(AnalysisResult, analysis).quotes:
        if quote.machine == machine_id and quote.material in (material, None):
            return quote.seconds
    return None


def prepare_job(job_id: int) -> str:
    """Turn the approved job into a checked machine program, then queue it on its machine.
    The slicer's process may still be ending when its program is stored (`ending_commands`):
    waited for here, so a work horse that exits after its job leaves none behind."""
    from slicing.ending_commands import wait_ended

    try:
        return _prepare_job(job_id)
    finally:
        wait_ended(ENDING_WAIT_S)


def _prepare_job(job_id: int) -> str:
    from slicing.prepare import prepare_program

    ctx = Context.from_env()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        machine = ctx.spec().machine(job.machine_id)
        source = ctx.store.path(job.file_sha256)
        material, options = job.material, dict(job.options or {})
    try:
        program = prepare_program(source, machine, material, options)
    except Exception as exc:
        log.exception("prepare of job %s crashed", job_id)
        with ctx.session() as s:
            job = s.get(Job, job_id)
            job.reason = f"preparing the program failed: {type(exc).__name__}: {exc}"
            runs.abandon(s, job)
            transition(s, job, JobState.FAILED, actor="system:prepare", reason=job.reason)
        return "failed"
    from gcode_reader.tokens import program_text

    text = program_text(program.lines, program.words)[0] + "\n"  # joined once already by prepare's reading
    program_sha = ctx.store.put_bytes(text.encode())
    preview_sha = ctx.store.put_bytes(program.preview_svg.encode()) if program.preview_svg else None
    est = ctx.estimate_model(program.lines, machine, program.words)  # the time model, on the words read once
    model_seconds = float(est.seconds) if est is not None else None
    table_sha = ctx.store.put_bytes(encode_table(ack_times(est), est.seconds)) if est is not None else None
    with ctx.session() as s:
        job = s.get(Job, job_id)
        calib = calibrate(s, machine.id)
        estimate = model_seconds * calib.factor if model_seconds is not None else None
        job.program_sha256 = program_sha
        job.program_lines = len(program.lines)
        job.lines_acked = 0
        job.estimated_seconds = estimate
        job.program_info = {
            "format": program.format, "issues": program.issues, "metrics": program.metrics,
            "preview_sha256": preview_sha, "estimated_seconds": estimate, "model_seconds": model_seconds,
            "time_table_sha256": table_sha,  # per line, modelled seconds at its acknowledgement (runner ETA)
            "calibration": {"factor": calib.factor, "runs": calib.runs, "error_pct": calib.error_after_pct},
            "preslice_seconds": _preslice_seconds(job.analysis, machine.id, job.material),
        }
        if not program.ok:
            job.reason = _error_summary(program.issues) or "program checks failed"
            runs.abandon(s, job)
            transition(s, job, JobState.PENDING_REVIEW, actor="system:prepare", reason=job.reason)
            return "pending_review"
        transition(s, job, JobState.READY, actor="system:prepare", reason=f"{len(program.lines)} lines")
        s.commit()
        dispatch.after_prepare(s, ctx.redis(), job)  # run now if it holds its machine, else wait
    return "ready"


def run_job(job_id: int) -> str:
    """Stream the program to the machine (see `jobqueue.runner`)."""
    from jobqueue.runner import run_on_machine

    return run_on_machine(Context.from_env(), job_id)


def _our_job_id(rq_job) -> int | None:  # noqa: ANN001 - rq.job.Job
    try:
        return int(rq_job.args[0])
    except (IndexError, TypeError, ValueError):
        return None


def run_failed(rq_job, connection, exc_type=None, exc_value=None, tb=None) -> None:  # noqa: ANN001
    """rq failure callback (in the work horse after run_job raised, or in any worker cleaning up
    a run whose rq heartbeat expired): end the job unless something still runs it."""
    from jobqueue.reaper import end_run

    job_id = _our_job_id(rq_job)
    if job_id is not None:
        cause = "timeout" if exc_type is not None and exc_type.__name__ == "JobTimeoutException" else "crashed"
        end_run(Context.from_env(), job_id, cause, conn=connection)


def run_stopped(rq_job, connection) -> None:  # noqa: ANN001
    """rq stopped callback: the worker killed the work horse on request (`rq` stop-job); this runs
    in the machine's worker, on the machine's host."""
    from jobqueue.reaper import stop_and_end

    job_id = _our_job_id(rq_job)
    if job_id is not None:
        stop_and_end(Context.from_env(), connection, job_id, "stopped")
