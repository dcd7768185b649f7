"""Usage records and billing: what each run used and cost, totals per user and machine for a
month, and the month's CSV for invoicing.

Material used, in the unit the material is priced in: FDM grams from the program's extrusion
(the prepare step's `filament_g`); laser and CNC sheet area (the program's bounds plus a
margin, as the quote charges); vinyl length (or area when priced per m²). A run that did not
complete counts the share of the program it streamed. Prices come from machines.yaml at the
time the run ends and are frozen in the record. A completed run is charged in full; a failed
or cancelled one per the `billing` policy (`full`, `used` or `none`).

Amounts are rounded to the cent per record, with Decimal; every total is the sum of rounded
records, so the CSV's total line equals the sum of its rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobqueue.errors import RequestError
from jobqueue.models import Job, User, utcnow
from jobqueue.models_machines import Run, UsageRecord
from slicing.machine_spec import FablabSpec, Machine, Material

SHEET_MARGIN_MM = 5.0  # as the quote charges a sheet: the design's rectangle plus this margin
CENT = Decimal("0.01")


def cents(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _bounds(metrics: dict) -> tuple[float, float]:
    b = metrics.get("bounds_mm")
    if isinstance(b, list | tuple) and len(b) == 4:
        return abs(b[2] - b[0]), abs(b[3] - b[1])
    bbox = metrics.get("bbox_mm") or [0.0, 0.0]
    return float(bbox[0]), float(bbox[1])


def full_quantity(machine: Machine, material: Material, metrics: dict) -> float:
    """The whole program's material, in the material's price unit."""
    if material.price_unit == "g":
        grams = metrics.get("filament_g")
        if grams is None and metrics.get("filament_mm") is not None:
            area = 3.14159265 * (float(machine.process.get("filament_mm", 1.75)) / 2) ** 2
            grams = float(metrics["filament_mm"]) * area / 1000.0 * (material.density_g_cm3 or 1.24)
        return float(grams or 0.0)
    w, h = _bounds(metrics)
    if material.price_unit == "m":
        return (h + SHEET_MARGIN_MM) / 1000.0
    return (w + 2 * SHEET_MARGIN_MM) * (h + 2 * SHEET_MARGIN_MM) / 1e6


def charge_rule(spec: FablabSpec, outcome: str) -> str:
    if outcome == "completed":
        return "full"
    return spec.billing.failed if outcome in ("failed", "interrupted") else spec.billing.cancelled


def tier_multiplier(spec: FablabSpec, tier: str) -> float:
    for t in spec.pricing_tiers:
        if t.name == tier:
            return t.multiplier
    return spec.pricing_tiers[0].multiplier


def record_usage(session: Session, spec: FablabSpec, job: Job, run: Run) -> UsageRecord:
    """Write (or, for a resumed copy, rewrite) the run's usage record."""
    owner = session.get(User, job.owner_id)
    try:
        machine = spec.machine(run.machine_id)
        material = machine.material(job.material)
    except KeyError:
        machine = material = None
    metrics = (job.program_info or {}).get("metrics") or {}
    total_lines = job.program_lines or 0
    share = 1.0 if run.state == "completed" or not total_lines else min(1.0, (run.lines_acked or 0) / total_lines)
    rule = charge_rule(spec, run.state)
    full = full_quantity(machine, material, metrics) if machine and material else 0.0
    quantity = full if rule == "full" else full * share
    seconds = float(run.running_seconds or 0.0)
    if rule == "full" and run.state != "completed":
        seconds = max(seconds, float(job.estimated_seconds or 0.0))
    rec = session.scalar(select(UsageRecord).where(UsageRecord.run_id == run.id)) or UsageRecord(run_id=run.id)
    rec.job_id, rec.user_id = job.id, job.owner_id
    rec.username, rec.tier = (owner.username, owner.tier) if owner else ("?", "member")
    rec.machine_id, rec.material = run.machine_id, job.material
    rec.unit = material.price_unit if material else "g"
    rec.quantity = round(quantity, 4)
    rec.running_seconds = round(float(run.running_seconds or 0.0), 1)
    rec.outcome, rec.charge_rule, rec.currency = run.state, rule, spec.currency
    mult = Decimal(str(tier_multiplier(spec, rec.tier)))
    if rule == "none" or machine is None or material is None:
        mat_cost = time_cost = setup = Decimal(0)
    else:
        mat_cost = cents(Decimal(str(quantity)) * Decimal(str(material.price)) * mult)
        time_cost = cents(Decimal(str(seconds)) / 3600 * Decimal(str(machine.hourly_rate)) * mult)
        setup = cents(Decimal(str(machine.setup_fee)) * mult)
    rec.material_cost, rec.time_cost, rec.setup_cost = float(mat_cost), float(time_cost), float(setup)
    rec.total = float(mat_cost + time_cost + setup)
    rec.ended_at = run.finished_at or utcnow()
    session.add(rec)
    session.flush()
    return rec


