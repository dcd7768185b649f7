"""Checks a program must pass before it is queued: a failure is an issue, never a crash.

Every line parses; nothing is NaN; every move stays inside the work area; feeds, laser
power, spindle speed and temperatures stay within the machine's limits; lines fit the
firmware's line buffer; only ASCII reaches GRBL (bytes >= 0x80 are real-time commands).
The program is read back from its lines, so a slicer's output is checked like ours.
"""

from __future__ import annotations

import math
from typing import Any

from gcode_reader import BadLine, read_lines
from slicing.machine_spec import Machine
from slicing.toolpaths.issues import text_issue
from slicing.toolpaths.program_parse import gcode_moves, hpgl_moves, strip_gcode

TOLERANCE_MM = 1e-3
MAX_REPORTED_LINES = 5
GRBL_WORDS = set("GMXYZFSPNTLRIJKABCDHOQ")  # GRBL 1.1 rejects any other letter (error:20)
LINE_LIMITS = {"grbl": 79, "marlin": 95, "octoprint": 95}  # significant characters per line


def _err(code: str, en: str, fr: str, hint_en: str, hint_fr: str, line: int | None = None, severity="error"):
    return text_issue(code, severity, en, fr, hint_en, hint_fr, {"line": line + 1} if line is not None else None)


def check_program(lines: list[str], machine: Machine, fmt: str, options: dict[str, Any] | None = None,
                  parsed: list | None = None) -> list[dict[str, Any]]:
    """Issues found in `lines` (empty list: the program may be queued). `parsed`: the lines as
    `gcode_reader.read_lines` read them, when the caller has them already."""
    options = {**machine.process, **(options or {})}
    try:
        return _check(lines, machine, fmt, options, parsed)
    except Exception as exc:  # a checker bug must not take the job down with a traceback
        return [
            _err(
                "check_failed",
                f"The program could not be checked: {exc}",
                f"Le programme n'a pas pu être vérifié : {exc}",
                "Report this to the fabmanager.",
                "Signalez-le au fabmanager.",
            )
        ]


def _check(lines: list[str], machine: Machine, fmt: str, options: dict[str, Any], parsed: list | None) -> list[dict[str, Any]]:
    issues: list[dict[str, Any]] = []
    if not lines:
        return [_err("empty_program", "The program is empty.", "Le programme est vide.", "Check the design.", "Vérifiez le dessin.")]
    wants = "hpgl" if machine.driver == "hpgl" else "gcode"
    if fmt != wants:
        return [
            _err(
                "format_mismatch",
                f"The program is {fmt.upper()} but machine '{machine.id}' ({machine.driver}) takes {wants.upper()}.",
                f"Le programme est en {fmt.upper()} mais la machine « {machine.id} » ({machine.driver}) attend du {wants.upper()}.",
                "Set the machine's `output` to match its driver in machines.yaml.",
                "Réglez `output` de la machine selon son pilote dans machines.yaml.",
            )
        ]
    issues += _check_text(lines, machine, fmt)
    errors: list[tuple[int, str]] = []
    if fmt == "gcode" and parsed is None:
        parsed = read_lines(lines)  # the program read once, for every check
    elif fmt != "gcode":
        parsed = None
    if parsed is not None and machine.driver == "grbl":
        errors += _foreign_words(parsed)
    moves = list(hpgl_moves(lines, errors) if parsed is None else gcode_moves(lines, errors, parsed))
    errors.sort()
    for n, why in errors[:MAX_REPORTED_LINES]:
        issues.append(
            _err(
                "unparsable_line",
                f"Line {n + 1} cannot be read by the machine ({why}): {lines[n][:40]!r}",
                f"La ligne {n + 1} est illisible pour la machine ({why}) : {lines[n][:40]!r}",
                "The program generator produced a bad line: prepare the job again or report it.",
                "Le générateur a produit une ligne invalide : relancez la préparation ou signalez-le.",
                n,
            )
        )
    if not moves:
        issues.append(_err("no_motion", "The program moves nothing.", "Le programme ne déplace rien.", "Check the design.", "Vérifiez le dessin."))
        return issues
    issues += _check_area(moves, machine)
    issues += _check_feeds(moves, machine, fmt)
    if fmt == "gcode":
        issues += _check_power_and_heat(parsed, machine, options)
    return issues


