"""The machines page offers "clear" to exactly those the clear action lets through: the
fabmanager, the owner of the job that left the machine, the trainer of that job's session."""

from __future__ import annotations

from web_helpers import make_job, page, page_token

from jobqueue import machine_status, workshops
from jobqueue.models import Job
from jobqueue.users import create_user


def test_machines_page_offers_clear_to_whom_the_rule_allows(app, accounts, fablab_env) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        trainer = create_user(s, "formatrice", "formatrice-pw", role="trainer")
        create_user(s, "autre", "autre-pw", role="trainer")
        session_id = workshops.create_session(s, fablab_env.spec(), trainer, "Atelier", ["laser"]).id
    job_id = make_job(fablab_env, "trainee", "completed")
    with fablab_env.session() as s:  # the run's end, as the runner leaves it
        s.get(Job, job_id).session_id = session_id
        machine_status.release(s, "laser-1", job_id, await_clearance=True)
        s.commit()

    def clear_forms(name: str, password: str) -> list[str]:
        c = app.test_client()
        c.post("/login", data={"username": name, "password": password, "csrf_token": page_token(c, "/login")})
        doc = page(c.get("/machines").get_data(as_text=True))
        return [f["action"] for f in doc.select("form") if f.get("action", "").endswith("/clear")]

    assert clear_forms("formatrice", "formatrice-pw") == ["/machines/laser-1/clear"]
    assert clear_forms("trainee", accounts["trainee"].password) == ["/machines/laser-1/clear"]
    assert clear_forms("fabmanager", accounts["fabmanager"].password) == ["/machines/laser-1/clear"]
    assert clear_forms("autre", "autre-pw") == []
    assert clear_forms("member", accounts["member"].password) == []
