"""Previews for the job page, rendered once and kept in the file store.

The analysis preview (a mesh PNG with its open edges in red, or a 2D SVG with the issues
marked) is drawn by `slicing.previews` from the uploaded file; the program preview is the SVG
`prepare` stored with the program, or an FDM layer view drawn on demand. A rendered preview
is stored content-addressed and found again through a Redis key naming its inputs, so a page
view after the first costs one lookup.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING

from jobqueue.models import Job

if TYPE_CHECKING:
    from jobqueue.context import Context

log = logging.getLogger(__name__)
CACHE_VERSION = 1  # bump when the renderers change what they draw
Preview = tuple[bytes, str]


def _key(kind: str, *parts: object) -> str:
    return f"fablab:preview:v{CACHE_VERSION}:{kind}:" + ":".join(str(p) for p in parts)


def _cached(ctx: Context, key: str) -> Preview | None:
    raw = ctx.redis().get(key)
    if not raw:
        return None
    entry = json.loads(raw)
    try:
        return ctx.store.read_bytes(entry["sha256"]), entry["mimetype"]
    except (OSError, KeyError, ValueError):
        return None  # the file went away: render again


def _remember(ctx: Context, key: str, data: bytes, mimetype: str) -> None:
    sha = ctx.store.put_bytes(data)
    ctx.redis().set(key, json.dumps({"sha256": sha, "mimetype": mimetype}))


def _render_analysis(ctx: Context, job: Job) -> Preview | None:
    """Ask slicing's renderer; None when it is not there yet or cannot draw this file."""
    try:
        from slicing.previews import analysis_preview as render
    except ImportError:
        return None
    try:
        result = render(ctx.store.path(job.file_sha256), process=job.process, analysis=job.analysis or {},
                        filename=job.filename)
    except Exception:  # a preview is a nicety: the page shows the issues without it
        log.exception("analysis preview of job %s failed", job.id)
        return None
    if not result:
        return None
    data, mimetype = result
    return (data.encode() if isinstance(data, str) else bytes(data)), mimetype


def analysis_preview(ctx: Context, job: Job) -> Preview | None:
    """The uploaded file drawn with its problems marked: (bytes, mimetype), or None."""
    if not job.file_sha256 or job.analysis is None:
        return None
    marks = hashlib.sha256(json.dumps(job.analysis, sort_keys=True, default=str).encode()).hexdigest()[:16]
    key = _key("analysis", job.file_sha256, job.process, marks)  # the marks follow the issues found
    hit = _cached(ctx, key)
    if hit is not None:
        return hit
    result = _render_analysis(ctx, job)
    if result is not None:
        _remember(ctx, key, *result)
    return result


def program_layers(ctx: Context, job: Job) -> int:
    """How many layers an FDM program has (0 for 2D programs or when unknown)."""
    if not job.program_sha256 or job.process != "fdm":
        return 0
    key = _key("layers", job.program_sha256)
    raw = ctx.redis().get(key)
    if raw is not None:
        return int(raw)
    try:
        from slicing.previews_program import layer_count

        count = layer_count(ctx.store.read_bytes(job.program_sha256).decode().splitlines())
    except Exception:
        log.exception("layer count of job %s failed", job.id)
        count = 0
    ctx.redis().set(key, count)
    return count


def _render_layer(ctx: Context, job: Job, layer: int) -> Preview | None:
    try:
        from slicing.previews_program import fdm_layer_svg

        lines = ctx.store.read_bytes(job.program_sha256).decode().splitlines()
        return fdm_layer_svg(lines, layer, ctx.spec().machine(job.machine_id)).encode(), "image/svg+xml"
    except Exception:
        log.exception("layer %s preview of job %s failed", layer, job.id)
        return None


def program_preview(ctx: Context, job: Job, layer: int | None = None) -> Preview | None:
    """The program preview `prepare` stored, or one FDM layer of the program."""
    info = job.program_info or {}
    if layer is not None and job.program_sha256 and job.process == "fdm" and job.machine_id:
        key = _key("layer", job.program_sha256, job.machine_id, layer)
        hit = _cached(ctx, key)
        if hit is not None:
            return hit
        result = _render_layer(ctx, job, layer)
        if result is not None:
            _remember(ctx, key, *result)
        return result
    sha = info.get("preview_sha256")
    if not sha:
        return None
    try:
        return ctx.store.read_bytes(sha), "image/svg+xml"
    except (OSError, ValueError):
        return None
