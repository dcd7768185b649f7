"""Quotes: time, material, machine time and setup fee, per pricing tier, each term explained.

A quote is a plain dict (stored with the job as JSON):
`{"machine", "machine_name", "material", "seconds", "fits", "currency", "terms": [{"term",
"amount", "params"}], "subtotal", "totals": {tier: amount}, "tiers": [...]}`. Each term is a
code (`material`, `machine_time`, `setup`) with the figures its explanation is built from
(`params`: grams, price per unit, hourly rate...), so a beginner can follow each euro in their
own language: the web and the CLI say it (web/quote_render.py), no sentence is written here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slicing.preslice import fdm_printed_volume_mm3, preslice_seconds

if TYPE_CHECKING:  # annotations only: the pydantic models cost ~0.3 s to build (see slicing.machine_view)
    from slicing.machine_spec import FablabSpec, Machine, Material

SHEET_MARGIN_MM = 5.0  # a margin round the design when charging sheet area


def _material_term(kind: str, metrics: dict, machine: Machine, material: Material) -> tuple[float, dict, dict]:
    """(amount, the figures of its explanation, what was used) of the material."""
    price, unit = material.price, material.price_unit
    if kind == "fdm":
        shell, infill = fdm_printed_volume_mm3(metrics, machine)
        grams = (shell + infill) / 1000.0 * (material.density_g_cm3 or 1.24)
        amount = grams * price if unit == "g" else 0.0
        infill_pct = machine.process.get("infill_pct", 20)
        return amount, {"variant": "g", "grams": round(grams, 1), "material": material.name,
                        "infill_pct": infill_pct, "price": price}, {"grams": round(grams, 2)}
    w, h = (metrics.get("bbox_mm") or [0, 0])[:2]
    if unit == "m":
        metres = (h + SHEET_MARGIN_MM) / 1000.0
        return metres * price, {"variant": "m", "metres": round(metres, 2), "material": material.name,
                                "price": price}, {"metres": round(metres, 3)}
    m2 = (w + 2 * SHEET_MARGIN_MM) * (h + 2 * SHEET_MARGIN_MM) / 1e6
    amount = m2 * price if unit == "m2" else 0.0
    return amount, {"variant": "m2", "m2": round(m2, 3), "material": material.name, "margin_mm": SHEET_MARGIN_MM,
                    "price": price}, {"m2": round(m2, 4)}


def quote(kind: str, metrics: dict, machine: Machine, material: Material, spec: FablabSpec,
          fits: bool = True) -> dict[str, Any]:
    """One machine + material: the terms, their sum, and the total for each pricing tier."""
    seconds = preslice_seconds(kind, metrics, machine, material)
    mat_amount, mat_params, used = _material_term(kind, metrics, machine, material)
    time_amount = seconds / 3600.0 * machine.hourly_rate
    terms = [
        {"term": "material", "amount": round(mat_amount, 2), "params": mat_params},
        {"term": "machine_time", "amount": round(time_amount, 2),
         "params": {"seconds": round(seconds), "hourly_rate": machine.hourly_rate}},
        {"term": "setup", "amount": round(machine.setup_fee, 2), "params": {"machine": machine.name}},
    ]
    subtotal = mat_amount + time_amount + machine.setup_fee
    tiers = [{"tier": t.name, "label": t.label or t.name, "multiplier": t.multiplier,
              "total": round(subtotal * t.multiplier, 2)}
             for t in spec.pricing_tiers]
    return {
        "machine": machine.id, "machine_name": machine.name, "material": material.name, "kind": kind,
        "seconds": round(seconds, 1), "fits": fits, "currency": spec.currency, "material_used": used,
        "terms": terms, "subtotal": round(subtotal, 2),
        "totals": {t["tier"]: t["total"] for t in tiers}, "tiers": tiers,
    }


def quotes_for(metrics_of: Callable[[Machine], dict], machines: list[Machine], spec: FablabSpec,
               material: str | None = None, fits: dict[str, bool] | None = None) -> list[dict[str, Any]]:
    """A quote per compatible machine and material (only `material` when it is given).

    `metrics_of(machine)` gives the figures as that machine sees them (2D operations follow
    each machine's colour and layer maps).
    """
    out = []
    for m in machines:
        metrics = metrics_of(m)
        for mat in m.materials:
            if material is not None and mat.name != material:
                continue
            out.append(quote(m.kind, metrics, m, mat, spec, fits=(fits or {}).get(m.id, True)))
    return out
