"""Live figures of an idle machine: the machine worker keeps a link open while it has no job
and asks the machine, every few seconds, its state, position and temperatures (Marlin `M114`,
`M105` when temperatures are not auto-reported; GRBL's `?` status), for the machines page.

Why in the worker's main process, between jobs: the serial port has one reader. A run opens
its own link in the work horse (and publishes its own figures with its progress), so before a
job's horse is forked, and before a safe stop opens a fresh link, the monitor closes its link
(`hold`); it opens it again afterwards. A real board that resets when its port is opened is
opened once per job, as before, not once per poll.

What is published lives beside the worker's status on Redis (`live.set_machine_telemetry`);
a link that cannot be opened is reported as a code (`link_failed`) with the error, and tried
again less often.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from jobqueue import live
from jobqueue.context import Context

log = logging.getLogger(__name__)
EVERY_S = float(os.environ.get("FABLAB_MONITOR_S", "3"))  # 0: no monitor
RETRY_S = 15.0  # a link that failed is tried again this often
HOLD_WAIT_S = 30.0  # a poll in progress ends within its commands' timeouts


class MachineMonitor(threading.Thread):
    """Polls one machine while nobody else needs its port; see the module docstring."""

    def __init__(self, ctx: Context, machine_id: str, every_s: float = EVERY_S):
        super().__init__(daemon=True, name=f"monitor-{machine_id}")
        self.ctx, self.machine_id, self.every_s = ctx, machine_id, every_s
        self.stop = threading.Event()
        self._cond = threading.Condition()
        self._held = 0
        self._polling = False
        self._driver = None
        self.owner_pid = os.getpid()

    @contextmanager
    def hold(self) -> Iterator[None]:
        """The port for someone else (a job's work horse, a safe stop): close the link, wait."""
        if os.getpid() != self.owner_pid:  # a forked work horse: the monitor is the parent's
            yield
            return
        with self._cond:
            self._held += 1
            self._cond.notify_all()
            if not self._cond.wait_for(lambda: not self._polling, timeout=HOLD_WAIT_S):
                log.warning("monitor of %s still polling after %.0f s: closing its link anyway",
                            self.machine_id, HOLD_WAIT_S)
            self._close()
        try:
            yield
        finally:
            with self._cond:
                self._held -= 1
                self._cond.notify_all()

    def _close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            try:
                driver.close()
            except Exception:  # noqa: BLE001 - a broken link is closed all the same
                log.debug("closing the monitor link of %s", self.machine_id, exc_info=True)

    def run(self) -> None:
        wait = 0.0
        while not self.stop.wait(wait):
            with self._cond:
                if self._held:
                    self._cond.wait(1.0)
                    wait = 0.0
                    continue
                self._polling = True
            try:
                wait = self.every_s if self.poll_once() else RETRY_S
            finally:
                with self._cond:
                    self._polling = False
                    self._cond.notify_all()
        with self._cond:
            self._close()

    def poll_once(self) -> bool:
        """One look at the machine, published; False when the link does not work."""
        from drivers.sent_mark import read_mark
        from jobqueue.machine_link import mark_path, open_machine_driver

        if read_mark(mark_path(self.ctx, self.machine_id)) is not None:
            # a run's sender holds the port, or died and the machine is not settled yet (its work
            # horse may stream on after its worker was killed): hands off (jobqueue.leftover_run)
            with self._cond:
                self._close()
            return True
        try:
            if self._driver is None:
                machine = self.ctx.spec().machine(self.machine_id)
                driver = open_machine_driver(self.ctx, machine)
                self._driver = driver
                driver.connect(timeout=5.0)
            progress = self._driver.telemetry()
        except Exception as exc:  # noqa: BLE001 - a halted firmware, an unplugged cable: shown, retried
            with self._cond:
                self._close()
            self._publish(None, error=str(exc))
            return False
        self._publish(progress)
        return True

    def _publish(self, progress, error: str | None = None) -> None:  # noqa: ANN001 - drivers.base.Progress
        try:
            live.set_machine_telemetry(
                self.ctx.redis(), self.machine_id,
                temperatures=progress.temperatures if progress else None,
                position=progress.position if progress else None,
                firmware_state=progress.state if progress else None,
                link_error={"code": "link_failed", "params": {"detail": error}} if error else None)
        except redis.exceptions.RedisError:
            log.debug("monitor of %s: Redis away, figures not published", self.machine_id)


_monitors: dict[str, MachineMonitor] = {}


def start(ctx: Context, machine_id: str) -> MachineMonitor | None:
    """The monitor of this worker's machine (none when FABLAB_MONITOR_S is 0)."""
    if EVERY_S <= 0:
        return None
    monitor = MachineMonitor(ctx, machine_id)
    _monitors[machine_id] = monitor
    monitor.start()
    return monitor


@contextmanager
def port_free(machine_id: str) -> Iterator[None]:
    """What opens the machine's port in this process (a safe stop) takes it from the monitor first."""
    monitor = _monitors.get(machine_id)
    if monitor is None:
        yield
        return
    with monitor.hold():
        yield
