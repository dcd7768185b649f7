"""Geometry, checks, estimates and programs: files in, issues and machine programs out."""

from __future__ import annotations

import importlib.util
import os
import sys

# An editable install made before the `gcode_reader` package existed maps only the older
# top-level packages: the repository root, where it lives beside this one, is searched then.
if importlib.util.find_spec("gcode_reader") is None:  # pragma: no cover - depends on the install
    sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