def _foreign_words(parsed: list) -> list[tuple[int, str]]:
    found = []
    for n, words in enumerate(parsed):
        if isinstance(words, BadLine) or not words:
            continue  # unreadable lines are reported by the move reader
        letters = {letter for letter, _ in words}
        foreign = letters - GRBL_WORDS
        if foreign:
            found.append((n, f"GRBL has no '{''.join(sorted(foreign))}' word"))
    return found


def _check_text(lines: list[str], machine: Machine, fmt: str) -> list[dict[str, Any]]:
    issues = []
    limit = LINE_LIMITS.get(machine.driver, 95) if fmt == "gcode" else 1000
    for n, line in enumerate(lines):
        if not line.isascii():
            issues.append(
                _err(
                    "non_ascii",
                    f"Line {n + 1} has non-ASCII characters, which the firmware may take as commands.",
                    f"La ligne {n + 1} contient des caractères non ASCII, que le firmware peut prendre pour des commandes.",
                    "Remove accents from program comments.",
                    "Retirez les accents des commentaires du programme.",
                    n,
                )
            )
            break
    for n, line in enumerate(lines):
        significant = strip_gcode(line).replace(" ", "") if fmt == "gcode" else line
        if len(significant) > limit:
            issues.append(
                _err(
                    "line_too_long",
                    f"Line {n + 1} is {len(significant)} characters long: the firmware accepts {limit}.",
                    f"La ligne {n + 1} fait {len(significant)} caractères : le firmware en accepte {limit}.",
                    "Prepare the job again with fewer decimals.",
                    "Relancez la préparation avec moins de décimales.",
                    n,
                )
            )
            break
        if "nan" in line.lower().split(";")[0] or "inf" in line.lower().split(";")[0]:
            issues.append(
                _err(
                    "not_a_number",
                    f"Line {n + 1} holds a value that is not a number.",
                    f"La ligne {n + 1} contient une valeur qui n'est pas un nombre.",
                    "The geometry probably has invalid coordinates: check the file.",
                    "La géométrie a sans doute des coordonnées invalides : vérifiez le fichier.",
                    n,
                )
            )
            break
    return issues


def _check_area(moves, machine: Machine) -> list[dict[str, Any]]:
    area = machine.work_area
    z_low = -area.z if machine.kind == "cnc" else 0.0
    check_z = machine.kind in ("fdm", "cnc") and area.z > 0
    outside = None
    lo = [math.inf] * 3
    hi = [-math.inf] * 3
    for m in moves:
        if m.start == m.end:
            continue
        for k in range(3):
            lo[k] = min(lo[k], m.end[k])
            hi[k] = max(hi[k], m.end[k])
        x, y, z = m.end
        bad = (
            x < -TOLERANCE_MM
            or y < -TOLERANCE_MM
            or x > area.x + TOLERANCE_MM
            or y > area.y + TOLERANCE_MM
            or (check_z and (z < z_low - TOLERANCE_MM or z > area.z + TOLERANCE_MM))
        )
        if bad and outside is None:
            outside = m
    if outside is None:
        return []
    x, y, z = outside.end
    return [
        _err(
            "outside_work_area",
            f"The program leaves the work area ({area.x:g} x {area.y:g} mm) at line {outside.line + 1}: "
            f"X{x:.1f} Y{y:.1f} Z{z:.1f}; it spans X {lo[0]:.1f}..{hi[0]:.1f}, Y {lo[1]:.1f}..{hi[1]:.1f}.",
            f"Le programme sort de la zone de travail ({area.x:g} x {area.y:g} mm) à la ligne {outside.line + 1} : "
            f"X{x:.1f} Y{y:.1f} Z{z:.1f} ; il couvre X {lo[0]:.1f}..{hi[0]:.1f}, Y {lo[1]:.1f}..{hi[1]:.1f}.",
            "Scale the design down or split it across several sheets.",
            "Réduisez le dessin ou répartissez-le sur plusieurs plaques.",
            outside.line,
        )
    ]


