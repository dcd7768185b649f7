"""`fablab analyze` reads machines.yaml as plain data (jobqueue.machines_plain): the verdicts it
gives must be those the pydantic models give, and a file that does not validate is refused as
the one loader refuses it, and never cached."""

from __future__ import annotations

import pytest
from analysis_files import REPO_ROOT, binary_stl, box_triangles, svg, write

from jobqueue.machines import MachineConfigError
from jobqueue.machines_plain import load_view
from slicing.analysis import analyze_file


def _same(a: dict, b: dict) -> None:
    a, b = dict(a), dict(b)
    a.pop("analysis_seconds"), b.pop("analysis_seconds")
    assert a == b


def test_views_give_the_models_verdicts(tmp_path, monkeypatch, spec) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    view = load_view(REPO_ROOT / "machines.yaml")
    assert [m.id for m in view.machines] == [m.id for m in spec.machines]
    for plain, model in zip(view.machines, spec.machines, strict=True):
        assert dict(plain.process) == dict(model.process.items())
        assert plain.material(None).name == model.material(None).name
    stl = write(tmp_path, "box.stl", binary_stl(box_triangles((30.0, 20.0, 2.0))))
    drawing = write(tmp_path, "d.svg", svg('<rect x="10" y="10" width="50" height="20" stroke="red" fill="none"/>'))
    for path, options in ((stl, {}), (stl, {"machine_id": "ender-3", "material": "PETG"}),
                          (drawing, {"process": "laser"}), (drawing, {"process": "vinyl"})):
        _same(analyze_file(path, spec=view, **options), analyze_file(path, spec=spec, **options))


def test_the_validated_dump_is_read_again_and_a_bad_file_never_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    good = tmp_path / "machines.yaml"
    good.write_bytes((REPO_ROOT / "machines.yaml").read_bytes())
    first = load_view(good)
    (cached,) = (tmp_path / "cache" / "fablab").glob("machines-*.json")
    assert vars(load_view(good).machine("laser-1").work_area) == vars(first.machine("laser-1").work_area)
    bad = tmp_path / "bad.yaml"
    bad.write_text("machines: []\n")
    with pytest.raises(MachineConfigError, match="machines"):
        load_view(bad)
    with pytest.raises(MachineConfigError, match="cannot read"):
        load_view(tmp_path / "missing.yaml")
    assert list((tmp_path / "cache" / "fablab").glob("machines-*.json")) == [cached]
