"""Marlin host protocol, pure functions: line numbers and checksums out, one event per line in.

Sources: Marlin `src/gcode/queue.cpp` (checks and resend), `core/language.h` (texts),
OctoPrint `util/comm.py` (which errors are fatal). See PROTOCOLS.md section 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT = re.compile(r";.*$")
_OK = re.compile(r"^ok\b\s*(.*)$")
_ADV = re.compile(r"(?:^|\s)([NPB])(-?\d+)")
_RESEND = re.compile(r"^(?:Resend|rs)[:\s]\s*N?:?\s*(\d+)", re.IGNORECASE)
_TEMP = re.compile(r"\b(T\d?|B|C|P|CHAMBER)\s*:\s*(-?\d+(?:\.\d+)?)(?:\s*/\s*(-?\d+(?:\.\d+)?))?")
_LAST_LINE = re.compile(r"Last Line:\s*(\d+)", re.IGNORECASE)
LINE_ERRORS = ("checksum mismatch", "line number is not", "no checksum", "no line number", "expected line",
               "format error", "missing linenumber", "missing checksum")
FATAL_WORDS = ("kill() called", "printer halted", "thermal runaway", "mintemp", "maxtemp", "heating failed",
               "system stopped", "printer stopped due to errors", "emergency stop")
NAMES = {"T": "hotend", "T0": "hotend", "T1": "hotend1", "B": "bed", "C": "chamber", "CHAMBER": "chamber", "P": "probe"}


def checksum(text: str) -> int:
    cs = 0
    for b in text.encode("latin-1", errors="replace"):
        cs ^= b
    return cs


def numbered(n: int, command: str) -> str:
    """`N12 G1 X1*97`: the XOR of every byte before `*`, in decimal."""
    body = f"N{n} {command}"
    return f"{body}*{checksum(body)}"


def clean_line(line: str) -> str:
    """Comments and surrounding whitespace removed; `*` is reserved for the checksum."""
    return _COMMENT.sub("", line).replace("*", "").strip()


@dataclass(frozen=True)
class Ok:
    line: int | None = None  # ADVANCED_OK: the line acknowledged
    planner_free: int | None = None
    buffer_free: int | None = None
    temperatures: dict | None = None


@dataclass(frozen=True)
class Resend:
    line: int


@dataclass(frozen=True)
class LineError:
    """A line refused for its number or checksum: a `Resend:` follows."""

    text: str
    last_line: int | None


@dataclass(frozen=True)
class Fatal:
    """kill(), thermal runaway, `!!`, `fatal:`: the machine needs a person."""

    text: str


@dataclass(frozen=True)
class FirmwareMessage:
    """Any other `Error:`: the host stops."""

    text: str


@dataclass(frozen=True)
class Busy:
    reason: str


@dataclass(frozen=True)
class Temperatures:
    values: dict


@dataclass(frozen=True)
class Start:
    pass


@dataclass(frozen=True)
class Capability:
    name: str
    enabled: bool


@dataclass(frozen=True)
class Info:
    """`echo:`, `FIRMWARE_NAME:`, `X:.. Y:..`, `//action:` and other chatter."""

    text: str


Event = Ok | Resend | LineError | Fatal | FirmwareMessage | Busy | Temperatures | Start | Capability | Info


def parse_temperatures(text: str) -> dict[str, float]:
    """`T:210.0 /215.0 B:60.0 /60.0 @:0` -> {"hotend": 210.0, "hotend_target": 215.0, "bed": 60.0, ...}."""
    out: dict[str, float] = {}
    for key, cur, target in _TEMP.findall(text):
        name = NAMES.get(key.upper(), key.lower())
        out[name] = float(cur)
        if target:
            out[f"{name}_target"] = float(target)
    return out


def parse_line(raw: str) -> Event:
    line = raw.strip().lstrip("\x00")
    low = line.lower()
    m = _OK.match(line)
    if m:
        rest = m.group(1)
        adv = dict((k, int(v)) for k, v in _ADV.findall(rest.split("T:", 1)[0]))
        temps = parse_temperatures(rest) if "T:" in rest else None
        return Ok(adv.get("N"), adv.get("P"), adv.get("B"), temps or None)
    m = _RESEND.match(line)
    if m:
        return Resend(int(m.group(1)))
    if line.startswith("!!") or low.startswith("fatal:"):
        return Fatal(line.lstrip("!").strip())
    if low.startswith("error:"):
        text = line[6:].strip()
        if any(w in text.lower() for w in LINE_ERRORS):
            last = _LAST_LINE.search(text)
            return LineError(text, int(last.group(1)) if last else None)
        if any(w in text.lower() for w in FATAL_WORDS):
            return Fatal(text)
        return FirmwareMessage(text)
    if low.startswith("echo:busy:") or low.startswith("busy:"):
        return Busy(line.split("busy:", 1)[1].strip())
    if low == "start":
        return Start()
    if line.startswith("Cap:"):
        parts = line[4:].rsplit(":", 1)
        return Capability(parts[0], len(parts) > 1 and parts[1].strip() == "1")
    if re.match(r"^\s*(T\d?|B):\s*-?\d", line):
        return Temperatures(parse_temperatures(line))
    return Info(line)


_POS = re.compile(r"\b([XYZE]):\s*(-?\d+(?:\.\d+)?)")


def parse_position(text: str) -> dict[str, float] | None:
    """`X:10.00 Y:20.00 Z:0.30 E:1.20 Count X:800 ...` (M114) -> {"X": 10.0, ...}: the logical
    position before `Count` (the stepper counts after it)."""
    found = {axis: float(v) for axis, v in _POS.findall(text.split("Count", 1)[0])}
    return found if "X" in found and "Y" in found else None


def is_long_running(command: str) -> bool:
    """Commands that may legitimately hold their `ok` for minutes (heating, homing, waits)."""
    head = command.split(None, 1)[0].upper() if command.strip() else ""
    return head in ("M109", "M190", "M191", "G4", "G28", "G29", "G30", "G32", "M400", "M226", "M600", "M303")
