"""The trainer's pages: open a session (join code), trainees join and upload into it, the session
page (jobs, verdicts, quotes, shared problems), approve per process onto a machine or a group,
send one back; the owner's revision; the upload refused past the session's end."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select
from web_helpers import SVG, job_state, make_job, page, page_token, text_of

from jobqueue import dispatch
from jobqueue.models import Job, User, utcnow
from jobqueue.models_people import WorkshopSession
from jobqueue.users import create_user


def test_trainer_runs_a_session_from_the_pages(app, accounts, fablab_env) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        create_user(s, "formatrice", "formatrice-pw", role="trainer")
        for name in ("t1", "t2"):
            create_user(s, name, f"{name}-pw", role="trainee", tier="training")

    def logged(name: str):  # noqa: ANN202
        c = app.test_client()
        r = c.post("/login", data={"username": name, "password": f"{name}-pw", "csrf_token": page_token(c, "/login")})
        assert r.status_code == 302
        return c

    trainer = logged("formatrice")
    r = trainer.post("/trainer", data={"title": "De la modélisation à la création", "processes": ["laser", "fdm"],
                                       "quota": "3", "csrf_token": page_token(trainer, "/trainer")})
    assert r.status_code == 302, r.get_data(as_text=True)
    session_id = int(r.location.rsplit("/", 1)[1])
    code = text_of(page(trainer.get(r.location).get_data(as_text=True)).select_one("#join-code"))
    assert re.fullmatch(r"\w+", code)
    jobs = []
    for name in ("t1", "t2"):
        c = logged(name)
        assert page(c.get("/upload").get_data(as_text=True)).select_one('[name="session"]') is None  # nothing joined
        r = c.post("/sessions/join", data={"code": code.lower(), "csrf_token": page_token(c, "/sessions/join")})
        assert r.status_code == 302 and r.location.endswith("/upload")
        upload = page(c.get("/upload").get_data(as_text=True))
        option = upload.select_one(f'select[name="session"] option[value="{session_id}"]')
        assert text_of(option) == "De la modélisation à la création"
        r = c.post("/upload", data={"csrf_token": page_token(c), "process": "laser", "material": "",
                                    "session": str(session_id), "file": (io.BytesIO(SVG), f"{name}.svg")},
                   content_type="multipart/form-data")
        assert r.status_code == 302
        jobs.append(int(r.location.rsplit("/", 1)[1]))
    stl = make_job(fablab_env, "trainee", "pending_review", name="c.stl", data=b"solid x\nendsolid x\n",
                   process="fdm")
    with fablab_env.session() as s:  # the analysis, as the worker would leave it
        for job_id in jobs:
            s.get(Job, job_id).state = "pending_review"
            s.get(Job, job_id).analysis = {"valid": True, "issues": [
                {"code": "open_contour", "severity": "warning", "message": {"fr": "Un contour n'est pas fermé.",
                                                                            "en": "A contour is not closed."}}]}
        s.get(Job, stl).session_id = session_id
    doc = page(trainer.get(f"/trainer/sessions/{session_id}").get_data(as_text=True))
    assert all(doc.select_one(f"section#job-{j}.session-job") for j in [*jobs, stl])
    shared = doc.select_one('#common-issues li.issue[data-code="open_contour"]')
    assert text_of(shared.select_one("b")) == "3 stagiaires"  # shared by all three owners
    assert doc.select_one(f"#job-{jobs[0]} img.thumb")["src"] == f"/jobs/{jobs[0]}/preview/analysis"
    assert doc.select_one('#batch form.batch[data-process="laser"]')  # approve per process
    assert doc.select_one('#batch form.batch[data-process="fdm"] select[name="target"] option[value="group:fdm-pla"]')
    r = trainer.post(f"/trainer/jobs/{jobs[1]}/send-back", data={
        "comment": "Fermez le contour du haut", "next": f"/trainer/sessions/{session_id}",
        "csrf_token": page_token(trainer, "/trainer")}, follow_redirects=True)
    assert "renvoyé à son auteur" in text_of(page(r.get_data(as_text=True)).select_one("p.flash"))
    r = trainer.post(f"/trainer/sessions/{session_id}/approve", data={
        "process": "laser", "target": "machine:laser-1", "csrf_token": page_token(trainer, "/trainer")},
        follow_redirects=True)
    assert "1 travail validé pour laser-1" in text_of(page(r.get_data(as_text=True)).select_one("p.flash"))
    r = trainer.post(f"/trainer/sessions/{session_id}/approve", data={
        "process": "fdm", "target": "group:fdm-pla", "csrf_token": page_token(trainer, "/trainer")},
        follow_redirects=True)
    assert "1 travail validé pour fdm-pla" in text_of(page(r.get_data(as_text=True)).select_one("p.flash"))
    assert [job_state(fablab_env, j) for j in (*jobs, stl)] == ["preparing", "sent_back", "preparing"]
    with fablab_env.session() as s:  # a group's job waits for dispatch: the first free printer takes it
        assert s.get(Job, stl).machine_id is None
        assert [d.machine_id for d in dispatch.dispatch(s, fablab_env.spec(), None)] == ["prusa-mk3"]
    # the owner sees the comment and sends a corrected file: a new revision of the same job
    t2 = logged("t2")
    doc = page(t2.get(f"/jobs/{jobs[1]}").get_data(as_text=True))
    assert "Fermez le contour du haut" in text_of(doc.select_one("main")) and doc.select_one("form#revise-form")
    r = t2.post(f"/jobs/{jobs[1]}/revise", data={"csrf_token": page_token(t2), "file": (io.BytesIO(SVG + b" "), "v2.svg")},
                content_type="multipart/form-data", follow_redirects=True)
    doc = page(r.get_data(as_text=True))
    assert "Fichier corrigé reçu" in text_of(doc.select_one("p.flash"))
    assert "version 2" in text_of(doc.select_one("main")) and "1 fichier précédent" in text_of(doc.select_one("main"))
    assert job_state(fablab_env, jobs[1]) == "submitted"
    assert text_of(doc.select_one("#unread-count.unread-count")) == "1"  # "sent back" is in the header
    # past its end, the session takes no upload
    with fablab_env.session() as s:
        s.get(WorkshopSession, session_id).ends_at = utcnow() - dt.timedelta(minutes=1)
    t1 = logged("t1")
    assert page(t1.get("/upload").get_data(as_text=True)).select_one('[name="session"]') is None
    r = t1.post("/upload", data={"csrf_token": page_token(t1), "process": "laser", "material": "",
                                 "session": str(session_id), "file": (io.BytesIO(SVG), "late.svg")},
                content_type="multipart/form-data")
    assert r.status_code == 400 and "est terminée" in text_of(page(r.get_data(as_text=True)).select_one("main"))
    # another trainer does not see this session
    with fablab_env.session() as s:
        create_user(s, "autre", "autre-pw", role="trainer")
    assert logged("autre").get(f"/trainer/sessions/{session_id}").status_code == 404


def test_trainer_records_a_training_outside_a_session(app, fablab_env) -> None:  # noqa: ANN001
    from jobqueue import trainings

    with fablab_env.session() as s:
        create_user(s, "formatrice", "formatrice-pw", role="trainer")
        create_user(s, "lea", "lea-pw", role="member")
    c = app.test_client()
    c.post("/login", data={"username": "formatrice", "password": "formatrice-pw", "csrf_token": page_token(c, "/login")})
    assert page(c.get("/trainer").get_data(as_text=True)).select_one('a[href="/trainer/trainings"]')
    doc = page(c.get("/trainer/trainings").get_data(as_text=True))
    assert text_of(doc.select_one("h1")) == "Enregistrer une formation"
    assert doc.select_one('#record-training [name="username"] option[value="lea"]')
    laser = doc.select_one('#record-training select[name="kind"] option[value="laser"]')
    assert laser["data-days"] == "365" and "365 jours" in text_of(laser)  # the kinds of machines.yaml
    token = page_token(c, "/trainer/trainings")
    r = c.post("/trainer/trainings", data={"username": "lea", "kind": "laser", "valid_days": "5000",
                                           "csrf_token": token})
    assert r.status_code == 400  # over ten years
    r = c.post("/trainer/trainings", data={"username": "lea", "kind": "laser", "valid_days": "30", "csrf_token": token},
               follow_redirects=True)
    doc = page(r.get_data(as_text=True))
    assert text_of(doc.select_one("p.flash")) == "Formation enregistrée pour lea."
    assert doc.select_one('#recent-trainings tr[data-user="lea"]')
    with fablab_env.session() as s:
        lea = s.scalar(select(User).where(User.username == "lea"))
        [rec] = trainings.records_of(s, lea.id)
        assert rec.kind == "laser" and 29 <= (rec.valid_until - rec.trained_at).days <= 30
        assert trainings.missing_for(s, fablab_env.spec(), lea.id, [fablab_env.spec().machine("laser-1")]) == []
    c.post("/lang", data={"lang": "en", "next": "/", "csrf_token": token})
    doc = page(c.get("/trainer/trainings").get_data(as_text=True))
    assert text_of(doc.select_one("h1")) == "Record a training"
    assert "Trainings I recorded" in text_of(doc.select_one("#recent-trainings"))


def test_the_trainer_clears_a_machine_after_a_session_job(app, accounts, fablab_env) -> None:  # noqa: ANN001
    from jobqueue import machine_status, workshops
    from jobqueue.models_machines import MachineEvent
    from jobqueue.models_people import Notification
    from jobqueue.notifications import notify_clearance

    with fablab_env.session() as s:
        trainer = create_user(s, "formatrice", "formatrice-pw", role="trainer")
        create_user(s, "autre", "autre-pw", role="trainer")
        ws = workshops.create_session(s, fablab_env.spec(), trainer, "Atelier", ["laser"])
        session_id = ws.id
    job_id = make_job(fablab_env, "trainee", "completed")
    with fablab_env.session() as s:  # the run's end, as the runner leaves it
        s.get(Job, job_id).session_id = session_id
        machine_status.release(s, "laser-1", job_id, await_clearance=True)
        notify_clearance(s, s.get(Job, job_id), "laser-1")
        s.commit()
        told = {s.get(User, n.user_id).username for n in s.query(Notification).filter_by(kind="awaiting_clearance")}
    assert {"formatrice", "trainee", "fabmanager"} <= told and "autre" not in told

    def logged(name: str):  # noqa: ANN202
        c = app.test_client()
        c.post("/login", data={"username": name, "password": f"{name}-pw", "csrf_token": page_token(c, "/login")})
        return c

    other = logged("autre")
    assert other.post("/machines/laser-1/clear", data={"csrf_token": page_token(other, "/trainer")}).status_code == 403
    c = logged("formatrice")
    doc = page(c.get(f"/trainer/sessions/{session_id}").get_data(as_text=True))
    assert "laser-1 attend d'être libérée" in text_of(doc.select_one('.to-clear[data-machine="laser-1"]'))
    doc = page(c.get(f"/jobs/{job_id}").get_data(as_text=True))  # the job page offers it too, naming the machine
    assert doc.select_one('#to-clear form[action="/machines/laser-1/clear"]')
    assert "built-in" not in text_of(doc)
    other_job = make_job(fablab_env, "trainee", "pending_review")
    assert page(logged("fabmanager").get(f"/jobs/{other_job}").get_data(as_text=True)).select_one("#to-clear") is None
    r = c.post("/machines/laser-1/clear", data={"csrf_token": page_token(c, "/trainer"),
                                                "back": f"/trainer/sessions/{session_id}"}, follow_redirects=True)
    assert r.status_code == 200 and not page(r.get_data(as_text=True)).select(".to-clear")
    with fablab_env.session() as s:
        assert not machine_status.get(s, "laser-1").awaiting_clearance
        assert s.query(MachineEvent).filter_by(machine_id="laser-1", action="cleared").one().actor == "formatrice"
