"""The demo's supervisor: children started in order, a dead one restarted with backoff while the
others keep running, everything stopped in reverse order on Ctrl-C.

A child that dies is started again after 1 s, then 2, 4 ... up to 30 s if it keeps dying; a
child that stayed up for a minute starts again from 1 s. The embedded Valkey is a child like
the others (restarted on its port, its append-only file keeps the queues). Each death and
each restart is logged with the time (`logs/supervisor.log` and the demo's terminal).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("fablab.supervisor")
BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
STABLE_S = 60.0  # up this long: the next death starts the backoff again


@dataclass
class Child:
    name: str
    launch: Callable[[], subprocess.Popen]
    before_restart: Callable[[], None] | None = None
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    deaths: int = 0  # in a row, without a stable run between
    died_at: float | None = None
    restarts: int = 0
    history: list[tuple[str, float]] = field(default_factory=list)  # ("died" | "restarted", monotonic)

    def backoff(self) -> float:
        return BACKOFF_S[min(self.deaths - 1, len(BACKOFF_S) - 1)]


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class Supervisor:
    """`start()` children in order; call `check()` often (it restarts what died); `stop()` at the end."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.children: list[Child] = []
        log_dir.mkdir(parents=True, exist_ok=True)
        if not log.handlers:
            handler = logging.FileHandler(log_dir / "supervisor.log")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            echo = logging.StreamHandler(sys.stderr)
            echo.setFormatter(logging.Formatter("%(asctime)s supervisor: %(message)s", "%H:%M:%S"))
            log.addHandler(echo)
            log.setLevel(logging.INFO)

    def _popen(self, name: str, args: tuple[str, ...]) -> subprocess.Popen:
        out = open(self.log_dir / f"{name.replace(':', '-')}.log", "ab")  # noqa: SIM115 - owned by the child
        return subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", *args], env=self.env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def start(self, name: str, *args: str, before_restart: Callable[[], None] | None = None) -> subprocess.Popen:
        """A `fablab ARGS...` child."""
        return self.adopt(name, lambda: self._popen(name, args), before_restart)

    def adopt(self, name: str, launch: Callable[[], subprocess.Popen],
              before_restart: Callable[[], None] | None = None) -> subprocess.Popen:
        """A child started by `launch` (and started again by it after a death)."""
        child = Child(name, launch, before_restart)
        child.proc, child.started_at = launch(), time.monotonic()
        self.children.append(child)
        return child.proc

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def check(self) -> None:
        """Note the children that died; start again those whose backoff has passed."""
        now = time.monotonic()
        for child in self.children:
            if child.died_at is None and child.proc is not None and child.proc.poll() is not None:
                child.deaths = 1 if now - child.started_at >= STABLE_S else child.deaths + 1
                child.died_at = now
                child.history.append(("died", now))
                log.warning("%s (pid %s) died: %s; restarting in %.0f s", child.name, child.proc.pid,
                            _describe_exit(child.proc.returncode), child.backoff())
            if child.died_at is not None and now - child.died_at >= child.backoff():
                self._restart(child, now)

    def _restart(self, child: Child, now: float) -> None:
        try:
            if child.before_restart:
                child.before_restart()
            child.proc = child.launch()
        except Exception as exc:  # noqa: BLE001 - try again after the next backoff
            child.deaths += 1
            child.died_at = now
            log.error("%s could not be started again: %s; next try in %.0f s", child.name, exc, child.backoff())
            return
        died, child.started_at, child.died_at = child.died_at, time.monotonic(), None
        child.restarts += 1
        child.history.append(("restarted", child.started_at))
        log.warning("%s back (pid %s), %.1f s after it died", child.name, child.proc.pid, child.started_at - died)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to every child but the first (Valkey in the demo), together; then the first, so
        the workers let go of the queue server before it goes."""
        procs = [c.proc for c in self.children if c.proc is not None]
        for group in (procs[:0:-1], procs[:1]):
            for proc in group:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for proc in group:
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
