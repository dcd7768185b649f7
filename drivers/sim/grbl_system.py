"""GRBL's `$` system commands for the simulator: `$I` (build info with planner and RX sizes),
`$G`, `$#`, `$$`, `$X`, `$H`, `$C`, `$N`, `$x=value`. A mixin of `GrblFirmware`."""

from __future__ import annotations

WCS = ("G54", "G55", "G56", "G57", "G58", "G59")


def fmt(v: float) -> str:
    return f"{v:.3f}"


class GrblSystemCommands:
    def _system(self, text: str, now: float) -> None:
        cmd = text[1:]
        idle_or_alarm = self.state in ("Idle", "Alarm", "Check")
        if cmd == "":
            self.send("[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]")
        elif cmd == "I":
            if not idle_or_alarm:
                return self.answer("error:8")
            self.send(f"[VER:{self.version}.20190830:]")
            self.send(f"[OPT:V,{self.planner.capacity},{self.rx_capacity}]")
        elif cmd == "G":
            self.send(self.gcode_state())
        elif cmd == "#":
            for w in WCS:
                self.send(f"[{w}:" + ",".join(fmt(v) for v in self.wcs_offsets[w]) + "]")
            self.send("[G92:" + ",".join(fmt(v) for v in self.g92) + "]")
            self.send("[TLO:0.000]")
        elif cmd == "$":
            if not idle_or_alarm:
                return self.answer("error:8")
            for k, v in sorted(self.settings.items()):
                self.send(f"${k}={v:g}")
        elif cmd == "X":
            if self.alarm_code is not None:
                self.alarm_code = None
                self.send("[MSG:Caution: Unlocked]")
        elif cmd == "H":
            if not self.settings.get(22):
                return self.answer("error:5")
            if not self.planner.idle:
                return self.answer("error:8")
            self.homing_until = now + 2.0 / self.speed_factor
            return  # ok when homing ends (tick)
        elif cmd == "C":
            if self.check_mode:
                self.send("[MSG:Disabled]")
                self.answer("ok")
                self._soft_reset(now)
                return
            if not self.planner.idle or self.alarm_code is not None:
                return self.answer("error:8")
            self.check_mode = True
            self.send("[MSG:Enabled]")
        elif "=" in cmd and cmd.split("=", 1)[0].isdigit():
            if not idle_or_alarm:
                return self.answer("error:8")
            key, val = cmd.split("=", 1)
            try:
                self.settings[int(key)] = float(val)
            except ValueError:
                return self.answer("error:2")
        elif cmd == "N":
            self.send("$N0=")
            self.send("$N1=")
        else:
            return self.answer("error:3")
        self.answer("ok")
