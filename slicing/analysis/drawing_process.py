"""2D checks that depend on the process: features narrower than the kerf, the tool or the
blade; vinyl islands too small to weed."""

from __future__ import annotations

from typing import Any

from slicing.geometry import Drawing
from slicing.machine_spec import Machine


def process_issues(drawing: Drawing, machine: Machine) -> list[dict[str, Any]]:
    return []
