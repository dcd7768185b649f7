"""Heating waits (M109 hotend, M190 bed) from the temperatures a program sets and the
machine's heat-up rates (`hotend_heat_c_per_s`, `bed_heat_c_per_s` in machines.yaml).

Each heater is followed through the program: M104/M140 set a target and heating goes on
while the machine moves; M109/M190 wait until the target is reached (`S`: only when heating,
`R`: also while cooling), then Marlin's residency time (TEMP_RESIDENCY_TIME) if it had to
heat. Cooling is taken at half the heating rate, from an ambient 25 °C start.
"""

from __future__ import annotations

import numpy as np

from slicing.machine_spec import Machine
from slicing.motion.gcode_program import Program

AMBIENT_C = 25.0
RESIDENCY_S = 10.0  # Marlin 2 TEMP_RESIDENCY_TIME / TEMP_BED_RESIDENCY_TIME
COOLING_SHARE = 0.5


class _Heater:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.temp = AMBIENT_C
        self.target = AMBIENT_C
        self.since = 0.0

    def at(self, t: float) -> float:
        dt = max(0.0, t - self.since)
        if self.target >= self.temp:
            return min(self.target, self.temp + self.rate * dt)
        return max(self.target, self.temp - self.rate * COOLING_SHARE * dt)

    def set(self, target: float, t: float) -> None:
        self.temp, self.since = self.at(t), t
        self.target = max(target, AMBIENT_C)

    def wait(self, target: float, t: float, also_cooling: bool) -> float:
        self.set(target, t)
        if self.temp < self.target:
            wait = (self.target - self.temp) / self.rate + RESIDENCY_S
        elif also_cooling and self.temp > self.target:
            wait = (self.temp - self.target) / (self.rate * COOLING_SHARE)
        else:
            wait = 0.0
        self.temp, self.since = self.target, t + wait
        return wait


def heating_waits(program: Program, machine: Machine, line_seconds: np.ndarray) -> np.ndarray:
    """Seconds each line waits for a heater, given the time every line takes otherwise."""
    n = program.words.n_lines
    out = np.zeros(n)
    events = []
    for code, heater, waits in ((104, "hotend", False), (109, "hotend", True), (140, "bed", False), (190, "bed", True)):
        for line in program.lines_with("M", code):
            events.append((int(line), heater, waits))
    if not events:
        return out
    events.sort()
    heaters = {"hotend": _Heater(machine.motion.hotend_heat_c_per_s), "bed": _Heater(machine.motion.bed_heat_c_per_s)}
    s_col, r_col = program.column("S"), program.column("R")
    clock = np.cumsum(line_seconds)
    added = 0.0
    for line, name, waits in events:
        s, r = s_col[line], r_col[line]
        target = s if not np.isnan(s) else r
        if np.isnan(target):
            continue
        t = clock[line] + added
        if waits:
            wait = heaters[name].wait(float(target), t, also_cooling=np.isnan(s))
            out[line] += wait
            added += wait
        else:
            heaters[name].set(float(target), t)
    return out