def month_bounds(month: str, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """'2026-12' -> [start, end) in UTC, the month being the fablab's (its time zone)."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        if not 1970 <= year <= 9998:
            raise ValueError(year)
        start = dt.datetime(year, mon, 1, tzinfo=ZoneInfo(zone))
    except (ValueError, TypeError):
        raise RequestError(f"month must be YYYY-MM, got '{month}'", code="bad_month", month=month) from None
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=ZoneInfo(zone))
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def records(session: Session, spec: FablabSpec, month: str, username: str | None = None) -> list[UsageRecord]:
    start, end = month_bounds(month, spec.timezone)
    q = select(UsageRecord).where(UsageRecord.ended_at >= start, UsageRecord.ended_at < end)
    if username:
        q = q.where(UsageRecord.username == username)
    return list(session.scalars(q.order_by(UsageRecord.ended_at, UsageRecord.id)))


def record_dict(r: UsageRecord) -> dict:
    return {
        "run": r.run_id, "job": r.job_id, "user": r.username, "tier": r.tier, "machine": r.machine_id,
        "material": r.material, "quantity": r.quantity, "unit": r.unit, "running_seconds": r.running_seconds,
        "outcome": r.outcome, "charge_rule": r.charge_rule, "material_cost": r.material_cost,
        "time_cost": r.time_cost, "setup_cost": r.setup_cost, "total": r.total, "currency": r.currency,
        "ended_at": r.ended_at.isoformat() if r.ended_at else None,
    }


def totals(rows: list[UsageRecord]) -> dict:
    """Totals of the month: overall, per user and per machine (sums of rounded records)."""
    by_user: dict[str, Decimal] = defaultdict(Decimal)
    by_machine: dict[str, Decimal] = defaultdict(Decimal)
    seconds: dict[str, float] = defaultdict(float)
    for r in rows:
        by_user[r.username] += cents(r.total)
        by_machine[r.machine_id] += cents(r.total)
        seconds[r.machine_id] += r.running_seconds
    return {
        "total": float(sum((cents(r.total) for r in rows), Decimal(0))), "runs": len(rows),
        "per_user": {k: float(v) for k, v in sorted(by_user.items())},
        "per_machine": {k: {"total": float(v), "running_seconds": round(seconds[k], 1)}
                        for k, v in sorted(by_machine.items())},
    }


CSV_COLUMNS = ("ended_at", "user", "tier", "job", "run", "machine", "material", "quantity", "unit",
               "running_minutes", "outcome", "charge_rule", "material_cost", "time_cost", "setup_cost", "total",
               "currency")


def to_csv(rows: list[UsageRecord], zone: str, french: bool = False) -> str:
    """The month's rows and a total line; `french`: `;` separator and decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    tz = ZoneInfo(zone)

    def num(value: float | Decimal, digits: int = 2) -> str:
        text = f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)}"
        return text.replace(".", ",") if french else text

    total = Decimal(0)
    for r in rows:
        total += cents(r.total)
        ended = r.ended_at if r.ended_at.tzinfo else r.ended_at.replace(tzinfo=dt.UTC)
        writer.writerow((ended.astimezone(tz).strftime("%Y-%m-%d %H:%M"), r.username, r.tier, r.job_id, r.run_id,
                         r.machine_id, r.material or "", num(r.quantity, 3), r.unit, num(r.running_seconds / 60, 1),
                         r.outcome, r.charge_rule, num(r.material_cost), num(r.time_cost), num(r.setup_cost),
                         num(r.total), r.currency))
    writer.writerow(("TOTAL", "", "", "", "", "", "", "", "", "", "", "", "", "", "", num(total),
                     rows[0].currency if rows else ""))
    return out.getvalue()


def job_actuals(session: Session, job_id: int) -> dict | None:
    """For the job page: actual running time and cost over its runs, beside the estimate."""
    rows = list(session.scalars(select(UsageRecord).where(UsageRecord.job_id == job_id)))
    if not rows:
        return None
    return {"running_seconds": round(sum(r.running_seconds for r in rows), 1),
            "total": float(sum((cents(r.total) for r in rows), Decimal(0))), "currency": rows[0].currency,
            "runs": len(rows)}