def _check_feeds(moves, machine: Machine, fmt: str) -> list[dict[str, Any]]:
    rates = machine.motion.max_rate_mm_min
    xy_max = max(rates.x, rates.y)
    issues = []
    for m in moves:
        if m.kind != "feed" or m.start == m.end:
            continue
        if m.feed is None:
            if fmt == "gcode" and machine.driver == "grbl":
                return [
                    _err(
                        "feed_undefined",
                        f"Line {m.line + 1} cuts before any feed rate is set (GRBL error 22).",
                        f"La ligne {m.line + 1} coupe avant qu'une vitesse d'avance soit fixée (erreur GRBL 22).",
                        "Prepare the job again.",
                        "Relancez la préparation.",
                        m.line,
                    )
                ]
            continue
        xy_moving = m.start[0] != m.end[0] or m.start[1] != m.end[1]
        limit = xy_max if xy_moving else rates.z
        if m.start[2] != m.end[2] and not xy_moving:
            limit = rates.z
        if m.feed <= 0:
            issues.append(
                _err("feed_not_positive", f"Line {m.line + 1} has a feed of {m.feed:g} mm/min.",
                     f"La ligne {m.line + 1} a une avance de {m.feed:g} mm/min.", "Prepare the job again.",
                     "Relancez la préparation.", m.line)
            )
            break
        if m.feed > limit * 1.0001:
            issues.append(
                _err(
                    "feed_above_limit",
                    f"Line {m.line + 1} asks {m.feed:g} mm/min; the machine's limit is {limit:g} mm/min.",
                    f"La ligne {m.line + 1} demande {m.feed:g} mm/min ; la limite de la machine est {limit:g} mm/min.",
                    "Lower the speed in the options or the material settings.",
                    "Baissez la vitesse dans les options ou les réglages du matériau.",
                    m.line,
                    severity="warning",
                )
            )
            break
    return issues


def _check_power_and_heat(parsed: list, machine: Machine, options: dict[str, Any]) -> list[dict[str, Any]]:
    s_max = float(options.get("s_max", 1000)) if machine.kind == "laser" else float(options.get("spindle_max_rpm", 30000))
    nozzle_max = float(options.get("max_nozzle_temp_c", 300))
    bed_max = float(options.get("max_bed_temp_c", 120))
    for n, read in enumerate(parsed):
        if isinstance(read, BadLine) or not read:
            continue
        words = dict(read)
        s = words.get("S")
        if s is None:
            continue
        m = words.get("M")
        if machine.kind == "fdm":
            limit = nozzle_max if m in (104, 109) else bed_max if m in (140, 190) else None
            what_en, what_fr = ("temperature", "température")
        elif machine.kind in ("laser", "cnc") and (m in (3, 4) or "G" in words or m is None):
            limit = s_max
            what_en, what_fr = ("power", "puissance") if machine.kind == "laser" else ("spindle speed", "vitesse de broche")
        else:
            limit = None
        if limit is not None and (s < 0 or s > limit):
            return [
                _err(
                    "power_out_of_range",
                    f"Line {n + 1} sets the {what_en} to {s:g}, outside 0..{limit:g}.",
                    f"La ligne {n + 1} règle la {what_fr} à {s:g}, hors de 0..{limit:g}.",
                    "Check the material settings in machines.yaml.",
                    "Vérifiez les réglages du matériau dans machines.yaml.",
                    n,
                )
            ]
    return []
