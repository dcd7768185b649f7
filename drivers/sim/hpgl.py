"""An HPGL vinyl cutter: a 1 KiB input buffer drained as the knife moves, no acknowledgements,
flow control by XON/XOFF or RTS/CTS (whichever the host enabled on the port), `ESC.B` buffer
query, `ESC.O` status, `ESC.K` abort, `OA` position. Plotter units: 40 per mm. `VS` in cm/s.

With neither flow control, a host that writes faster than the cutter cuts overflows the
buffer and commands are lost, as on the cheap cutters this models.
"""

from __future__ import annotations

import math

from drivers.sim.faults import Faults
from drivers.sim.firmware import Firmware
from drivers.sim.link import XOFF, XON

UNITS_PER_MM = 40.0
ESC = 0x1B


class HpglFirmware(Firmware):
    name = "hpgl"
    newline = b"\r"

    def __init__(self, *, speed_factor: float = 20.0, rx_buffer: int = 1024, velocity_cm_s: float = 40.0,
                 xoff_free: int = 256, xon_free: int = 512, faults: Faults | None = None, **_: object):
        super().__init__(speed_factor=speed_factor, rx_buffer=rx_buffer, faults=faults)
        if not 0 < xoff_free < xon_free <= rx_buffer:
            raise ValueError("need 0 < xoff_free < xon_free <= rx_buffer")
        self.default_velocity = velocity_cm_s
        self.xoff_free, self.xon_free = xoff_free, xon_free
        self.xoff_sent = False
        self._esc = bytearray()
        self.commands_done = 0
        self.cut_mm = 0.0
        self.travel_mm = 0.0
        self.aborts = 0
        self.xoff_count = 0
        self._init_state()

    def _init_state(self) -> None:
        self.position = (0, 0)  # plotter units
        self.pen_down = False
        self.absolute = True
        self.velocity = self.default_velocity
        self.force: float | None = None
        self.tool = 0
        self.busy_until = 0.0
        self.initialised = False

    @property
    def free(self) -> int:
        return self.rx_capacity - len(self.rx)

    # -- wire ----------------------------------------------------------------------------------
    def realtime(self, byte: int, now: float) -> bool:
        """`ESC.B` (free buffer bytes) and `ESC.O` (status) are answered at once, out of band."""
        if self._esc or byte == ESC:
            self._esc.append(byte)
            if len(self._esc) == 3:
                seq, self._esc = bytes(self._esc), bytearray()
                if seq == b"\x1b.B":
                    self.send(str(self.free))
                elif seq == b"\x1b.O":
                    self.send("0" if now >= self.busy_until else "8")
                elif seq == b"\x1b.K":  # abort graphics: the buffer is discarded, the knife lifts
                    self.rx.clear()
                    self.busy_until = now
                    self._moving = False
                    self.pen_down = False
                    self.aborts += 1
            return True
        return False

    def after_feed(self, now: float) -> None:
        self._flow()

    def _flow(self) -> None:
        if self.free <= self.xoff_free and not self.xoff_sent:
            self.xoff_sent = True
            self.xoff_count += 1
            self.out[0:0] = bytes([XOFF])  # ahead of anything queued: it must reach the host now
            self.cts = False
        elif self.free >= self.xon_free and self.xoff_sent:
            self.xoff_sent = False
            self.out[0:0] = bytes([XON])
            self.cts = True

    # -- engine hooks ---------------------------------------------------------------------------
    def boot(self, now: float) -> None:
        self.busy_until = now

    def reset(self, now: float) -> None:
        self.rx.clear()
        self._init_state()
        self.hung = self.dead = False
        self.boot(now)

    def is_idle(self) -> bool:
        return not self.rx and not self.out and not self._moving

    _moving = False

    def next_event(self, now: float) -> float | None:
        if self.rx or self._moving:
            return max(0.0, self.busy_until - now)
        return None

    def tick(self, now: float) -> None:
        if self.hung or self.dead:
            return
        while now >= self.busy_until:
            self._moving = False
            cmd = self._take_command()
            if cmd is None:
                break
            self._execute(cmd, now)
        self._flow()

    def _take_command(self) -> str | None:
        for i, b in enumerate(self.rx):
            if b in (0x3B, 0x0A, 0x0D):  # ';' or a line end
                raw = bytes(self.rx[:i]).decode("latin-1").strip()
                del self.rx[: i + 1]
                if raw:
                    self.lines_received += 1
                    self.received.append(raw)
                    return raw
                return self._take_command()
        return None

    # -- commands -------------------------------------------------------------------------------
    def _execute(self, cmd: str, now: float) -> None:
        op, args = cmd[:2].upper(), cmd[2:]
        self.commands_done += 1
        self.lines_processed += 1
        try:
            nums = [float(v) for v in args.replace(" ", ",").split(",") if v.strip()]
        except ValueError:
            self.errors_sent += 1  # a real cutter ignores what it cannot parse
            return
        if op == "IN":
            self._init_state()
            self.initialised = True
        elif op == "SP":
            self.tool = int(nums[0]) if nums else 0
        elif op == "VS":
            self.velocity = nums[0] if nums else self.default_velocity
        elif op == "FS":
            self.force = nums[0] if nums else None
        elif op == "PA":
            self.absolute = True
            self._moves(nums, now)
        elif op == "PR":
            self.absolute = False
            self._moves(nums, now)
        elif op in ("PU", "PD"):
            self.pen_down = op == "PD"
            self._moves(nums, now)
        elif op == "OA":
            self.send(f"{self.position[0]},{self.position[1]},{int(self.pen_down)}")
        else:
            self.errors_sent += 1

    def _moves(self, nums: list[float], now: float) -> None:
        seconds = 0.0
        for i in range(0, len(nums) - 1, 2):
            x, y = nums[i], nums[i + 1]
            if not self.absolute:
                x, y = self.position[0] + x, self.position[1] + y
            dist_mm = math.dist(self.position, (x, y)) / UNITS_PER_MM
            if self.pen_down:
                self.cut_mm += dist_mm
            else:
                self.travel_mm += dist_mm
            seconds += dist_mm / (self.velocity * 10.0)
            self.position = (int(round(x)), int(round(y)))
        self.busy_until = now + seconds / self.speed_factor
        self._moving = seconds > 0

    def snapshot(self) -> dict:
        data = super().snapshot()
        data.update(position=self.position, pen_down=self.pen_down, velocity=self.velocity, force=self.force,
                    tool=self.tool, commands_done=self.commands_done, cut_mm=round(self.cut_mm, 3),
                    travel_mm=round(self.travel_mm, 3), initialised=self.initialised, xoff=self.xoff_sent, xoff_count=self.xoff_count,
                    aborts=self.aborts,
                    buffer_free=self.free)
        return data
