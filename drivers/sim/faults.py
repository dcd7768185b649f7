"""The faults a simulator can be told to inject, at a given line or on demand.

"Line N" counts from 1. For byte faults (corrupt, drop) it is the Nth line the host put on
the wire; for the others it is the Nth line the firmware answered (ok or error), so a test
can say "the firmware resets after acknowledging 40 lines" without knowing the protocol.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields

ON_DEMAND = ("reset", "disconnect", "alarm", "thermal_runaway", "hang", "lost_ok", "corrupt", "drop")


@dataclass
class Faults:
    corrupt_line: int | None = None  # flip one bit of a byte of that host line
    drop_byte_line: int | None = None  # lose one byte of that host line
    corrupt_rate: float = 0.0  # line noise: probability per host byte
    drop_rate: float = 0.0
    lost_ok_line: int | None = None  # the firmware's answer to that line never reaches the host
    reset_at_line: int | None = None  # firmware reboots (brown-out, DTR, reset button)
    disconnect_at_line: int | None = None  # USB cable pulled
    alarm_at_line: int | None = None  # GRBL ALARM:1 hard limit / Marlin MINTEMP kill
    thermal_runaway_at_line: int | None = None  # Marlin only
    hang_at_line: int | None = None  # firmware stops answering anything
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def line_fault_at(self, n: int) -> bool:
        """Does a fault fire once the firmware has answered its `n`th line?"""
        return n in (self.reset_at_line, self.disconnect_at_line, self.alarm_at_line, self.thermal_runaway_at_line,
                     self.hang_at_line)

    @classmethod
    def from_options(cls, options: dict) -> Faults:
        """Pick the fault fields out of free-form simulator options (CLI or tests)."""
        names = {f.name for f in fields(cls) if f.init}
        return cls(**{k: v for k, v in options.items() if k in names})
