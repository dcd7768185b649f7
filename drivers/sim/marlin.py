"""A Marlin 2.x firmware model: line numbers and checksums checked as `queue.cpp` does,
`Error:` + `Resend:` + `ok` with the RX buffer flushed, `ADVANCED_OK` (`ok N P B`) on or off,
BUFSIZE command slots fed from a 128-byte RX buffer, a 16-block planner, `busy:` keepalive,
heaters that take time, `M155` temperature auto-report, `M112`/`M410`/`M108` through the
emergency parser, kill() on thermal runaway.
"""

from __future__ import annotations

import re
from collections import deque

from drivers.sim.faults import Faults
from drivers.sim.firmware import Firmware
from drivers.sim.gcode import GcodeSyntaxError, words
from drivers.sim.motion import Planner

_N = re.compile(rb"^N(-?\d+)\s*")
AMBIENT = 21.0
TEMP_REPORT_WHILE_WAITING_S = 1.0


def checksum(data: bytes) -> int:
    cs = 0
    for b in data:
        cs ^= b
    return cs


class MarlinFirmware(Firmware):
    name = "marlin"

    def __init__(self, *, speed_factor: float = 20.0, rx_buffer: int = 128, bufsize: int = 4,
                 planner_blocks: int = 16, advanced_ok: bool = True, keepalive_s: float = 2.0,
                 emergency_parser: bool = True, hotend_c_per_s: float = 2.5, bed_c_per_s: float = 0.6,
                 rapid_mm_min: float = 6000.0, faults: Faults | None = None, **_: object):
        super().__init__(speed_factor=speed_factor, rx_buffer=rx_buffer, faults=faults)
        self.bufsize = bufsize
        self.advanced_ok = advanced_ok
        self.keepalive_s = keepalive_s
        self.emergency_parser = emergency_parser
        self.hotend_rate = hotend_c_per_s * speed_factor
        self.bed_rate = bed_c_per_s * speed_factor
        self.rapid = rapid_mm_min
        self.planner = Planner(planner_blocks, speed_factor)
        self.hotend = self.bed = AMBIENT
        self._ep_line = bytearray()
        self._boot_state()
        self._temps_at = 0.0

    def _boot_state(self) -> None:
        self.last_n = 0
        self.queue: deque[tuple[bytes, int | None]] = deque()
        self.units = "G21"
        self.distance = "G90"
        self.extrude = "M82"
        self.feed = 1500.0
        self.offset = {a: 0.0 for a in "XYZE"}  # G92: logical = machine - offset
        self.hotend_target = self.bed_target = 0.0
        self.fan = 0.0
        self.motors_on = False
        self.autoreport_s = 0.0
        self.last_autoreport = 0.0
        self.busy_since: float | None = None
        self.last_busy = 0.0
        self.dwell_until: float | None = None
        self.last_wait_report = 0.0
        self.stopped = False  # M112 / kill: needs a reset
        self.commands_done = 0
        self.unknown_commands = 0

    # -- wire ----------------------------------------------------------------------------------
    def realtime(self, byte: int, now: float) -> bool:
        if not self.emergency_parser or self.hung or self.dead:
            return False
        if byte in (0x0A, 0x0D):
            cmd = _N.sub(b"", bytes(self._ep_line)).split(b"*", 1)[0].strip().upper()
            self._ep_line.clear()
            if cmd == b"M112":
                self._kill("Printer halted. kill() called!")
            elif cmd == b"M410":
                self.planner.clear()
            elif cmd == b"M108":
                self.dwell_until = None
                self._break_wait = True
        elif len(self._ep_line) < 96:
            self._ep_line.append(byte)
        return False  # the emergency parser peeks; the bytes still go to the RX buffer

    _break_wait = False

    def _kill(self, *errors: str) -> None:
        for e in errors:
            self.send(f"Error:{e}")
        self.planner.clear()
        self.queue.clear()
        self.hotend_target = self.bed_target = 0.0
        self.dead = True

    # -- engine hooks ---------------------------------------------------------------------------
    def boot(self, now: float) -> None:
        self.send("start")
        self.send("echo:Marlin 2.1.2.1 (fablab simulator)")
        self.send(f"echo: Last Updated: 2023-07-01 | Author: (fablab) | BUFSIZE {self.bufsize}")
        self._temps_at = now

    def reset(self, now: float) -> None:
        self.planner.clear()
        self.planner.position = {a: 0.0 for a in "XYZE"}
        self.rx.clear()
        self._ep_line.clear()
        self.hung = self.dead = False
        self._boot_state()
        self.boot(now)

    def inject(self, fault: str, now: float) -> None:
        if fault == "thermal_runaway":
            self._kill("Thermal Runaway, system stopped! Heater_ID: 0", "Printer halted. kill() called!")
        elif fault == "alarm":
            self._kill("MINTEMP triggered, system stopped! Heater_ID: 0", "Printer halted. kill() called!")
        else:
            super().inject(fault, now)

    def is_idle(self) -> bool:
        return super().is_idle() and not self.queue and self.planner.idle

    def next_event(self, now: float) -> float | None:
        times = [self.planner.next_event(now)]
        if self.queue:
            times.append(0.005)
        if self.autoreport_s:
            times.append(self.last_autoreport + self.autoreport_s - now)
        if self.hotend_target or self.bed_target:
            times.append(0.05)
        times = [t for t in times if t is not None]
        return max(0.0, min(times)) if times else None

    def tick(self, now: float) -> None:
        if self.hung or self.dead:
            return
        self.planner.update(now)
        self._heat(now)
        if self.autoreport_s and now - self.last_autoreport >= self.autoreport_s:
            self.last_autoreport = now
            self.send(self.temperature_report())
        self._intake()
        while self.queue and not self.dead and not self.fault_due:  # a due fault fires at its exact count
            raw, n = self.queue[0]
            if not self._execute(raw, n, now):
                self._keepalive(now)
                return
            self.busy_since = None
            self.queue.popleft()
            self._intake()

    def _heat(self, now: float) -> None:
        dt = max(0.0, now - self._temps_at)
        self._temps_at = now

        def approach(cur: float, target: float, rate: float) -> float:
            goal = target if target > 0 else AMBIENT
            step = rate * dt
            return min(goal, cur + step) if cur < goal else max(goal, cur - step)

        self.hotend = approach(self.hotend, self.hotend_target, self.hotend_rate)
        self.bed = approach(self.bed, self.bed_target, self.bed_rate)

    def _keepalive(self, now: float) -> None:
        if self.busy_since is None:
            self.busy_since = self.last_busy = now
        elif self.keepalive_s and now - self.last_busy >= self.keepalive_s:
            self.last_busy = now
            self.send("echo:busy: processing")

    # -- intake: RX buffer -> command queue, with Marlin's line checks ----------------------------
    def make_room(self, now: float) -> None:
        self.tick(now)  # the main loop runs between bytes: moves, commands and intake free room

    def _intake(self) -> None:
        while len(self.queue) < self.bufsize and not self.dead:
            raw = self.take_line()
            if raw is None:
                return
            line = raw.strip()
            if not line:
                continue
            m = _N.match(line)
            if not m:
                if b"*" in line:  # a checksum without its line number: the N was lost on the way
                    self._line_error("No Line Number with checksum, Last Line: ")
                else:
                    self.queue.append((line, None))
                continue
            n = int(m.group(1))
            body = line[m.end():]
            is_m110 = b"M110" in body.upper()
            if n != self.last_n + 1 and not is_m110:
                self._line_error("Line Number is not Last Line Number+1, Last Line: ")
                continue
            star = line.rfind(b"*")
            if star < 0:
                self._line_error("No Checksum with line number, Last Line: ")
                continue
            try:
                given = int(line[star + 1:].strip())
            except ValueError:
                given = -1
            if given != checksum(line[:star]):
                self._line_error("checksum mismatch, Last Line: ")
                continue
            if is_m110:
                m2 = re.search(rb"M110\s*N(-?\d+)", body.upper())
                n = int(m2.group(1)) if m2 else n
            self.last_n = n
            self.queue.append((line[m.end():star].strip(), n))

    def _line_error(self, text: str) -> None:
        self.send(f"Error:{text}{self.last_n}")
        self.rx.clear()  # flush_and_request_resend(): what was in the RX buffer is gone
        self.send(f"Resend: {self.last_n + 1}")
        self.lines_processed += 1
        self.errors_sent += 1
        self.send("ok")

    # -- commands -------------------------------------------------------------------------------
    def _ok(self, n: int | None, extra: str = "") -> None:
        self.commands_done += 1
        if self.advanced_ok:
            num = f" N{n}" if n is not None else ""
            # sent while the command still holds its slot, as Marlin does
            self.answer(f"ok{num} P{self.planner.free} B{self.bufsize - len(self.queue)}{extra}")
        else:
            self.answer("ok" + extra)

    def temperature_report(self) -> str:
        return (f"T:{self.hotend:.2f} /{self.hotend_target:.2f} B:{self.bed:.2f} /{self.bed_target:.2f} "
                f"@:0 B@:0")

    def logical_position(self) -> dict[str, float]:
        pos = self.planner.live_position()
        return {a: round(pos[a] - self.offset[a], 5) for a in "XYZE"}

    def _execute(self, raw: bytes, n: int | None, now: float) -> bool:
        """Run one queued command; False while it must wait (planner full, heating, M400...)."""
        text = raw.decode("latin-1")
        try:
            ws = words(text)
        except GcodeSyntaxError:
            return self._unknown(text, n)
        if not ws:
            self._ok(n)
            return True
        letter, num = ws[0]
        vals = {k: v for k, v in ws[1:]}
        code = f"{letter}{num:g}"
        if self.stopped and code != "M999":
            self.send("echo:Printer stopped due to errors. Fix the error and use M999 to restart.")
            self._ok(n)
            return True
        if code in ("G0", "G1", "G2", "G3"):
            if self.planner.free <= 0:
                return False
            self._move(vals, now, rapid=code == "G0" and "F" not in vals)
        elif code == "G28":
            if self.planner.free <= 0:
                return False
            self.planner.add({a: 0.0 for a in "XYZ"}, self.rapid, now)
            for a in "XYZ":
                self.offset[a] = 0.0
            self.motors_on = True
        elif code == "G4":
            if not self.planner.idle:
                return False
            if self.dwell_until is None:
                self.dwell_until = now + (vals.get("P", 0.0) / 1000.0 + vals.get("S", 0.0)) / self.speed_factor
            if now < self.dwell_until:
                return False
            self.dwell_until = None
        elif code in ("G20", "G21"):
            self.units = code
        elif code in ("G90", "G91"):
            self.distance = code
        elif code in ("M82", "M83"):
            self.extrude = code
        elif code == "G92":
            pos = self.planner.planned_end()
            for a in "XYZE":
                if a in vals:
                    self.offset[a] = pos[a] - vals[a] * (25.4 if self.units == "G20" and a != "E" else 1.0)
        elif code in ("M104", "M109"):
            if "S" in vals or "R" in vals:
                self.hotend_target = vals.get("S", vals.get("R", 0.0))
            if code == "M109" and not self._wait_temp("hotend", now):
                return False
        elif code in ("M140", "M190"):
            if "S" in vals or "R" in vals:
                self.bed_target = vals.get("S", vals.get("R", 0.0))
            if code == "M190" and not self._wait_temp("bed", now):
                return False
        elif code == "M105":
            self._ok(n, " " + self.temperature_report())
            return True
        elif code == "M155":
            self.autoreport_s = vals.get("S", 0.0)
            self.last_autoreport = now
        elif code == "M106":
            self.fan = vals.get("S", 255.0)
        elif code == "M107":
            self.fan = 0.0
        elif code in ("M84", "M18"):
            if not self.planner.idle:
                return False
            self.motors_on = False
        elif code == "M17":
            self.motors_on = True
        elif code == "M400":
            if not self.planner.idle:
                return False
        elif code == "M114":
            p = self.logical_position()
            self.send(f"X:{p['X']:.2f} Y:{p['Y']:.2f} Z:{p['Z']:.2f} E:{p['E']:.2f} Count X:0 Y:0 Z:0")
        elif code == "M115":
            self.send("FIRMWARE_NAME:Marlin 2.1.2.1 (fablab simulator) SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin "
                      "PROTOCOL_VERSION:1.0 MACHINE_TYPE:Simulated EXTRUDER_COUNT:1")
            for cap, on in (("AUTOREPORT_TEMP", 1), ("EMERGENCY_PARSER", int(self.emergency_parser)),
                            ("ADVANCED_OK", int(self.advanced_ok)), ("HOST_ACTION_COMMANDS", 0)):
                self.send(f"Cap:{cap}:{on}")
        elif code == "M112":
            self._kill("Printer halted. kill() called!")
            return True
        elif code == "M999":
            self.stopped = False
            self.last_n = 0
        elif code in ("M110", "M410", "M108", "M117", "M73", "M220", "M221", "M204", "M205", "M201", "M203",
                      "M900", "M113", "M118", "M75", "M76", "M77", "M501", "M503"):
            if code == "M113":
                self.keepalive_s = vals.get("S", self.keepalive_s)
        elif code.startswith("T") and code[1:] in ("0",):
            pass
        else:
            return self._unknown(text, n)
        self._ok(n)
        return True

    def _unknown(self, text: str, n: int | None) -> bool:
        self.send(f'echo:Unknown command: "{text}"')
        self.unknown_commands += 1
        self._ok(n)
        self.commands_done -= 1  # commands_done counts commands Marlin understood and ran
        return True

    def _wait_temp(self, which: str, now: float) -> bool:
        if self._break_wait:
            self._break_wait = False
            return True
        cur, target = (self.hotend, self.hotend_target) if which == "hotend" else (self.bed, self.bed_target)
        if target <= 0 or abs(cur - target) < 1.0:
            return True
        if now - self.last_wait_report >= TEMP_REPORT_WHILE_WAITING_S:
            self.last_wait_report = now
            self.send(" " + self.temperature_report() + " W:?")
        return False

    def _move(self, vals: dict[str, float], now: float, rapid: bool) -> None:
        scale = 25.4 if self.units == "G20" else 1.0
        if "F" in vals:
            self.feed = vals["F"] * scale
        start = self.planner.planned_end()
        target = dict(start)
        for a in "XYZE":
            if a not in vals:
                continue
            v = vals[a] * (scale if a != "E" else 1.0)
            relative = self.distance == "G91" or (a == "E" and self.extrude == "M83")
            target[a] = start[a] + v if relative else v + self.offset[a]
        self.motors_on = True
        self.planner.add(target, self.rapid if rapid else self.feed, now)

    def snapshot(self) -> dict:
        data = super().snapshot()
        data.update(last_n=self.last_n, position=self.logical_position(), units=self.units, distance=self.distance,
                    extrude=self.extrude, feed=self.feed, hotend_target=self.hotend_target, bed_target=self.bed_target,
                    hotend=round(self.hotend, 2), bed=round(self.bed, 2), fan=self.fan, motors_on=self.motors_on,
                    queue=len(self.queue), planner_free=self.planner.free, commands_done=self.commands_done,
                    unknown_commands=self.unknown_commands,
                    advanced_ok=self.advanced_ok)
        return data
