"""JSON API under /api/v1, bearer-token authentication (`fablab token create USERNAME`)."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable

from flask import Blueprint, Response, g, jsonify, request, stream_with_context
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from jobqueue import live, services
from jobqueue.filestore import FileTooLarge
from jobqueue.models import Job
from jobqueue.states import ACTIVE_ON_MACHINE, FINISHED, IllegalTransition
from jobqueue.users import user_for_token
from web.app import context
from web.views import job_dict, machines_list

api = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


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
                    return _error("invalid token", 401)
            elif current_user.is_authenticated:
                if request.method not in ("GET", "HEAD", "OPTIONS") and not _csrf_header_ok():
                    return _error("a session-authenticated API call needs the X-CSRFToken header", 403)
                user = current_user
            else:
                return _error("authentication required: Authorization: Bearer <token>", 401)
            g.user, g.db = user, s
            try:
                return view(*args, **kwargs)
            except services.PermissionDenied as exc:
                return _error(str(exc), 403)
            except (services.RequestError, IllegalTransition) as exc:
                return _error(str(exc), 409 if isinstance(exc, IllegalTransition) else 400)

    return wrapper


def _job_or_404(job_id: int) -> Job | tuple[Response, int]:
    job = g.db.get(Job, job_id)
    if job is None or not services.can_view(g.user, job):
        return _error(f"no job {job_id}", 404)
    return job


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise services.RequestError("expected a JSON object body")
    return body


@api.post("/jobs")
@authenticated
def submit():  # noqa: ANN201
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _error("multipart field 'file' is required", 400)
    process = (request.form.get("process") or "").strip()
    if not process:
        return _error("form field 'process' is required (fdm, laser, cnc, vinyl)", 400)
    ctx = context()
    try:
        job = services.submit_job(
            g.db, ctx.redis(), ctx.store, ctx.spec(), g.user, upload.stream, upload.filename, process,
            request.form.get("material") or None, request.form.get("session") or None,
        )
    except FileTooLarge as exc:
        return _error(str(exc), 413)
    return jsonify(job_dict(job, ctx.redis())), 201


@api.get("/jobs")
@authenticated
def list_jobs():  # noqa: ANN201
    q = select(Job).order_by(Job.id.desc()).limit(200)
    if not g.user.is_fabmanager or request.args.get("mine"):
        q = q.where(Job.owner_id == g.user.id)
    if request.args.get("state"):
        q = q.where(Job.state == request.args["state"])
    conn = context().redis()
    return jsonify(jobs=[job_dict(j, conn) for j in g.db.scalars(q)])


@api.get("/jobs/<int:job_id>")
@authenticated
def get_job(job_id: int):  # noqa: ANN201
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    return jsonify(job_dict(job, context().redis()))


@api.post("/jobs/<int:job_id>/approve")
@authenticated
def approve(job_id: int):  # noqa: ANN201
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    body = _json_body()
    if not body.get("machine"):
        return _error("JSON field 'machine' is required", 400)
    ctx = context()
    services.approve(g.db, ctx.redis(), ctx.spec(), g.user, job, str(body["machine"]),
                     body.get("material"), body.get("options"))
    return jsonify(job_dict(job, ctx.redis()))


@api.post("/jobs/<int:job_id>/reject")
@authenticated
def reject(job_id: int):  # noqa: ANN201
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    services.reject(g.db, g.user, job, str(_json_body().get("reason") or ""))
    return jsonify(job_dict(job, context().redis()))


@api.post("/jobs/<int:job_id>/<any(pause, resume, cancel):command>")
@authenticated
def control(job_id: int, command: str):  # noqa: ANN201
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    services.control(g.db, context().redis(), g.user, job, command)
    return jsonify(job_dict(job, context().redis())), 202


@api.post("/jobs/<int:job_id>/retry")
@authenticated
def retry(job_id: int):  # noqa: ANN201
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    body = request.get_json(silent=True) or {}
    from_line = body.get("from_line")
    services.resume_failed(g.db, context().redis(), g.user, job, int(from_line) if from_line is not None else None)
    return jsonify(job_dict(job, context().redis())), 202


@api.get("/machines")
@authenticated
def machines():  # noqa: ANN201
    ctx = context()
    active = list(g.db.scalars(select(Job).where(Job.state.in_([s.value for s in ACTIVE_ON_MACHINE]))))
    return jsonify(machines=machines_list(ctx.spec(), ctx.redis(), active))


@api.get("/jobs/<int:job_id>/events")
@authenticated
def events(job_id: int):  # noqa: ANN201
    """Server-Sent Events: the job's progress as the machine worker publishes it."""
    job = _job_or_404(job_id)
    if not isinstance(job, Job):
        return job
    conn = context().redis()
    # Subscribe before reading the state, so an event published in between is not lost.
    pubsub = conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.progress_channel(job_id))
    g.db.refresh(job)
    first = job_dict(job, conn)

    def stream():  # noqa: ANN202
        try:
            yield f"data: {json.dumps(first['progress'] | {'state': first['state']})}\n\n"
            if first["state"] in FINISHED:
                return
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                msg = pubsub.get_message(timeout=15)
                if msg is None:
                    yield ": keep-alive\n\n"
                    continue
                yield f"data: {msg['data'].decode()}\n\n"
                if json.loads(msg["data"]).get("state") in FINISHED:
                    return
        finally:
            pubsub.close()

    return Response(stream_with_context(stream()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
