"""Where the PrusaSlicer command is: the one PATH look-up, kept free of heavy imports.

The analysis asks it (which slicer an "auto" printer will use: the time estimate and the
first-layer check depend on it) without loading the PrusaSlicer runner, its machine models
and program reader (~0.1 s of `fablab analyze`); `prepare` runs the command it finds.
"""

from __future__ import annotations

import shutil

EXECUTABLE = "prusa-slicer"


def prusaslicer_path() -> str | None:
    return shutil.which(EXECUTABLE)
