"""Opening a machine's driver from machines.yaml, and the safe stop after an abnormal end.

The safe stop is what cancel does (Marlin: quick stop, heaters, fan and motors off; GRBL: feed
hold, soft reset, spindle and laser off; HPGL: abort and pen up), sent on a fresh connection:
a driver that just failed keeps its error and refuses further commands, and a run whose
process died left no driver at all.
"""

from __future__ import annotations

import logging

from jobqueue.context import Context

log = logging.getLogger(__name__)
SAFE_STOP_CONNECT_S = 5.0


def _port_for(ctx: Context, machine) -> str:  # noqa: ANN001 - slicing Machine
    if machine.connection.port:
        return machine.connection.port
    return str(ctx.settings.simulator_link(machine.id))


def open_machine_driver(ctx: Context, machine):  # noqa: ANN001, ANN201
    """The driver for a machine of machines.yaml (simulated machines through their pty link)."""
    from drivers import open_driver

    if machine.driver == "octoprint":
        return open_driver("octoprint", machine.connection.url, 0, api_key_env=machine.connection.api_key_env)
    return open_driver(
        machine.driver, _port_for(ctx, machine), machine.connection.baud,
        flow_control=machine.connection.flow_control,
        progress_interval=0.0,  # a progress event per acknowledgement: the count a reaper resumes from
    )


def safe_stop_machine(ctx: Context, machine) -> int | None:  # noqa: ANN001
    """Do what cancel does on a fresh link. The number of acknowledged moves the stop dropped
    (0 when it cannot tell), or None when the link does not work (the machine then needs a
    human all the more: the caller marks it)."""
    try:
        driver = open_machine_driver(ctx, machine)
    except Exception as exc:
        log.warning("safe stop of %s: cannot open its driver: %s", machine.id, exc)
        return None
    try:
        driver.connect(timeout=SAFE_STOP_CONNECT_S)
        driver.cancel()
        log.warning("safe stop of %s done", machine.id)
        return driver.dropped_by_cancel or 0
    except Exception as exc:  # a dead link, a halted firmware: nothing more can be sent
        log.warning("safe stop of %s: the machine did not take it: %s", machine.id, exc)
        return None
    finally:
        try:
            driver.close()
        except Exception:  # noqa: BLE001 - closing a broken link must not hide the outcome
            log.debug("closing %s after the safe stop failed", machine.id, exc_info=True)
