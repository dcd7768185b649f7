"""API errors keep their stable `code` and say `message` in the caller's language: their saved
language, else Accept-Language, else French; through the catalogs, never English in French."""

from __future__ import annotations

from jobqueue.models import Job, User
from jobqueue.users import get_user


def _pending_job(ctx) -> int:  # noqa: ANN001
    with ctx.session() as s:
        job = Job(owner_id=get_user(s, "member").id, filename="p.svg", file_sha256="0" * 64, file_size=10,
                  process="laser", state="pending_review", options={}, analysis={"valid": True, "issues": []})
        s.add(job)
        s.flush()
        return job.id


def _language(ctx, username: str, lang: str) -> None:  # noqa: ANN001
    with ctx.session() as s:
        s.query(User).filter_by(username=username).update({"language": lang})


def test_api_errors_say_their_code_in_the_callers_language(client, accounts, fablab_env) -> None:  # noqa: ANN001
    r = client.get("/api/v1/jobs")  # nobody: Accept-Language, else French
    assert (r.status_code, r.json["code"]) == (401, "unauthenticated")
    assert r.json["message"].startswith("Connectez-vous") and r.json["error"].startswith("authentication required")
    assert client.get("/api/v1/jobs", headers={"Accept-Language": "en-GB,en;q=0.8"}).json["message"].startswith("Log in")
    assert client.get("/api/v1/jobs", headers={"Accept-Language": "de"}).json["message"].startswith("Connectez-vous")
    r = client.get("/api/v1/jobs", headers={"Authorization": "Bearer nope", "Accept-Language": "en"})
    assert r.json["code"] == "invalid_token" and r.json["message"].startswith("This API token is not valid")

    member, fm = accounts["member"].headers, accounts["fabmanager"].headers
    english = {"Accept-Language": "en"}
    r = client.get("/api/v1/jobs/999999", headers={**member, **english})  # saved language (fr) before the header
    assert (r.status_code, r.json["code"], r.json["message"]) == (404, "not_found", "Introuvable, ou non visible pour vous.")
    _language(fablab_env, "member", "en")
    assert client.get("/api/v1/jobs/999999", headers=member).json["message"] == "Not found, or not visible to you."

    job_id = _pending_job(fablab_env)
    r = client.post(f"/api/v1/jobs/{job_id}/reject", headers=fm, json={"reason": "  "})  # a jobqueue refusal
    assert (r.status_code, r.json["code"]) == (400, "reason_required")
    assert r.json["message"] == "Un motif est nécessaire pour refuser un travail."
    r = client.get("/api/v1/jobs?page=0", headers=fm)  # validation
    assert r.json["code"] == "invalid_request" and r.json["message"].startswith("La requête n'est pas valide")
    r = client.delete("/api/v1/jobs", headers=fm)  # an HTTP error of the framework
    assert r.status_code == 405 and r.json["message"] == "Cette méthode n'est pas permise ici."
    _language(fablab_env, "fabmanager", "en")
    r = client.post(f"/api/v1/jobs/{job_id}/reject", headers=fm, json={"reason": "  "})
    assert r.json["message"] == "A reason is required to reject a job."
