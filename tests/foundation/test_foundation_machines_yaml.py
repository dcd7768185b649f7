"""machines.yaml is validated at start; errors name the machine and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from jobqueue.machines import MachineConfigError, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]


def _demo() -> dict:
    return yaml.safe_load((REPO / "machines.yaml").read_text())


def test_demo_inventory_is_valid() -> None:
    spec = load_spec(REPO / "machines.yaml")
    kinds = sorted(m.kind for m in spec.machines)
    assert kinds == ["cnc", "fdm", "fdm", "laser", "vinyl"]
    assert spec.machine("laser-1").driver == "grbl"
    assert all(m.simulator is not None for m in spec.machines)


def _error_for(mutate) -> str:  # noqa: ANN001
    raw = _demo()
    mutate(raw)
    with pytest.raises(MachineConfigError) as info:
        parse_spec(yaml.safe_dump(raw))
    return str(info.value)


def test_negative_work_area_names_machine_and_field() -> None:
    msg = _error_for(lambda r: r["machines"][2]["work_area"].update(x=0))
    assert "machines.yaml: machine 'laser-1': work_area.x must be > 0" in msg


def test_missing_field_and_unknown_field() -> None:
    msg = _error_for(lambda r: r["machines"][0].pop("hourly_rate"))
    assert "machine 'prusa-mk3': hourly_rate is required" in msg
    msg = _error_for(lambda r: r["machines"][3].update(spindel=1))
    assert "machine 'cnc-1': spindel is not a known field" in msg


def test_duplicate_ids_and_materials() -> None:
    assert "repeated: laser-1" in _error_for(lambda r: r["machines"][0].update(id="laser-1"))
    msg = _error_for(lambda r: r["machines"][1]["materials"].append(dict(r["machines"][1]["materials"][0])))
    assert "machine 'ender-3'" in msg and "repeated: PLA" in msg


def test_bad_kind_and_missing_connection() -> None:
    assert "machine 'vinyl-1': kind" in _error_for(lambda r: r["machines"][4].update(kind="plasma"))
    msg = _error_for(lambda r: r["machines"][2].pop("simulator"))
    assert "machine 'laser-1'" in msg and "connection.port is required" in msg


@pytest.mark.parametrize("text,needle", [
    ("machines: [", "not valid YAML"),
    ("- just a list", "expected a mapping"),
    ("machines: []", "machines"),
])
def test_not_an_inventory(text: str, needle: str) -> None:
    with pytest.raises(MachineConfigError, match=needle):
        parse_spec(text)


def test_cli_check_lists_machines_and_reports_errors(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "machines", "check", str(REPO / "machines.yaml")],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "laser-1" in ok.stdout and "5 machines" in ok.stdout
    raw = _demo()
    raw["machines"][2]["work_area"]["x"] = -5
    bad = tmp_path / "machines.yaml"
    bad.write_text(yaml.safe_dump(raw))
    res = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "machines", "check", str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "machines.yaml: machine 'laser-1': work_area.x must be > 0" in res.stderr
    missing = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "machines", "check", str(tmp_path / "nope.yaml")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
