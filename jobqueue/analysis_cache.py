"""Analysis results kept by content: identical content with the same options is analysed once.

Ten trainees uploading the workshop's exercise file, or a member re-submitting the same STL,
get the stored verdict at once. The key is the file's sha256 plus everything the result
depends on: the options given to `analyze_file` (process, material, machine, scale, file
suffix...), the machines' specification (prices, work areas) and the analysis code itself
(a hash of the `slicing` sources, so a deployed fix never serves an old verdict). Results live
in Redis for a week; a Redis failure only means the analysis runs again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEY_PREFIX = "fablab:analysis:"
TTL_SECONDS = 7 * 24 * 3600
SLICING = Path(__file__).resolve().parents[1] / "slicing"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of every source file of `slicing` (read once per process, a few ms)."""
    digest = hashlib.sha256()
    for path in sorted(SLICING.rglob("*.py")):
        digest.update(path.relative_to(SLICING).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(sha256: str, options: dict[str, Any], spec_json: str) -> str:
    """The Redis key of one analysis: content, options, machines and code."""
    digest = hashlib.sha256()
    for part in (sha256, json.dumps(options, sort_keys=True, default=str), spec_json, code_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\0")
    return KEY_PREFIX + digest.hexdigest()


def cached_analysis(conn: Any, key: str, compute: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """(result, came from the cache). Only complete results are stored (never a crash report).
    `conn` None (no Redis here): computed, not stored."""
    if conn is None:
        return compute(), False
    try:
        raw = conn.get(key)
        if raw:
            return json.loads(raw), True
    except Exception:  # a cache must never stop an analysis
        log.warning("analysis cache unavailable for reading", exc_info=True)
    result = compute()
    if "trace" not in result:
        try:
            conn.set(key, json.dumps(result), ex=TTL_SECONDS)
        except Exception:
            log.warning("analysis cache unavailable for writing", exc_info=True)
    return result, False


def warm_imports() -> None:
    """Import what an analysis or a preparation needs in the worker before its first job:
    every job then starts with the readers, checks and libraries loaded."""
    import slicing.analysis  # noqa: F401
    import slicing.analysis.drawing_flow  # noqa: F401
    import slicing.analysis.mesh_flow  # noqa: F401
    import slicing.prepare  # noqa: F401
    import slicing.previews  # noqa: F401
    import slicing.toolpaths.fdm.choose  # noqa: F401 - prepare imports it at its first FDM job: 0.13 s a forked job

    code_fingerprint()
