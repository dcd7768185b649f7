"""The JSON API's rules: tokens, roles, upload validation, hostile names, sizes."""

from __future__ import annotations

import io

import pytest

from jobqueue import queues

pytestmark = pytest.mark.both_engines  # SQLite and PostgreSQL (tests/db_engines.py)


def _upload(client, account, data: bytes = b"<svg xmlns='http://www.w3.org/2000/svg'/>",  # noqa: ANN001
            name: str = "part.svg", **form):  # noqa: ANN003
    fields = {"file": (io.BytesIO(data), name), "process": "laser", **form}
    return client.post("/api/v1/jobs", headers=account.headers, data=fields)


def test_requires_a_valid_token(client) -> None:  # noqa: ANN001
    assert client.get("/api/v1/machines").status_code == 401
    r = client.get("/api/v1/machines", headers={"Authorization": "Bearer fl_nope"})
    assert r.status_code == 401 and r.json["error"] == "invalid token"


def test_submit_stores_file_by_content_and_queues_analysis(client, accounts, fablab_env) -> None:  # noqa: ANN001
    r = _upload(client, accounts["member"], name="../../etc/passwd.svg")
    assert r.status_code == 201, r.json
    job = r.json
    assert job["state"] == "submitted" and job["filename"] == "passwd.svg"
    assert job["material"] == "Contreplaqué peuplier 3 mm"  # the process's first material
    with fablab_env.session() as s:
        from jobqueue.models import Job

        row = s.get(Job, job["id"])
        stored = fablab_env.store.path(row.file_sha256)
        assert stored.read_bytes().startswith(b"<svg")
        assert stored.parent.parent == fablab_env.settings.files_dir
    assert queues.analysis_queue(fablab_env.redis()).count == 1


@pytest.mark.parametrize("form,name,status,needle", [
    ({"process": "welding"}, "a.svg", 400, "process: Input should be 'fdm'"),
    ({"process": "fdm"}, "a.svg", 400, "cannot be made with process"),
    ({}, "a.exe", 400, "only STL, DXF and SVG"),
    ({"material": "Titane"}, "a.svg", 400, "offers material 'Titane'"),
    ({"process": ""}, "a.svg", 400, "process: Input should be"),
])
def test_submit_refuses_bad_requests(client, accounts, form, name, status, needle) -> None:  # noqa: ANN001
    r = _upload(client, accounts["member"], name=name, **form)
    assert r.status_code == status and needle in r.json["error"]


def test_submit_without_file(client, accounts) -> None:  # noqa: ANN001
    r = client.post("/api/v1/jobs", headers=accounts["member"].headers, data={"process": "laser"})
    assert r.status_code == 400 and r.json["error"] == "file: Field required" and r.json["code"] == "invalid_request"


def test_upload_over_the_limit_is_refused_and_leaves_nothing(client, accounts, fablab_env, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("FABLAB_MAX_UPLOAD_MB", "0.01")
    r = _upload(client, accounts["member"], data=b"x" * 20000)
    assert r.status_code == 413 and "limit" in r.json["error"]
    files = fablab_env.settings.files_dir
    assert not files.exists() or not [p for p in files.rglob("*") if p.is_file()]


def test_member_cannot_approve_or_reject(client, accounts) -> None:  # noqa: ANN001
    job = _upload(client, accounts["member"]).json
    r = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=accounts["member"].headers, json={"machine": "laser-1"})
    assert r.status_code == 403 and "not allowed: approve" in r.json["error"]
    r = client.post(f"/api/v1/jobs/{job['id']}/reject", headers=accounts["trainee"].headers, json={"reason": "no"})
    assert r.status_code == 404  # a trainee does not even see a member's job


def test_members_do_not_see_each_others_jobs(client, accounts) -> None:  # noqa: ANN001
    job = _upload(client, accounts["member"]).json
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=accounts["trainee"].headers).status_code == 404
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=accounts["fabmanager"].headers).status_code == 200
    listed = client.get("/api/v1/jobs", headers=accounts["trainee"].headers).json["jobs"]
    assert listed == []


def test_approve_refuses_illegal_state_wrong_machine_and_bad_body(client, accounts) -> None:  # noqa: ANN001
    job = _upload(client, accounts["member"]).json
    fm = accounts["fabmanager"].headers
    r = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=fm, json={"machine": "laser-1"})
    assert r.status_code == 409 and "cannot go from 'submitted' to 'preparing'" in r.json["error"]
    r = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=fm, data="not json", content_type="application/json")
    assert r.status_code == 400
    r = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=fm, json={})
    assert r.status_code == 400 and "'machine' is required" in r.json["error"]
    r = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=fm, json={"machine": "prusa-mk3"})
    assert r.status_code == 400 and "fdm machine" in r.json["error"]


def test_reject_needs_a_reason(client, accounts, fablab_env) -> None:  # noqa: ANN001
    from jobqueue.models import Job
    from jobqueue.states import transition

    job = _upload(client, accounts["member"]).json
    with fablab_env.session() as s:
        j = s.get(Job, job["id"])
        transition(s, j, "analysing", actor="test")
        transition(s, j, "pending_review", actor="test")
    fm = accounts["fabmanager"].headers
    r = client.post(f"/api/v1/jobs/{job['id']}/reject", headers=fm, json={"reason": "  "})
    assert r.status_code == 400 and "reason is required" in r.json["error"]
    r = client.post(f"/api/v1/jobs/{job['id']}/reject", headers=fm, json={"reason": "Trop grand pour la machine"})
    assert r.status_code == 200 and r.json["state"] == "rejected"
    assert r.json["history"][-1] == {**r.json["history"][-1], "actor": "fabmanager", "to": "rejected",
                                     "reason": "Trop grand pour la machine"}


def test_machines_list(client, accounts) -> None:  # noqa: ANN001
    machines = client.get("/api/v1/machines", headers=accounts["member"].headers).json["machines"]
    assert {m["id"] for m in machines} == {"prusa-mk3", "ender-3", "laser-1", "cnc-1", "vinyl-1"}
    assert all({"id", "name", "kind", "state", "current_job"} <= set(m) for m in machines)


def test_token_cli_prints_a_working_token(client, accounts, fablab_env) -> None:  # noqa: ANN001
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "token", "create", "member"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert client.get("/api/v1/machines", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    bad = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "token", "create", "ghost"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no user" in bad.stderr
