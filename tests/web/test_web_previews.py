"""Previews: the FDM layer view drawn from the real program and kept in the file store, the
stored program preview, and the analysis preview from slicing's renderer when it is there."""

from __future__ import annotations

import importlib
import importlib.util

import pytest
from web_helpers import make_job, page

from jobqueue import previews
from jobqueue.models import Job

FDM_PROGRAM = "\n".join(
    ["G21", "G90", "M82", "G28"]
    + [line for n in range(3) for line in (
        f";LAYER:{n}", f"G0 Z{0.2 * (n + 1):.2f}", "G0 X10 Y10", "G1 X40 Y10 E1 F1200", "G1 X40 Y40 E2",
        "G1 X10 Y40 E3", "G1 X10 Y10 E4")]
) + "\n"


HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="80mm" height="60mm" viewBox="0 0 80 60"
 onload="alert(1)"><script>alert(2)</script>
<path id="x&quot;onload=&quot;alert(3)" d="M10 10 L60 10 L60 50 L10 50" fill="none" stroke="#f00"/></svg>"""


def _open_box_stl() -> bytes:
    """A 20 mm cube with its top missing: open edges for the preview to paint red."""
    import struct

    v = [(0, 0, 0), (20, 0, 0), (20, 20, 0), (0, 20, 0), (0, 0, 20), (20, 0, 20), (20, 20, 20), (0, 20, 20)]
    faces = [(0, 2, 1), (0, 3, 2), (0, 1, 5), (0, 5, 4), (1, 2, 6), (1, 6, 5), (2, 3, 7), (2, 7, 6),
             (3, 0, 4), (3, 4, 7)]
    out = bytearray(b"open box".ljust(80, b" ") + struct.pack("<I", len(faces)))
    for f in faces:
        out += struct.pack("<3f", 0, 0, 0) + b"".join(struct.pack("<3f", *v[i]) for i in f) + b"\0\0"
    return bytes(out)


OPEN_BOX_STL = _open_box_stl()


def _fdm_job(ctx) -> int:  # noqa: ANN001
    job_id = make_job(ctx, "member", "pending_review", name="cube.stl", data=b"solid c\nendsolid c\n", process="fdm")
    with ctx.session() as s:
        job = s.get(Job, job_id)
        job.machine_id = "prusa-mk3"
        job.program_sha256 = ctx.store.put_bytes(FDM_PROGRAM.encode())
        job.program_lines = FDM_PROGRAM.count("\n")
        job.program_info = {"format": "gcode", "issues": [], "metrics": {}, "preview_sha256": None}
    return job_id


def test_fdm_layer_view_is_drawn_once_then_served_from_the_store(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = _fdm_job(fablab_env)
    with fablab_env.session() as s:
        assert previews.program_layers(fablab_env, s.get(Job, job_id)) == 3
    login(accounts["member"])
    layer = page(client.get(f"/jobs/{job_id}").get_data(as_text=True)).select_one('#program input#layer[type="range"]')
    assert (layer["min"], layer["max"]) == ("0", "2")
    r = client.get(f"/jobs/{job_id}/preview/program?layer=1")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and r.data.startswith(b"<svg")
    assert b"layer 1" in r.data and r.headers["X-Content-Type-Options"] == "nosniff"
    keys = fablab_env.redis().keys("fablab:preview:*:layer:*")
    assert len(keys) == 1
    stored_files = sum(1 for p in fablab_env.settings.files_dir.rglob("*") if p.is_file())
    assert client.get(f"/jobs/{job_id}/preview/program?layer=1").data == r.data
    assert sum(1 for p in fablab_env.settings.files_dir.rglob("*") if p.is_file()) == stored_files
    # a layer out of range or garbage is not an error page with a traceback
    for bad in ("999", "-4", "abc"):
        assert client.get(f"/jobs/{job_id}/preview/program?layer={bad}").status_code in (200, 404)


def test_stored_program_preview_survives_a_missing_file(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        sha = job.program_info["preview_sha256"]
    fablab_env.store.path(sha).unlink()
    login(accounts["member"])
    assert client.get(f"/jobs/{job_id}/preview/program").status_code == 404


@pytest.mark.skipif(importlib.util.find_spec("slicing.previews") is None
                    or not hasattr(importlib.import_module("slicing.previews"), "analysis_preview"),
                    reason="slicing.previews (the analysis preview renderer) has not landed yet")
@pytest.mark.parametrize("name,data,process,mimetype", [
    ("plaque.svg", HOSTILE_SVG, "laser", "image/svg+xml"),
    ("cube.stl", OPEN_BOX_STL, "fdm", "image/png"),
])
def test_analysis_preview_of_a_real_upload(client, accounts, login, fablab_env, name, data, process, mimetype) -> None:  # noqa: ANN001
    from slicing.analysis import analyze_file

    job_id = make_job(fablab_env, "member", "pending_review", name=name, data=data, process=process)
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        job.analysis = analyze_file(fablab_env.store.path(job.file_sha256), spec=fablab_env.spec(),
                                    process=process, material=job.material, filename=job.filename)
    login(accounts["member"])
    r = client.get(f"/jobs/{job_id}/preview/analysis")
    assert r.status_code == 200 and r.mimetype == mimetype
    assert "sandbox" in r.headers["Content-Security-Policy"] and r.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<script" not in r.data and b"alert(" not in r.data  # drawn from the geometry, never passed through
    assert client.get(f"/jobs/{job_id}/preview/analysis").data == r.data
    assert len(fablab_env.redis().keys("fablab:preview:*:analysis:*")) == 1
