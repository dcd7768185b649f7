"""Machine drivers: `open_driver(name, port, baud, **options)` returns a `drivers.base.Driver`.

Drivers are found by name in `DRIVERS`, a registry of "module:Class" paths imported on first
use (so pyserial or octorest are only loaded by whoever needs them). Another driver module
can add itself with `register_driver("name", "package.module:Class")`.

`open_driver` only builds the driver; call `driver.connect()` to open the link.
"""

from __future__ import annotations

import importlib.util
import os
import sys

# An editable install made before the `gcode_reader` package existed maps only the older
# top-level packages: the repository root, where it lives beside this one, is searched then.
if importlib.util.find_spec("gcode_reader") is None:  # pragma: no cover - depends on the install
    sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import importlib

from drivers.base import Driver

DRIVERS: dict[str, str] = {
    "grbl": "drivers.grbl:GrblDriver",
    "marlin": "drivers.marlin:MarlinDriver",
    "hpgl": "drivers.hpgl:HpglDriver",
    "octoprint": "drivers.octoprint:OctoPrintDriver",
}


def register_driver(name: str, target: str) -> None:
    """Add or replace a driver: `target` is "module:Class", imported when first opened."""
    if ":" not in target:
        raise ValueError("target must be 'module:Class'")
    DRIVERS[name] = target


def driver_class(name: str) -> type[Driver]:
    try:
        target = DRIVERS[name]
    except KeyError:
        raise ValueError(f"unknown driver {name!r}; known: {', '.join(sorted(DRIVERS))}") from None
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)


def open_driver(driver: str, port: str, baud: int = 115200, **options: object) -> Driver:
    """Build the driver named `driver` for `port` (a pyserial URL, or OctoPrint's http URL).

    Options are the driver's keyword arguments (e.g. `flow_control` for the serial drivers,
    `api_key_env` for OctoPrint). Serial drivers ignore options meant for others."""
    cls = driver_class(driver)
    if driver == "octoprint":
        return cls(port, **options)  # OctoPrint has no baud rate
    return cls(port, baud, **options)


__all__ = ["DRIVERS", "Driver", "driver_class", "open_driver", "register_driver"]
