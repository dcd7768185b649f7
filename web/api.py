"""JSON API under /api/v1, bearer-token authentication (`fablab token create USERNAME`).

Bodies and queries are validated by `web.validation.api_route` against the models of
`jobqueue.contracts.api` (a bad request is a 400 before the view runs); answers are those
models, so the OpenAPI document at /api/v1/openapi.json says exactly what is sent.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator

import redis
from flask import Blueprint, Response, g, jsonify, request, stream_with_context
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from jobqueue import listing, live, permissions, services
from jobqueue.contracts.api import (
    ApproveIn,
    ErrorBody,
    JobList,
    JobListQuery,
    JobOut,
    RejectIn,
    RetryIn,
    SubmitForm,
)
from jobqueue.contracts.results import ProgressEvent, lenient
from jobqueue.filestore import FileTooLarge
from jobqueue.models import Job
from jobqueue.states import FINISHED, IllegalTransition
from jobqueue.users import user_for_token
from web import api_messages, sse, views
from web.app import context
from web.validation import api_route
from web.views import job_summaries

api = Blueprint("api", __name__, url_prefix="/api/v1")


def api_error(message: str, status: int, code: str = "error", params: dict | None = None,
              exc: Exception | None = None) -> tuple[Response, int]:
    """An `ErrorBody`: the stable `code` and its `params`, `message` in the caller's language
    (web/api_messages.py), `message` argument in English for logs."""
    said = api_messages.message(code, status, params or getattr(exc, "params", None), exc)
    body = ErrorBody(error=message, code=code, params=params or None, message=said)
    return jsonify(body.model_dump(exclude_none=True, mode="json")), status


_error = api_error


def _csrf_header_ok() -> bool:
    """The session cookie rides along on cross-site form posts; the X-CSRFToken header cannot."""
    try:
        validate_csrf(request.headers.get("X-CSRFToken", ""))
    except ValidationError:
        return False
    return True


def authenticated(view: Callable) -> Callable:
    """Bearer token, or the browser's logged-in session (pages call the API too)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):  # noqa: ANN202
        header = request.headers.get("Authorization", "")
        with context().session() as s:
            if header.startswith("Bearer "):
                user = user_for_token(s, header.removeprefix("Bearer ").strip())
                if user is None:
                    return _error("invalid token", 401, "invalid_token")
                g.auth = "token"
            elif current_user.is_authenticated:
                if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_header_ok():
                    return _error("a session-authenticated API call needs the X-CSRFToken header", 403, "csrf")
                user = current_user
                g.auth = "session"
            else:
                return _error("authentication required: Authorization: Bearer <token>", 401, "unauthenticated")
            g.user, g.db = user, s
            try:
                return view(*args, **kwargs)
            except services.PermissionDenied as exc:
                return _error(str(exc), 403, exc.code, exc.params, exc=exc)
            except IllegalTransition as exc:
                return _error(str(exc), 409, "illegal_transition", exc=exc)
            except services.Conflict as exc:
                return _error(str(exc), 409, exc.code, exc=exc)
            except services.RequestError as exc:
                return _error(str(exc), 400, exc.code if exc.code != "request_refused" else "refused", exc.params,
                              exc=exc)

    return wrapper


def _job_or_404(job_id: int) -> Job | tuple[Response, int]:
    job = g.db.get(Job, job_id)
    if job is None or not permissions.can_view(g.user, job):
        return _error(f"no job {job_id}", 404, "not_found")
    return job


def job_out(job: Job) -> JobOut:
    return views.job_out(job, context().redis())


@api.post("/jobs")
@authenticated
@api_route(form=SubmitForm, resp={201: JobOut, 413: ErrorBody}, tags=["jobs"])
def submit(form: SubmitForm):  # noqa: ANN201
    """Upload a file and submit a job"""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _error("multipart field 'file' is required", 400, "invalid_request")
    ctx = context()
    try:
        job = services.submit_job(
            g.db, ctx.redis(), ctx.store, ctx.spec(), g.user, upload.stream, upload.filename, form.process,
            form.material or None, workshop_id=form.session, scale=form.scale,
        )
    except FileTooLarge as exc:
        return _error(str(exc), 413, "too_large", exc=exc)
    return job_out(job), 201


@api.get("/jobs")
@authenticated
@api_route(query=JobListQuery, resp={200: JobList}, tags=["jobs"])
def list_jobs(query: JobListQuery):  # noqa: ANN201
    """List jobs (the caller's own; all of them for the fabmanager), newest first, by pages

    Each item is a summary (verdict and issue count); GET /jobs/{id} gives the whole job.
    """
    q = permissions.visible_jobs_query(g.user).order_by(Job.id.asc() if query.order == "oldest" else Job.id.desc())
    if query.mine:
        q = q.where(Job.owner_id == g.user.id)
    if query.state:
        q = q.where(Job.state == query.state.value)
    page = listing.paginate_summaries(g.db, q, query.page, query.per_page)
    return JobList.model_validate({"jobs": job_summaries(page.items, context().redis()), **page.meta()})


