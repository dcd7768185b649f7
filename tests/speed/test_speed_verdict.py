"""The verdict path: identical content with the same options is analysed once (Redis cache),
a change of options or content is analysed anew, and the demo runs one analysis worker per core."""

from __future__ import annotations

import io

from jobqueue import analysis_cache, services, tasks
from jobqueue.demo import analysis_workers
from jobqueue.models import Job, User

SQUARE = (b'<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="50mm" viewBox="0 0 60 50">'
          b'<rect x="5" y="5" width="50" height="40" fill="none" stroke="red"/></svg>')


def _submit(ctx, data: bytes, material: str | None = None) -> int:  # noqa: ANN001
    with ctx.session() as s:
        user = s.query(User).filter_by(username="member").one()
        job = services.submit_job(s, ctx.redis(), ctx.store, ctx.spec(), user, io.BytesIO(data), "plaque.svg" if data.startswith(b"<svg") else "part.stl",
                                  "laser" if data.startswith(b"<svg") else "fdm", material)
        return job.id


def _analysis(ctx, job_id: int) -> dict:  # noqa: ANN001
    tasks.analyse_job(job_id)
    with ctx.session() as s:
        return s.get(Job, job_id).analysis


def test_identical_content_is_analysed_once(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    first = _analysis(ctx, _submit(ctx, SQUARE))
    assert first["valid"]
    keys = ctx.redis().keys(analysis_cache.KEY_PREFIX + "*")
    assert len(keys) == 1
    again = _analysis(ctx, _submit(ctx, SQUARE))
    assert again == first  # the stored result, down to its analysis_seconds
    other_material = next(m.name for m in ctx.spec().machine("laser-1").materials[1:2]) \
        if len(ctx.spec().machine("laser-1").materials) > 1 else None
    if other_material:
        _analysis(ctx, _submit(ctx, SQUARE, other_material))
    _analysis(ctx, _submit(ctx, SQUARE.replace(b'width="50"', b'width="45"')))
    assert len(ctx.redis().keys(analysis_cache.KEY_PREFIX + "*")) == 2 + bool(other_material)


def test_cache_is_skipped_without_redis_and_keys_change_with_code() -> None:
    result, hit = analysis_cache.cached_analysis(None, "k", lambda: {"valid": True})
    assert result == {"valid": True} and not hit
    a = analysis_cache.cache_key("0" * 64, {"process": "laser"}, "{}")
    assert a != analysis_cache.cache_key("0" * 64, {"process": "cnc"}, "{}")
    assert a != analysis_cache.cache_key("0" * 64, {"process": "laser"}, '{"machines": []}')
    assert len(analysis_cache.code_fingerprint()) == 16


def test_demo_starts_one_analysis_worker_per_core(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("FABLAB_ANALYSIS_WORKERS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert analysis_workers() == 6
    monkeypatch.setenv("FABLAB_ANALYSIS_WORKERS", "3")
    assert analysis_workers() == 3
