"""GRBL 1.1 lines, parsed: pure functions, a line in and an event out, no I/O.

Codes and meanings from gnea/grbl `doc/csv/error_codes_en_US.csv` and
`alarm_codes_en_US.csv` (GRBL 1.1); grblHAL's extra alarm codes where they differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ERRORS: dict[int, str] = {
    1: "G-code words consist of a letter and a value. Letter was not found.",
    2: "Numeric value format is not valid or missing an expected value.",
    3: "Grbl '$' system command was not recognized or supported.",
    4: "Negative value received for an expected positive value.",
    5: "Homing cycle is not enabled via settings.",
    6: "Minimum step pulse time must be greater than 3usec.",
    7: "EEPROM read failed. Reset and restored to default values.",
    8: "Grbl '$' command cannot be used unless Grbl is IDLE. Ensures smooth operation during a job.",
    9: "G-code locked out during alarm or jog state.",
    10: "Soft limits cannot be enabled without homing also enabled.",
    11: "Max characters per line exceeded. Line was not processed and executed.",
    12: "Grbl '$' setting value exceeds the maximum step rate supported.",
    13: "Safety door detected as opened and door state initiated.",
    14: "Build info or startup line exceeded EEPROM line length limit.",
    15: "Jog target exceeds machine travel. Command ignored.",
    16: "Jog command with no '=' or contains prohibited g-code.",
    17: "Laser mode requires PWM output.",
    20: "Unsupported or invalid g-code command found in block.",
    21: "More than one g-code command from same modal group found in block.",
    22: "Feed rate has not yet been set or is undefined.",
    23: "G-code command in block requires an integer value.",
    24: "Two G-code commands that both require the use of the XYZ axis words were detected in the block.",
    25: "A G-code word was repeated in the block.",
    26: "A G-code command implicitly or explicitly requires XYZ axis words in the block, but none were detected.",
    27: "N line number value is not within the valid range of 1 - 9,999,999.",
    28: "A G-code command was sent, but is missing some required P or L value words in the line.",
    29: "Grbl supports six work coordinate systems G54-G59. G59.1, G59.2, and G59.3 are not supported.",
    30: "The G53 G-code command requires either a G0 seek or G1 feed motion mode to be active.",
    31: "There are unused axis words in the block and G80 motion mode cancel is active.",
    32: "A G2 or G3 arc was commanded but there are no XYZ axis words in the selected plane to trace the arc.",
    33: "The motion command has an invalid target. G2, G3, and G38.2 generates this error.",
    34: "A G2 or G3 arc, traced with the radius definition, had a mathematical error when computing the arc geometry.",
    35: "A G2 or G3 arc, traced with the offset definition, is missing the IJK offset word in the selected plane.",
    36: "There are unused, leftover G-code words that aren't used by any command in the block.",
    37: "The G43.1 dynamic tool length offset command cannot apply an offset to an axis other than its configured axis.",
    38: "Tool number greater than max supported value.",
}

ALARMS: dict[int, str] = {
    1: "Hard limit triggered. Machine position is likely lost due to sudden and immediate halt. Re-homing is highly recommended.",
    2: "G-code motion target exceeds machine travel. Machine position safely retained. Alarm may be unlocked.",
    3: "Reset while in motion. Grbl cannot guarantee position. Lost steps are likely. Re-homing is highly recommended.",
    4: "Probe fail. The probe is not in the expected initial state before starting probe cycle.",
    5: "Probe fail. Probe did not contact the workpiece within the programmed travel.",
    6: "Homing fail. Reset during active homing cycle.",
    7: "Homing fail. Safety door was opened during active homing cycle.",
    8: "Homing fail. Cycle failed to clear limit switch when pulling off.",
    9: "Homing fail. Could not find limit switch within search distance.",
    10: "Homing fail. On dual axis machines, could not find the second limit switch for self-squaring.",
    11: "Homing required. Execute homing command ($H) to continue.",  # grblHAL
    14: "Spindle at speed timeout.",  # grblHAL
    17: "Motor fault.",  # grblHAL
    22: "Buffer overflow.",  # grblHAL
}


def error_meaning(code: int | str) -> str:
    try:
        return ERRORS.get(int(code), f"unknown GRBL error {code}")
    except ValueError:
        return f"GRBL error {code}"


def alarm_meaning(code: int | str) -> str:
    try:
        return ALARMS.get(int(code), f"unknown GRBL alarm {code}")
    except ValueError:
        return f"GRBL alarm {code}"


@dataclass(frozen=True)
class Ok:
    pass


@dataclass(frozen=True)
class Error:
    code: int | str
    meaning: str


@dataclass(frozen=True)
class Alarm:
    code: int | str
    meaning: str


@dataclass(frozen=True)
class Banner:
    version: str


@dataclass(frozen=True)
class Status:
    state: str  # Idle, Run, Hold, Jog, Alarm, Door, Check, Home, Sleep
    substate: int | None = None
    mpos: tuple[float, ...] | None = None
    wpos: tuple[float, ...] | None = None
    wco: tuple[float, ...] | None = None
    feed: float | None = None
    spindle: float | None = None
    planner_free: int | None = None
    rx_free: int | None = None
    overrides: tuple[int, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    kind: str  # MSG, GC, VER, OPT, HLP, G54.., PRB, echo
    text: str


@dataclass(frozen=True)
class BuildOptions:
    """`[OPT:V,15,128]`: option letters, planner blocks, RX buffer bytes (grblHAL adds more)."""

    letters: str
    planner_blocks: int | None
    rx_buffer: int | None


@dataclass(frozen=True)
class Setting:
    number: int
    value: str


@dataclass(frozen=True)
class Unknown:
    text: str


Event = Ok | Error | Alarm | Banner | Status | Message | BuildOptions | Setting | Unknown

_BANNER = re.compile(r"^Grbl(?:HAL)?\s+(\S+).*\[.*help\]", re.IGNORECASE)
_SETTING = re.compile(r"^\$(\d+)=(\S*)")


def _floats(text: str) -> tuple[float, ...] | None:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        return None


def parse_status(body: str) -> Status | Unknown:
    """`Idle|MPos:1.000,2.000,0.000|FS:0,0|Bf:15,128` (without the angle brackets)."""
    parts = body.split("|")
    head = parts[0]
    state, _, sub = head.partition(":")
    if not state:
        return Unknown(f"<{body}>")
    fields_: dict[str, object] = {}
    extra: dict[str, str] = {}
    for part in parts[1:]:
        key, _, value = part.partition(":")
        if key in ("MPos", "WPos", "WCO"):
            fields_[key.lower()] = _floats(value)
        elif key in ("FS", "F"):
            nums = _floats(value) or ()
            fields_["feed"] = nums[0] if nums else None
            fields_["spindle"] = nums[1] if len(nums) > 1 else None
        elif key == "Bf":
            nums = _floats(value) or ()
            if len(nums) >= 2:
                fields_["planner_free"], fields_["rx_free"] = int(nums[0]), int(nums[1])
        elif key == "Ov":
            nums = _floats(value)
            fields_["overrides"] = tuple(int(v) for v in nums) if nums else None
        else:
            extra[key] = value
    return Status(state=state, substate=int(sub) if sub.isdigit() else None, extra=extra, **fields_)  # type: ignore[arg-type]


def parse_options(text: str) -> BuildOptions:
    """Body of `[OPT:...]`."""
    parts = text.split(",")
    nums = []
    for p in parts[1:]:
        try:
            nums.append(int(p))
        except ValueError:
            break
    return BuildOptions(parts[0], nums[0] if nums else None, nums[1] if len(nums) > 1 else None)


def parse_line(raw: str) -> Event:
    """One line from GRBL (terminator already removed)."""
    line = raw.strip().strip("\x00\x11\x13")
    if line == "ok":
        return Ok()
    if line.startswith("error:"):
        code: int | str = line[6:].strip()
        code = int(code) if str(code).isdigit() else code
        return Error(code, error_meaning(code))
    if line.startswith("ALARM:"):
        code = line[6:].strip()
        code = int(code) if str(code).isdigit() else code
        return Alarm(code, alarm_meaning(code))
    if line.startswith("<") and line.endswith(">"):
        return parse_status(line[1:-1])
    if _BANNER.match(line):
        return Banner(_BANNER.match(line).group(1))  # type: ignore[union-attr]
    if line.startswith("[") and line.endswith("]"):
        kind, _, text = line[1:-1].partition(":")
        if kind == "OPT":
            return parse_options(text)
        return Message(kind, text)
    m = _SETTING.match(line)
    if m:
        return Setting(int(m.group(1)), m.group(2))
    return Unknown(line)


def count_bytes(line: str) -> int:
    """What a line costs in GRBL's RX buffer once sent with its newline."""
    return len(line.encode("latin-1", errors="replace")) + 1


def clean_line(line: str) -> str:
    """The line as sent: comments and surrounding whitespace removed (GRBL discards them anyway,
    and every byte saved is link time). Inner spaces are kept, GRBL ignores them."""
    text = re.sub(r"\([^)]*\)", "", line.split(";", 1)[0])
    return text.strip()
