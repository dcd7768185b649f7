"""machines.yaml fully typed: per-kind process models with their defaults, unknown keys refused
with the machine and field named, groups, clearance and billing settings; one loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobqueue.machines import MachineConfigError, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]


def _raw() -> dict:
    return yaml.safe_load((REPO / "machines.yaml").read_text(encoding="utf-8"))


def _error(mutate) -> str:  # noqa: ANN001
    raw = _raw()
    mutate(raw)
    with pytest.raises(MachineConfigError) as info:
        parse_spec(yaml.safe_dump(raw))
    return str(info.value)


def test_misspelt_process_key_names_machine_and_field() -> None:
    msg = _error(lambda r: r["machines"][0]["process"].update(infil_pct=30))
    assert "machine 'prusa-mk3': process.infil_pct is not a known field (did you mean infill_pct?)" in msg
    msg = _error(lambda r: r["machines"][3]["process"].update(profile="sideways"))
    assert "machine 'cnc-1': process.profile" in msg


def test_a_laser_key_on_a_printer_is_refused() -> None:
    assert "machine 'ender-3': process.kerf_mm is not a known field" in _error(
        lambda r: r["machines"][1]["process"].update(kerf_mm=0.1))


def test_defaults_written_once_and_read_as_a_mapping() -> None:
    raw = _raw()
    del raw["machines"][0]["process"]
    spec = parse_spec(yaml.safe_dump(raw))
    p = spec.machine("prusa-mk3").process
    assert p.get("infill_pct") == 20 and p["layer_height_mm"] == 0.2 and p.get("slicer") == "auto"
    assert "first_layer_height_mm" not in p  # derived from the layer height by the slicer
    assert {**p, "infill_pct": 50}["infill_pct"] == 50
    assert spec.machine("vinyl-1").process.get("output") == "hpgl"  # follows the HPGL driver


def test_groups_kinds_clearance_billing() -> None:
    spec = load_spec(REPO / "machines.yaml")
    assert [m.id for m in spec.group_members("fdm-pla")] == ["prusa-mk3", "ender-3"]
    assert [m.id for m in spec.group_members("fdm")] == ["prusa-mk3", "ender-3"]
    assert "fdm-pla" in spec.group_names("fdm") and "laser" not in spec.group_names("fdm")
    assert spec.machine("laser-1").clearance_required is True
    assert (spec.billing.failed, spec.billing.cancelled) == ("none", "used")
    assert spec.timezone == "Europe/Paris"
    assert "group 'fdm-pla': no machine 'nope'" in _error(lambda r: r["groups"].update({"fdm-pla": ["nope"]}))
    assert "machines of different kinds" in _error(lambda r: r["groups"].update({"mixed": ["ender-3", "laser-1"]}))
    assert "unknown time zone" in _error(lambda r: r.update(timezone="Mars/Olympus"))
    assert "billing.failed" in _error(lambda r: r.update(billing={"failed": "double"}))


def test_one_loader_everywhere() -> None:
    """No module reads machines.yaml around the loader that names errors."""
    offenders = []
    for folder in ("jobqueue", "web", "bench", "slicing", "drivers", "tests"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "FablabSpec.model_validate(" in text and path.name not in ("machines.py", "test_machday_yaml.py"):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
