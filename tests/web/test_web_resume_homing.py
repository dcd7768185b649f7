"""A program that homed before its checkpoint resumes only once someone says the machine was
homed again: the API and the job page carry that confirmation, the refusal says what to do."""

from __future__ import annotations

from web_helpers import make_job, page_texts, page_token

from jobqueue.models import Job


def _failed_after_homing(ctx) -> int:  # noqa: ANN001
    job_id = make_job(ctx, "member", "failed")
    with ctx.session() as s:
        job = s.get(Job, job_id)
        program = "G21\nG90\nG28\n" + "G1 X10 Y10 F900\n" * 97
        job.program_sha256 = ctx.store.put_bytes(program.encode())
        job.lines_acked = 20
        s.commit()
    return job_id


def test_api_resume_needs_the_homing_confirmation(client, fablab_env, accounts) -> None:  # noqa: ANN001
    job_id = _failed_after_homing(fablab_env)
    headers = accounts["fabmanager"].headers
    r = client.post(f"/api/v1/jobs/{job_id}/retry", json={}, headers=headers)
    assert r.status_code == 409 and r.json["code"] == "resume_needs_homing", r.json
    r = client.post(f"/api/v1/jobs/{job_id}/retry", json={"machine_homed": True}, headers=headers)
    assert r.status_code == 202 and r.json["state"] == "ready", r.json


def test_page_resume_says_why_then_takes_the_confirmation(client, fablab_env, accounts, login) -> None:  # noqa: ANN001
    job_id = _failed_after_homing(fablab_env)
    login(accounts["fabmanager"])
    form = {"command": "retry", "from_line": "20", "csrf_token": page_token(client)}
    r = client.post(f"/jobs/{job_id}/control", data=form, follow_redirects=True)
    assert any("prise d'origine" in t for t in page_texts(r.get_data(as_text=True)))
    with fablab_env.session() as s:
        assert s.get(Job, job_id).state == "failed"
    client.post(f"/jobs/{job_id}/control", data={**form, "machine_homed": "y"})
    with fablab_env.session() as s:
        assert s.get(Job, job_id).state == "ready"
