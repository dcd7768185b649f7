"""Words -> the modal state and position after every line, for a whole program at once.

The fast form of `modal.apply_words`, for the readers of whole programs (time model, checks,
previews): modal groups (G90/G91, M82/M83, G20/G21, G17-G19, G93/G94, motion mode, F, S)
are forward fills from the lines that set them, positions are cumulative sums between the
lines that set them absolutely (absolute words, G92, G28), so a million lines cost a few
numpy passes instead of a million Python steps. Only lines with a G other than G0-G3, or
an M, are listed one code at a time (`codes`), and those are a few percent of a program.

Two firmwares differ here and the `flavour` says which: GRBL keeps the motion mode (a line
`X10` moves) and has no extruder; Marlin moves only on an explicit G0-G3 and homes with
G28 alone (G30 is a probe). Positions are in mm (G20 programs are converted); arcs are
given by their end point and their I/J/K/R words: splitting them is the firmware's planner
business (`slicing.motion.arcs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gcode_reader.tokens import Words, tokenize

AXES = "XYZE"
MM_PER_INCH = 25.4
FLAVOURS = ("grbl", "marlin")


def ffill(values: np.ndarray, initial: float) -> np.ndarray:
    """NaN entries take the last value before them (or `initial`)."""
    at = np.flatnonzero(~np.isnan(values))
    return _held(at, values[at], len(values), initial)


def _held(at: np.ndarray, values: np.ndarray, n: int, initial: float) -> np.ndarray:
    """Per line of `n`: the value set at the latest of the lines `at` (in order) at or before
    it, `initial` before the first: each value repeated over its run of lines."""
    runs = np.diff(np.concatenate(([0], at, [n])))
    return np.repeat(np.concatenate(([initial], values)).astype(float), runs)


@dataclass
class ProgramState:
    """Per line (index = 0-based program line): the state a firmware holds once it has run it."""

    words: Words
    flavour: str
    codes: dict[tuple[str, float], np.ndarray]  # ("M", 109) -> lines holding it (not G0-G3)
    units: np.ndarray  # float64: mm per program unit (1 or 25.4)
    plane: np.ndarray  # float64: 17, 18 or 19
    inverse_time: np.ndarray  # bool: G93
    mode: np.ndarray  # float64: motion mode in force (0-3; -1 after G80; NaN: none on this line, Marlin)
    moving: np.ndarray  # bool: the line moves the machine (G0-G3 with axis or arc words)
    homing: np.ndarray  # bool: G28 (GRBL: also G30)
    position: np.ndarray  # float64 [n, 4]: X, Y, Z, E after the line, mm
    ijkr: list[np.ndarray] = field(default_factory=list)  # I, J, K, R words in mm (NaN when absent)
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_lines(self) -> int:
        return self.words.n_lines

    def lines_with(self, letter: str, number: float) -> np.ndarray:
        return self.codes.get((letter, float(number)), np.zeros(0, dtype=np.int64))

    def column(self, letter: str) -> np.ndarray:
        return self.words.column(letter)

    def on(self, letter: str, *numbers: float) -> np.ndarray:
        """True on the lines that hold any of these codes."""
        mask = np.zeros(self.n_lines, dtype=bool)
        for number in numbers:
            mask[self.lines_with(letter, number)] = True
        return mask

    def feed(self) -> np.ndarray:
        """Programmed feed in force after each line, mm/min (NaN before the first positive F;
        F0 or less is ignored by Marlin and refused by GRBL). G93 lines keep their own F."""
        if "feed" not in self._cache:
            f = self.column("F") * self.units
            self._cache["feed"] = ffill(np.where(f > 0, f, np.nan), np.nan)
        return self._cache["feed"]

    def feed_words(self) -> np.ndarray:
        """The last F word in force after each line, mm/min, as written (zero or negative
        kept: a check reports it); NaN before the first."""
        if "feed_words" not in self._cache:
            self._cache["feed_words"] = ffill(self.column("F") * self.units, np.nan)
        return self._cache["feed_words"]

    def power(self) -> np.ndarray:
        """Spindle speed or laser power in force after each line (`S` outside heater and fan
        commands); NaN before the first."""
        if "power" not in self._cache:
            s = np.where(self.on("M", 104, 109, 140, 190, 106), np.nan, self.column("S"))
            self._cache["power"] = ffill(s, np.nan)
        return self._cache["power"]

    def start(self) -> np.ndarray:
        """Position before each line: [n, 4] (the origin before the first)."""
        return np.vstack((np.zeros((1, 4)), self.position[:-1]))


def read_program(lines: Sequence[str], flavour: str = "grbl", words: Words | None = None) -> ProgramState:
    """`lines` read and interpreted at once (`words`: the same lines already tokenized)."""
    return interpret(words if words is not None else tokenize(lines), flavour)


def _code_index(words: Words) -> dict[tuple[str, float], np.ndarray]:
    codes: dict[tuple[str, float], np.ndarray] = {}
    for letter in "GM":
        pick = words.at(letter)
        lines, vals = words.line[pick], words.value[pick]
        if letter == "G":  # G0-G3 fill most lines and are read vectorised
            rare = np.flatnonzero((vals != 0.0) & (vals != 1.0) & (vals != 2.0) & (vals != 3.0))
            lines, vals = lines[rare], vals[rare]
        for v in np.unique(vals):
            at = lines[vals == v]  # in program order; a line may repeat a code
            codes[(letter, float(v))] = at[np.concatenate(([True], at[1:] != at[:-1]))]
    return codes


def interpret(words: Words, flavour: str) -> ProgramState:
    """The modal state and position after every line, as GRBL or Marlin would hold them.
    Computed once per flavour and kept with `words` (the checks, the preview and the time
    model of one prepared program all read it); its arrays are read-only."""
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour '{flavour}' (expected one of {', '.join(FLAVOURS)})")
    key = ("state", flavour)
    state = words.memo.get(key)
    if state is None:
        state = words.memo[key] = _interpret(words, flavour)
        for value in vars(state).values():
            for array in value if isinstance(value, list) else [value]:
                if isinstance(array, np.ndarray):
                    array.flags.writeable = False
    return state  # type: ignore[return-value]


def _interpret(words: Words, flavour: str) -> ProgramState:
    n = words.n_lines
    codes = _code_index(words)
    state = ProgramState(words=words, flavour=flavour, codes=codes, units=np.ones(n), plane=np.full(n, 17.0),
                         inverse_time=np.zeros(n, dtype=bool), mode=np.full(n, np.nan), moving=np.zeros(n, dtype=bool),
                         homing=np.zeros(n, dtype=bool), position=np.zeros((n, 4)))
    on = state.on
    absolute = _modal(state, [("G", 90, 1.0), ("G", 91, 0.0)], initial=1.0) > 0.5
    inches = len(state.lines_with("G", 20)) > 0
    units = _modal(state, [("G", 20, MM_PER_INCH), ("G", 21, 1.0)], initial=1.0)
    state.units = units
    state.plane = _modal(state, [("G", 17, 17.0), ("G", 18, 18.0), ("G", 19, 19.0)], initial=17.0)
    state.inverse_time = _modal(state, [("G", 93, 1.0), ("G", 94, 0.0)], initial=0.0) > 0.5
    explicit_e = _modal(state, [("M", 82, 1.0), ("M", 83, 0.0)], initial=np.nan)
    e_absolute = absolute & ~(explicit_e < 0.5)  # E is relative under G91 or M83 (Marlin's relative_mode || E bit)

    pick = words.at("G")
    g_line, g_val = words.line[pick], words.value[pick]
    motion_code = np.full(n, np.nan)
    is_motion_g = np.flatnonzero((g_val == 0.0) | (g_val == 1.0) | (g_val == 2.0) | (g_val == 3.0))
    motion_code[g_line[is_motion_g]] = g_val[is_motion_g]
    locked = on("G", 4, 10, 28, 30, 92, 53.1)  # axis words here are not a motion target
    if flavour == "grbl":
        mode = motion_code.copy()
        mode[on("G", 80)] = -1.0
        mode = ffill(mode, 0.0)  # GRBL starts in G0 and keeps the motion mode
    else:
        mode = motion_code  # Marlin moves only on an explicit G0-G3
    state.mode = mode

    def in_mm(letter: str) -> np.ndarray:  # a program without G20 is in mm: no scaling (x * 1.0 is x)
        return words.column(letter) * units if inches else words.column(letter)

    axes = [in_mm(a) for a in AXES]
    present = [words.has(a) for a in AXES]
    if flavour == "grbl":
        axes[3], present[3] = words.nothing(), False  # no extruder (a column no word has: NaN)
    has_axis = np.zeros(n, dtype=bool)
    for v, here in zip(axes, present, strict=True):
        if here:
            has_axis |= ~np.isnan(v)
    state.ijkr = [in_mm(a) for a in "IJKR"]
    has_offset = np.zeros(n, dtype=bool)
    for letter, v in zip("IJKR", state.ijkr, strict=True):
        if words.has(letter):
            has_offset |= ~np.isnan(v)
    is_arc_mode = (mode == 2) | (mode == 3)
    state.moving = ~locked & (mode >= 0) & (has_axis | (is_arc_mode & has_offset))
    home = on("G", 28) if flavour != "grbl" else on("G", 28, 30)
    state.homing = home
    if home.any():
        homed_axes = [home & (~np.isnan(v) | ~(has_axis & home)) for v in axes[:3]]  # G28 alone: all
    else:
        homed_axes = [home] * 3

    g92 = on("G", 92)
    for k, v in enumerate(axes):
        resets = g92 & ~np.isnan(v)
        homed = homed_axes[k] if k < 3 else None
        if homed is not None:
            resets = resets | homed
        state.position[:, k] = _positions(v, absolute if k < 3 else e_absolute, state.moving, resets, homed)
    return state


def _modal(state: ProgramState, settings: list[tuple[str, float, float]], initial: float) -> np.ndarray:
    """Per line, the value of the latest of several mutually exclusive codes (`(letter,
    number, value)`; on a line holding two, the later in `settings`), else `initial`: read
    from the few lines that hold them, not from a full column per code."""
    parts = [(state.lines_with(letter, number), value) for letter, number, value in settings]
    lines = np.concatenate([at for at, _ in parts])
    if not len(lines):
        return np.full(state.n_lines, float(initial))
    values = np.concatenate([np.full(len(at), value, dtype=float) for at, value in parts])
    order = np.argsort(lines, kind="stable")  # a line's codes stay in the order of `settings`
    lines, values = lines[order], values[order]
    last = np.concatenate((lines[1:] != lines[:-1], [True]))
    return _held(lines[last], values[last], state.n_lines, initial)


def _positions(v: np.ndarray, absolute: np.ndarray, moving: np.ndarray, resets: np.ndarray,
               homed: np.ndarray | None) -> np.ndarray:
    """Position after each line: absolute words and resets (G92, or 0 where `homed`) set it,
    relative words add to it."""
    has = ~np.isnan(v) & moving
    relative = has & ~absolute
    set_here = np.flatnonzero((has & absolute) | resets)
    value = v[set_here] if homed is None else np.where(homed[set_here], 0.0, v[set_here])
    running: np.ndarray | float = 0.0
    if relative.any():
        running = np.cumsum(np.where(relative, v, 0.0))
        value = value - running[set_here]
    known = ~np.isnan(value)
    base = _held(set_here[known], value[known], len(v), 0.0)
    return base + running
