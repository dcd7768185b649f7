"""May a job resume at line N? What the resume preamble cannot restore refuses the resume.

The preamble (`drivers.modal.resume_preamble`) restores units, distance mode, work offset,
feed, spindle or laser, temperatures, fan, position and G92 offsets set after a homing. It
does not restore:
- a G92 offset on X, Y or Z set before line N at a position that is not known in the frame the
  machine's homing gives (no homing before it, or an axis never positioned): the resume is
  refused. After a homing the preamble redoes the offset (`drivers.modal.resume_preamble`);
- homing: a program that homed (G28, `$H`) before line N ran on a machine whose position was
  known; after an abnormal end it may not be (GRBL loses it on a reset during motion, Marlin
  on a restart). The resume is refused until the fabmanager says the machine was homed again.
Refusals are codes with parameters (`resume_g92_offset`, `resume_needs_homing`).
"""

from __future__ import annotations

from collections.abc import Sequence

from gcode_reader import BadLine, ModalState, apply_words, read_line


def resume_blockers(lines: Sequence[str], n: int, *, machine_homed: bool = False) -> list[tuple[str, dict]]:
    """The reasons line `n` (0-based count of lines already done) cannot be resumed from."""
    if n <= 0:
        return []
    found: list[tuple[str, dict]] = []
    homing = None
    state = ModalState()
    for i, line in enumerate(lines[:n]):
        text = line.strip().upper()
        if text.startswith("$H"):
            homing = homing or (i + 1, "$H")
            state.position.update({a: 0.0 for a in "XYZ"})
            continue
        try:
            words = read_line(line)
        except BadLine:
            continue  # the program checks refused such lines before; nothing to restore from it
        gs = [v for k, v in words if k == "G"]
        if 28 in gs:
            homing = homing or (i + 1, "G28")
        axes = [k for k, _ in words if k in "XYZ"]
        # an offset is redone only in a frame the machine finds again: the one its homing gives
        if 92 in gs and axes and (homing is None or any(a not in state.position for a in axes)):
            found.append(("resume_g92_offset", {"line": i + 1, "text": line.strip()}))
        apply_words(state, words)
    if homing and not machine_homed:
        found.append(("resume_needs_homing", {"line": homing[0], "homing": homing[1], "from_line": n}))
    return found[:1] if found and found[0][0] == "resume_g92_offset" else found
