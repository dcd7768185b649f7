"""The production web server: the Flask app under gunicorn, threaded workers (gthread).

Why gthread, from gunicorn's design notes: the default sync worker handles one request at a
time and suits only short CPU-bound requests behind a buffering proxy; streaming responses
and long polling (our Server-Sent Events: a job page holds one open for the whole run)
need a worker that serves other requests meanwhile: an async (greenlet) worker or the
threaded one. We take gthread because it runs the app unchanged: gevent would have to
monkey-patch the standard library, and the database drivers block in C (SQLite's busy
wait, libpq) where one blocked call would stall every greenlet of the worker. With gthread
a stream holds one thread of a pool; so that streams never take the threads pages need,
each worker serves at most `stream_limit` streams at once (web/sse.py) and keeps the other
threads for pages: a stream over the limit is answered with its current state and a
`retry:` delay, and the browser reconnects.

Many threads of one process running requests at once share one interpreter lock: each
wait for the database or Valkey hands the lock over and waits up to the switch interval to
get it back, and the threads fight over it. So `ActiveLimit` lets only a few GET requests per
process run the app at once (FABLAB_WEB_ACTIVE); the others wait on a semaphore, asleep, in
arrival order. Streams are not held back: the app call of a stream returns at once, its
events are sent after the slot is given back. Uploads and other bodies are not either (a slow
client sending a file must not keep pages waiting).

Connections are closed after each response (keep-alive 0), so that each request goes to the
worker free to take it: a kept-alive connection stays with the worker that accepted it, and 50
clients' connections were found split 43/7, 23/27 and 18/32 between two workers (each bound
to one core by its interpreter lock), the busier one then serving most of the load alone.
With keep-alive the paced job-page p99 (bench/web_load.py, 50 req/s) was 92-287 ms from run
to run, without it 103-107 ms; the reconnection costs ~0.3 ms of CPU a request. Behind nginx nothing
changes: it opens a connection per request to the app unless told to keep them.

Settings (environment): FABLAB_WEB_WORKERS (processes, default: CPU count, at most 4),
FABLAB_WEB_THREADS (threads per process, default 128), FABLAB_WEB_STREAMS (open streams per
process, default threads - 32), FABLAB_WEB_ACTIVE (GET requests running the app at once per
process, default 4; 0: no limit), FABLAB_WEB_KEEPALIVE (seconds a client's idle connection is
kept, default 0: closed after each response), FABLAB_ACCESS_LOG (a path, or `-` for stderr).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication


def _int_env(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"error: {name}={raw!r} is not a whole number") from None
    if value < low:
        raise SystemExit(f"error: {name} must be at least {low}")
    return value


class ActiveLimit:
    """WSGI middleware: at most `limit` GET/HEAD requests of this process in the app at once
    (see the module docstring for why); the rest wait their turn."""

    def __init__(self, app: Callable, limit: int):
        self.app, self.slots = app, threading.BoundedSemaphore(limit)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        with self.slots:
            return self.app(environ, start_response)


def server_options(host: str, port: int) -> dict[str, Any]:
    workers = _int_env("FABLAB_WEB_WORKERS", min(4, os.cpu_count() or 1))
    threads = _int_env("FABLAB_WEB_THREADS", 128, low=8)
    streams = _int_env("FABLAB_WEB_STREAMS", max(1, threads - 32))
    if streams >= threads:
        raise SystemExit("error: FABLAB_WEB_STREAMS must be below FABLAB_WEB_THREADS (pages need threads too)")
    os.environ["FABLAB_WEB_STREAMS"] = str(streams)  # read by web/sse.py in each worker
    return {
        "bind": f"{host}:{port}",
        "worker_class": "gthread",
        "workers": workers,
        "threads": threads,
        "keepalive": _int_env("FABLAB_WEB_KEEPALIVE", 0, low=0),  # why 0: the module docstring
        "timeout": 60,  # the worker's main loop heartbeat, not a request limit: streams may last hours
        "graceful_timeout": 5,  # open streams must not hold a restart for long
        "accesslog": os.environ.get("FABLAB_ACCESS_LOG") or None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "fablab-web",
    }


class FablabServer(BaseApplication):
    """gunicorn's custom application: options from `server_options`, the app built per worker."""

    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - the WSGI app
        from web.app import create_app

        app = create_app()
        active = _int_env("FABLAB_WEB_ACTIVE", 4, low=0)
        return ActiveLimit(app, active) if active else app


def serve(host: str, port: int) -> None:
    from jobqueue.context import Context
    from web.app import _secret_key

    _secret_key(Context.from_env())  # made once here: workers starting together would race on the file
    FablabServer(server_options(host, port)).run()
