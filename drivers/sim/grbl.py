"""A GRBL 1.1 firmware model: 128-byte RX buffer (127 usable, as the ring buffer keeps one
slot empty), a 15-block planner, `ok` per line, real-time `?` `!` `~` 0x18, `error:N` and
`ALARM:N` with GRBL's codes, `$I` `$G` `$#` `$$` `$X` `$H` `$C`, laser mode `$32`.

Lines are taken out of the RX buffer only when the previous one has gone into the planner,
so a full planner backs the host up into the RX buffer, and a host that sends more than the
buffer holds loses bytes (the UART interrupt drops what it cannot store).
"""

from __future__ import annotations

from drivers.sim.faults import Faults
from drivers.sim.firmware import Firmware
from drivers.sim.gcode import GcodeSyntaxError, words
from drivers.sim.grbl_system import WCS, GrblSystemCommands, fmt
from drivers.sim.motion import Planner

AXES = ("X", "Y", "Z")
LINE_BUFFER = 80  # LINE_BUFFER_SIZE in protocol.h: 79 characters and the terminator
HOLD_DECEL_S = 0.03
SUPPORTED_G = {0, 1, 2, 3, 4, 10, 17, 18, 19, 20, 21, 28, 30, 40, 43.1, 49, 53, 54, 55, 56, 57, 58, 59,
               80, 90, 91, 91.1, 92, 93, 94}
SUPPORTED_M = {0, 1, 2, 3, 4, 5, 7, 8, 9, 30}
DEFAULT_SETTINGS = {0: 10, 1: 25, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 10: 1, 11: 0.010, 12: 0.002, 13: 0, 20: 0,
                    21: 0, 22: 1, 23: 0, 24: 25, 25: 500, 26: 250, 27: 1, 30: 1000, 31: 0, 32: 0,
                    100: 250, 101: 250, 102: 250, 110: 500, 111: 500, 112: 500, 120: 10, 121: 10, 122: 10,
                    130: 200, 131: 200, 132: 200}


class Syncing(Exception):
    """The line must wait (planner full, or a command that waits for motion to end)."""


