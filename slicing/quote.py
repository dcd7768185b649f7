"""Quotes: time, material, machine time and setup fee, per pricing tier, each term explained.

A quote is a plain dict (stored with the job as JSON):
`{"machine", "machine_name", "material", "seconds", "fits", "currency", "terms": [{"term",
"label", "amount", "explanation"}], "subtotal", "totals": {tier: amount}}` where labels and
explanations are `{"fr", "en"}` so a beginner can follow each euro.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slicing.machine_spec import FablabSpec, Machine, Material
from slicing.preslice import fdm_printed_volume_mm3, preslice_seconds

SHEET_MARGIN_MM = 5.0  # a margin round the design when charging sheet area


def _fr(v: float, digits: int = 2) -> str:
    return f"{v:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def _en(v: float, digits: int = 2) -> str:
    return f"{v:,.{digits}f}"


def _duration(seconds: float) -> str:
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{max(m, 1)} min"


def _material_term(kind: str, metrics: dict, machine: Machine, material: Material) -> tuple[float, dict, dict]:
    """(amount, explanation fr/en) of the material used."""
    price, unit = material.price, material.price_unit
    if kind == "fdm":
        shell, infill = fdm_printed_volume_mm3(metrics, machine)
        grams = (shell + infill) / 1000.0 * (material.density_g_cm3 or 1.24)
        amount = grams * price if unit == "g" else 0.0
        infill_pct = machine.process.get("infill_pct", 20)
        return amount, {
            "fr": f"{_fr(grams, 1)} g de {material.name} (parois pleines, remplissage {infill_pct} %) "
                  f"× {_fr(price, 3)} €/g",
            "en": f"{_en(grams, 1)} g of {material.name} (solid walls, {infill_pct}% infill) × €{_en(price, 3)}/g",
        }, {"grams": round(grams, 2)}
    w, h = (metrics.get("bbox_mm") or [0, 0])[:2]
    if unit == "m":
        metres = (h + SHEET_MARGIN_MM) / 1000.0
        return metres * price, {
            "fr": f"{_fr(metres)} m de {material.name} (hauteur du dessin + marge) × {_fr(price)} €/m",
            "en": f"{_en(metres)} m of {material.name} (design height + margin) × €{_en(price)}/m",
        }, {"metres": round(metres, 3)}
    m2 = (w + 2 * SHEET_MARGIN_MM) * (h + 2 * SHEET_MARGIN_MM) / 1e6
    amount = m2 * price if unit == "m2" else 0.0
    return amount, {
        "fr": f"{_fr(m2, 3)} m² de {material.name} (rectangle englobant + {SHEET_MARGIN_MM:.0f} mm de marge) "
              f"× {_fr(price)} €/m²",
        "en": f"{_en(m2, 3)} m² of {material.name} (bounding rectangle + {SHEET_MARGIN_MM:.0f} mm margin) "
              f"× €{_en(price)}/m²",
    }, {"m2": round(m2, 4)}


def quote(kind: str, metrics: dict, machine: Machine, material: Material, spec: FablabSpec,
          fits: bool = True) -> dict[str, Any]:
    """One machine + material: the terms, their sum, and the total for each pricing tier."""
    seconds = preslice_seconds(kind, metrics, machine, material)
    mat_amount, mat_why, used = _material_term(kind, metrics, machine, material)
    time_amount = seconds / 3600.0 * machine.hourly_rate
    terms = [
        {"term": "material", "label": {"fr": "Matière", "en": "Material"}, "amount": round(mat_amount, 2),
         "explanation": mat_why},
        {"term": "machine_time", "label": {"fr": "Temps machine", "en": "Machine time"},
         "amount": round(time_amount, 2),
         "explanation": {
             "fr": f"environ {_duration(seconds)} × {_fr(machine.hourly_rate)} €/h (estimation avant "
                   "préparation, affinée ensuite)",
             "en": f"about {_duration(seconds)} × €{_en(machine.hourly_rate)}/h (estimate before preparation, "
                   "refined later)"}},
        {"term": "setup", "label": {"fr": "Mise en route", "en": "Setup fee"}, "amount": round(machine.setup_fee, 2),
         "explanation": {"fr": f"forfait de préparation de la machine {machine.name}",
                         "en": f"flat fee to prepare the machine {machine.name}"}},
    ]
    subtotal = mat_amount + time_amount + machine.setup_fee
    tiers = [{"tier": t.name, "label": t.label or t.name, "multiplier": t.multiplier,
              "total": round(subtotal * t.multiplier, 2),
              "explanation": {"fr": f"sous-total × {_fr(t.multiplier, 2)} (tarif {t.label or t.name})",
                              "en": f"subtotal × {_en(t.multiplier, 2)} ({t.label or t.name} rate)"}}
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