@api.get("/jobs/<int:job_id>")
@authenticated
@api_route(resp={200: JobOut}, tags=["jobs"])
def get_job(job_id: int):  # noqa: ANN201
    """One job: state, issues, metrics, quotes, program, progress, history"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    return job_out(job)


@api.post("/jobs/<int:job_id>/approve")
@authenticated
@api_route(json=ApproveIn, resp={200: JobOut, 409: ErrorBody}, tags=["review"])
def approve(job_id: int, json: ApproveIn):  # noqa: ANN201, A002
    """Approve a job waiting for review onto a machine or a group, with copies and priority (fabmanager)"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    ctx = context()
    services.approve(g.db, ctx.redis(), ctx.spec(), g.user, job, json.machine or json.group, json.material,
                     json.options, override_training=json.override_training, copies=json.copies,
                     priority=json.priority)
    return job_out(job)


@api.post("/jobs/<int:job_id>/reject")
@authenticated
@api_route(json=RejectIn, resp={200: JobOut, 409: ErrorBody}, tags=["review"])
def reject(job_id: int, json: RejectIn):  # noqa: ANN201, A002
    """Reject a job with a reason (fabmanager)"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    services.reject(g.db, g.user, job, json.reason)
    return job_out(job)


@api.post("/jobs/<int:job_id>/<any(pause, resume, cancel):command>")
@authenticated
@api_route(resp={202: JobOut, 409: ErrorBody}, tags=["control"])
def control(job_id: int, command: str):  # noqa: ANN201
    """Pause, resume (fabmanager) or cancel a job

    The fabmanager cancels any job; a user cancels their own before approval. A running job is
    told through the machine worker and changes state when the machine obeys.
    """
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    services.control(g.db, context().redis(), g.user, job, command)
    return job_out(job), 202


@api.post("/jobs/<int:job_id>/retry")
@authenticated
@api_route(json=RetryIn, resp={202: JobOut, 409: ErrorBody}, tags=["control"])
def retry(job_id: int, json: RetryIn):  # noqa: ANN201, A002
    """Put a failed or cancelled job back in its machine's queue from its checkpoint (fabmanager)"""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    services.resume_failed(g.db, context().redis(), g.user, job, json.from_line,
                           machine_homed=json.machine_homed)
    return job_out(job), 202


@api.get("/jobs/<int:job_id>/events")
@authenticated
@api_route(resp={200: None, 503: ErrorBody}, tags=["jobs"])
def events(job_id: int):  # noqa: ANN201
    """Live progress as Server-Sent Events

    Each `data:` line is a ProgressEvent JSON object; the stream ends when the job finishes.
    Comment lines keep the connection alive.
    """
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    conn = context().redis()
    # Subscribe before reading the state, so an event published in between is not lost.
    pubsub = conn.pubsub(ignore_subscribe_messages=True)
    try:
        pubsub.subscribe(live.progress_channel(job_id))
    except redis.exceptions.RedisError:  # the queue server blinks: the browser's EventSource retries
        pubsub.close()
        response, status = api_error("live progress is unavailable for a moment", 503, "live_unavailable")
        response.headers["Retry-After"] = "2"
        return response, status
    g.db.refresh(job)
    first = views.job_out(job, conn)

    def stream():  # noqa: ANN202
        with sse.stream_slot() as slot:  # bounded per process, so streams leave threads to pages
            try:
                event = first.progress.model_copy(update={"state": first.state.value})
                yield f"data: {event.model_dump_json(exclude_none=True)}\n\n"
                if first.state in FINISHED:
                    return
                if not slot:
                    yield f"retry: {sse.RETRY_MS}\n\n"
                    return
                yield from _relay(pubsub)
            finally:
                pubsub.close()

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _relay(pubsub) -> Iterator[str]:  # noqa: ANN001 - redis PubSub
    """Progress events as they are published, keep-alive comments between, until the job ends."""
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        try:
            msg = pubsub.get_message(timeout=15)
        except redis.exceptions.RedisError:  # Redis went away: end here, the browser reconnects
            yield f"retry: {sse.RETRY_MS}\n\n"
            return
        if msg is None:
            yield ": keep-alive\n\n"
            continue
        try:  # relayed as the contract says, whatever the worker wrote
            event = lenient(ProgressEvent, json.loads(msg["data"]))
        except ValueError:
            continue
        yield f"data: {event.model_dump_json(exclude_none=True)}\n\n"
        if event.state in FINISHED:
            return