class GrblFirmware(GrblSystemCommands, Firmware):
    name = "grbl"
    newline = b"\r\n"

    def __init__(self, *, speed_factor: float = 20.0, rx_buffer: int = 128, planner_blocks: int = 15,
                 faults: Faults | None = None, version: str = "1.1h", rapid_mm_min: float = 5000.0, **_: object):
        super().__init__(speed_factor=speed_factor, rx_buffer=rx_buffer, faults=faults)
        self.version = version
        self.rapid = rapid_mm_min
        self.planner = Planner(planner_blocks, speed_factor, axes=AXES)
        self.settings: dict[int, float] = dict(DEFAULT_SETTINGS)
        self.wcs_offsets = {w: [0.0, 0.0, 0.0] for w in WCS}
        self.alarm_code: int | None = None
        self.critical = False  # hard-limit alarm: nothing but `?` and reset until reset
        self._reset_state()

    def _reset_state(self) -> None:
        self.modal = {"motion": "G0", "wcs": "G54", "plane": "G17", "units": "G21", "distance": "G90",
                      "feed_mode": "G94", "spindle": "M5", "coolant": "M9"}
        self.feed = 0.0  # mm/min
        self.spindle_speed = 0.0
        self.tool = 0
        self.g92 = [0.0, 0.0, 0.0]
        self.target = dict(self.planner.position)  # parser position, machine coordinates
        self.pending: bytes | None = None
        self.hold: int | None = None  # None, 1 decelerating, 0 complete
        self.hold_done_at = 0.0
        self.dwell_until: float | None = None
        self.homing_until: float | None = None
        self.check_mode = False
        self.status_requested = False
        self.reports = 0

    # -- state ----------------------------------------------------------------------------------
    @property
    def usable(self) -> int:
        return self.rx_capacity - 1

    def usable_rx(self) -> int:
        return self.usable

    @property
    def state(self) -> str:
        if self.alarm_code is not None or self.critical:
            return "Alarm"
        if self.homing_until is not None:
            return "Home"
        if self.hold is not None:
            return f"Hold:{self.hold}"
        if self.check_mode:
            return "Check"
        if not self.planner.idle:
            return "Run"  # a dwell (G4) shows Idle, as GRBL 1.1 does: the planner is empty
        return "Idle"

    def wco(self) -> list[float]:
        off = self.wcs_offsets[self.modal["wcs"]]
        return [off[i] + self.g92[i] for i in range(3)]

    # -- real-time bytes ------------------------------------------------------------------------
    def realtime(self, byte: int, now: float) -> bool:
        if byte == ord("?"):
            self.status_requested = True
        elif byte == ord("!"):
            self._feed_hold(now)
        elif byte == ord("~"):
            self._cycle_start(now)
        elif byte == 0x18:
            self._soft_reset(now)
        elif byte >= 0x80:
            pass  # overrides, jog cancel, safety door: accepted and ignored here
        else:
            return False
        return True

    def _feed_hold(self, now: float) -> None:
        if self.hung or self.dead or self.critical or self.alarm_code is not None or self.check_mode:
            return
        if self.hold is None:
            moving = not self.planner.idle
            self.planner.hold(now)
            self.hold = 1 if moving else 0
            self.hold_done_at = now + HOLD_DECEL_S

    def _cycle_start(self, now: float) -> None:
        if self.hung or self.dead:
            return
        if self.hold is not None:
            self.hold = None
            self.planner.release(now)

    def _soft_reset(self, now: float) -> None:
        if self.hung:
            return
        moving = (not self.planner.idle and self.hold != 0) or self.homing_until is not None
        was_alarm = self.alarm_code is not None or self.critical
        self.planner.clear()
        self.rx.clear()
        self._reset_state()
        self.critical = False
        if moving:
            self.send("ALARM:3")
            self.alarm_code = 3
        self.boot(now)
        if moving or was_alarm:
            self.alarm_code = self.alarm_code or 1
            self.send("[MSG:'$H'|'$X' to unlock]")

    # -- engine hooks ---------------------------------------------------------------------------
    def boot(self, now: float) -> None:
        self.out += b"\r\n"
        self.send(f"Grbl {self.version} ['$' for help]")

    def reset(self, now: float) -> None:
        """Power cycle (injected fault): position lost, everything cleared, banner."""
        self.planner.clear()
        self.rx.clear()
        self._reset_state()
        self.alarm_code = None
        self.critical = False
        self.hung = self.dead = False
        self.boot(now)

    def inject(self, fault: str, now: float) -> None:
        if fault != "alarm":
            super().inject(fault, now)
        self.planner.clear()
        self.pending = None
        self.hold = None
        self.alarm_code = 1
        self.critical = True
        self.send("ALARM:1")
        self.send("[MSG:Reset to continue]")

    def next_event(self, now: float) -> float | None:
        times = [self.planner.next_event(now)]
        if self.hold == 1:
            times.append(self.hold_done_at - now)
        for t in (self.dwell_until, self.homing_until):
            if t is not None:
                times.append(t - now)
        if self.pending is not None:
            times.append(0.002)
        times = [t for t in times if t is not None]
        return max(0.0, min(times)) if times else None

    def tick(self, now: float) -> None:
        if self.hung or self.dead:
            return
        self.planner.update(now)
        if self.hold == 1 and now >= self.hold_done_at:
            self.hold = 0
        if self.homing_until is not None and now >= self.homing_until:
            self.homing_until = None
            self.planner.position = {a: 0.0 for a in AXES}
            self.target = dict(self.planner.position)
            self.alarm_code = None
            self.answer("ok")
        if self.status_requested:
            self.status_requested = False
            self.send(self.status_report())
        if self.critical or self.homing_until is not None:
            return
        while True:
            if self.pending is None:
                self.pending = self.take_line()
                if self.pending is None:
                    return
            try:
                self._execute(self.pending, now)
            except Syncing:
                return
            self.pending = None

    # -- reports --------------------------------------------------------------------------------
    def status_report(self) -> str:
        pos = self.planner.live_position()
        fields = [self.state, "MPos:" + ",".join(fmt(pos[a]) for a in AXES)]
        feed = self.feed if self.planner.moving else 0.0
        fields.append(f"Bf:{self.planner.free},{self.usable - len(self.rx)}")
        fields.append(f"FS:{feed:.0f},{self.spindle_speed:.0f}")
        if self.reports % 10 == 0:
            fields.append("WCO:" + ",".join(fmt(v) for v in self.wco()))
        if self.reports % 10 == 1:
            fields.append("Ov:100,100,100")
        self.reports += 1
        return "<" + "|".join(fields) + ">"

    def gcode_state(self) -> str:
        m = self.modal
        return (f"[GC:{m['motion']} {m['wcs']} {m['plane']} {m['units']} {m['distance']} {m['feed_mode']} "
                f"{m['spindle']} {m['coolant']} T{self.tool} F{self.feed:g} S{self.spindle_speed:g}]")

    def is_idle(self) -> bool:
        return (super().is_idle() and self.planner.idle and self.pending is None and self.dwell_until is None
                and self.homing_until is None)

    def snapshot(self) -> dict:
        data = super().snapshot()
        data.update(state=self.state, position=self.planner.live_position(), modal=dict(self.modal),
                    feed=self.feed, spindle_speed=self.spindle_speed, wco=self.wco(), g92=list(self.g92),
                    alarm=self.alarm_code, planner_free=self.planner.free, laser_mode=bool(self.settings[32]),
                    check_mode=self.check_mode)
        return data

    # -- lines ----------------------------------------------------------------------------------
    def _execute(self, raw: bytes, now: float) -> None:
        if len(raw) >= LINE_BUFFER:
            self.answer("error:11")
            return
        text = "".join(ch for ch in raw.decode("latin-1") if " " < ch < "\x7f").upper()
        if text.startswith("$"):
            self._system(text, now)
            return
        stripped = "".join(ch for ch in raw.decode("latin-1") if ch >= " ")
        try:
            ws = words(stripped)
        except GcodeSyntaxError as exc:
            self.answer("error:1" if exc.kind == "letter" else "error:2")
            return
        if not ws:
            self.answer("ok")
            return
        if self.alarm_code is not None:
            self.answer("error:9")
            return
        code = self._gcode(ws, now)
        if code:
            self.answer(f"error:{code}")
        else:
            self.answer("ok")

    def _gcode(self, ws: list[tuple[str, float]], now: float) -> int:
        """Apply one parsed line; returns an error code, 0 when accepted. Raises Syncing to wait."""
        gs = [v for k, v in ws if k == "G"]
        ms = [v for k, v in ws if k == "M"]
        vals = {k: v for k, v in ws if k not in "GM"}
        for g in gs:
            if g not in SUPPORTED_G:
                return 20
        for m in ms:
            if m not in SUPPORTED_M:
                return 20
        letters = [k for k, _ in ws if k not in "GM"]
        if any(k not in "FIJKLNPRSTXYZ" for k in letters):
            return 20
        if len(letters) != len(set(letters)):
            return 25
        laser = bool(self.settings[32])
        # Commands that wait for the planner to empty, before anything else of this line happens.
        syncs = any(m in (0, 1, 2, 30) for m in ms) or 4 in gs or any(g in (10, 28, 30, 92) for g in gs)
        syncs = syncs or (not laser and any(m in (3, 4, 5) for m in ms))
        if syncs and (not self.planner.idle or self.hold is not None) and not self.check_mode:
            raise Syncing
        if 4 in gs:
            if self.dwell_until is None:
                self.dwell_until = now + vals.get("P", 0.0) / self.speed_factor
            if now < self.dwell_until and not self.check_mode:
                raise Syncing
            self.dwell_until = None
            return 0
        motion = next((g for g in gs if g in (0, 1, 2, 3, 80)), None)
        axis_move = any(a in vals for a in AXES)
        if axis_move and (motion is not None or self.modal["motion"] in ("G0", "G1", "G2", "G3")) \
                and not any(g in (10, 28, 30, 92) for g in gs) and not self.check_mode and self.planner.free <= 0:
            raise Syncing
        scale = 25.4 if (20 in gs or (self.modal["units"] == "G20" and 21 not in gs)) else 1.0
        if "F" in vals:
            if vals["F"] <= 0:
                return 22
        for g in gs:
            if g in (17, 18, 19):
                self.modal["plane"] = f"G{g:g}"
            elif g in (20, 21):
                self.modal["units"] = f"G{g:g}"
            elif g in (90, 91):
                self.modal["distance"] = f"G{g:g}"
            elif g in (93, 94):
                self.modal["feed_mode"] = f"G{g:g}"
            elif 54 <= g <= 59:
                self.modal["wcs"] = f"G{g:g}"
        if "F" in vals:
            self.feed = vals["F"] * scale
        for m in ms:
            if m in (3, 4, 5):
                self.modal["spindle"] = f"M{m:g}"
            elif m in (7, 8, 9):
                self.modal["coolant"] = f"M{m:g}"
            elif m in (2, 30):
                self.modal["spindle"], self.modal["coolant"] = "M5", "M9"
                self.modal["motion"], self.modal["distance"] = "G1", "G90"
        if "S" in vals:
            self.spindle_speed = vals["S"]
        if "T" in vals:
            self.tool = int(vals["T"])
        if 10 in gs:
            return self._g10(vals)
        if 92 in gs:
            for i, a in enumerate(AXES):
                if a in vals:
                    work = self.target[a] - self.wcs_offsets[self.modal["wcs"]][i]
                    self.g92[i] = work - vals[a] * scale
            return 0
        if 28 in gs or 30 in gs:
            self.planner.add({a: 0.0 for a in AXES}, self.rapid, now)
            self.target = {a: 0.0 for a in AXES}
            return 0
        if motion is not None:
            self.modal["motion"] = f"G{motion:g}"
        if not axis_move:
            return 0
        mode = self.modal["motion"]
        if mode == "G80":
            return 31
        if mode in ("G1", "G2", "G3") and self.feed <= 0:
            return 22
        wco = [0.0, 0.0, 0.0] if 53 in gs else self.wco()
        new = dict(self.target)
        for i, a in enumerate(AXES):
            if a in vals:
                v = vals[a] * scale
                new[a] = (self.target[a] + v) if self.modal["distance"] == "G91" and 53 not in gs else v + wco[i]
        self.target = new
        if not self.check_mode:
            self.planner.add(new, self.rapid if mode == "G0" else self.feed, now)
        return 0

    def _g10(self, vals: dict[str, float]) -> int:
        p = int(vals.get("P", 1)) or WCS.index(self.modal["wcs"]) + 1
        if not 1 <= p <= 6:
            return 29
        off = self.wcs_offsets[WCS[p - 1]]
        for i, a in enumerate(AXES):
            if a in vals:
                if vals.get("L") == 20:
                    off[i] = self.target[a] - self.g92[i] - vals[a]
                else:
                    off[i] = vals[a]
        return 0
