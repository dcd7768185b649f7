"""A workshop on the real stack: Valkey, SQLite, analysis and laser workers in their own processes,
the GRBL simulator behind a pty, and a local SMTP server (aiosmtpd) reading the e-mails.

A trainer opens a session; 12 trainees join and submit (some files with problems); the trainer
approves the printer jobs to the FDM group and the laser jobs to the laser, sends one back; its
trainee uploads a revision that completes; a third job over the session's quota of 2 is refused
with the reason; an untrained member's laser job is not approved without an override; every
notification arrives by e-mail in its user's language.
"""

from __future__ import annotations

import io
import re
import time

import pytest
import yaml
from people_helpers import cube as _cube
from people_helpers import square as _square
from stack_helpers import log_tail, wait_until

from jobqueue.context import Context
from jobqueue.models import Job, User
from jobqueue.models_machines import UsageRecord
from jobqueue.models_people import Notification
from jobqueue.users import create_token, create_user

pytestmark = pytest.mark.slow


WAITING = ("submitted", "analysing")
SUBJECT = {"fr": "Travail n° ", "en": "Job #"}


def _start_stack(spawn, ctx, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    # The session's laser jobs run back to back: waiting for the fabmanager to clear the bed
    # between runs is the machine day's test (tests/machday), so the workers read a copy of
    # machines.yaml with `clearance_required: false` (the machine setting that turns it off).
    spec = yaml.safe_load(ctx.settings.machines_file.read_text(encoding="utf-8"))
    for machine in spec["machines"]:
        machine["clearance_required"] = False
    for tier in spec["pricing_tiers"]:  # the member may cut a hair of sheet a month (any run goes over)
        if tier["name"] == "member":
            tier["quota"]["area_m2_per_month"] = 1e-5
    copy = tmp_path / "machines-no-clearance.yaml"
    copy.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("FABLAB_MACHINES", str(copy))
    link = ctx.settings.simulator_link("laser-1")
    link.parent.mkdir(parents=True, exist_ok=True)
    spawn("sim-laser", "simulate", "--firmware", "grbl", "--link", str(link), "--baud", "115200",
          "--speed-factor", "400")
    wait_until(link.exists, 20, what="the GRBL simulator's pty link")
    for i in (1, 2):
        spawn(f"worker-analysis-{i}", "worker", "analysis")
    spawn("worker-laser", "worker", "--machine", "laser-1")


def test_a_twelve_trainee_workshop_end_to_end(fablab_env, smtp, spawn, tmp_path,  # noqa: ANN001, PLR0915
                                              monkeypatch) -> None:
    from web.app import create_app

    _start_stack(spawn, fablab_env, tmp_path, monkeypatch)
    ctx = Context.from_env()  # the app reads the same machines.yaml copy as the workers
    client = create_app(ctx, testing=True).test_client()
    tokens, langs = {}, {}
    with ctx.session() as s:
        for name, role in (("formatrice", "trainer"), ("fab", "fabmanager"), ("membre", "member"),
                           *((f"stagiaire{i:02d}", "trainee") for i in range(12))):
            user = create_user(s, name, "pw-" + name, role=role, tier="training" if role == "trainee" else "member")
            user.language = "en" if name.endswith(("1", "3", "5", "7", "9")) else "fr"
            user.email = f"{name}@example.org"
            tokens[name], langs[name] = {"Authorization": f"Bearer {create_token(s, user)}"}, user.language
    trainees = [f"stagiaire{i:02d}" for i in range(12)]

    r = client.post("/api/v1/sessions", headers=tokens["formatrice"],
                    json={"title": "De la modélisation à la création", "processes": ["laser", "fdm"],
                          "quota_jobs_per_trainee": 2})
    assert r.status_code == 201, r.json
    session_id, code = r.json["id"], r.json["code"]

    # 12 trainees join and submit: laser squares (one not closed), small cubes, one broken STL
    files = {i: ("laser", _square(), "plaque.svg") for i in range(6)}
    files[2] = ("laser", _square(closed=False), "ouvert.svg")
    files |= {i: ("fdm", _cube(), "cube.stl") for i in range(6, 10)}
    files[10] = ("fdm", b"solid broken\n facet nonsense\n", "casse.stl")
    files[11] = ("laser", _square(6), "petit.svg")
    started = time.monotonic()
    jobs = {}
    for i, name in enumerate(trainees):
        assert client.post("/api/v1/sessions/join", headers=tokens[name], json={"code": code.lower()}).status_code == 200
        process, data, filename = files[i]
        r = client.post("/api/v1/jobs", headers=tokens[name], data={
            "file": (io.BytesIO(data), filename), "process": process, "session": str(session_id)})
        assert r.status_code == 201, r.json
        jobs[name] = r.json["id"]
    submitted = time.monotonic() - started
    # the session's quota of 2: a second job goes, a third is refused with the limit
    r = client.post("/api/v1/jobs", headers=tokens["stagiaire00"], data={
        "file": (io.BytesIO(_square(5)), "deux.svg"), "process": "laser", "session": str(session_id)})
    assert r.status_code == 201
    second = r.json["id"]
    r = client.post("/api/v1/jobs", headers=tokens["stagiaire00"], data={
        "file": (io.BytesIO(_square(4)), "trois.svg"), "process": "laser", "session": str(session_id)})
    assert r.status_code == 400 and r.json["code"] == "quota_exceeded", r.json
    assert r.json["params"]["limit"] == "session_jobs" and r.json["params"]["allowed"] == 2

    def session_view() -> dict:
        return client.get(f"/api/v1/sessions/{session_id}", headers=tokens["formatrice"]).json

    view = wait_until(lambda: (v := session_view()) and all(j["state"] not in WAITING for j in v["jobs"]) and v,
                      240, interval=0.2, what=f"the verdicts\n{log_tail(tmp_path)}")
    verdicts = time.monotonic() - started
    print(f"\n12 trainees: uploads {submitted:.2f} s, all 13 verdicts {verdicts:.1f} s after the first upload")
    states = {j["id"]: j["state"] for j in view["jobs"]}
    assert states[jobs["stagiaire10"]] == "invalid"
    assert sum(1 for s in states.values() if s == "pending_review") == 12
    assert view["summary"]["trainees"] == 12 and view["summary"]["pending_by_process"] == {"laser": 8, "fdm": 4}

    # the trainer sends one back, then approves per process: laser to the laser, printers to the FDM group
    r = client.post(f"/api/v1/jobs/{jobs['stagiaire01']}/send-back", headers=tokens["formatrice"],
                    json={"comment": "Agrandissez le carré à 10 mm"})
    assert r.status_code == 200 and r.json["state"] == "sent_back"
    r = client.post(f"/api/v1/sessions/{session_id}/approve", headers=tokens["formatrice"],
                    json={"process": "fdm", "group": "fdm-pla"})
    assert r.status_code == 200 and sorted(r.json["approved"]) == sorted(jobs[f"stagiaire{i:02d}"] for i in range(6, 10))
    r = client.post(f"/api/v1/sessions/{session_id}/approve", headers=tokens["formatrice"],
                    json={"process": "laser", "machine": "laser-1"})
    assert r.status_code == 200 and r.json["skipped"] == []
    assert sorted(r.json["approved"]) == sorted([second] + [jobs[f"stagiaire{i:02d}"] for i in (0, 2, 3, 4, 5, 11)])
    # the printer jobs wait for dispatch, which gives each free printer of the group one of them
    # (no printer worker here: the two that got a printer hold it, the other two keep waiting)
    def printers() -> list[str | None]:
        with ctx.session() as s:
            return sorted(s.get(Job, jobs[f"stagiaire{i:02d}"]).machine_id or "" for i in range(6, 10))

    assert wait_until(lambda: (m := printers()) == ["", "", "ender-3", "prusa-mk3"] and m, 60, interval=0.2,
                      what="dispatch over the group")

    # its trainee sends a corrected file: a new revision of the same job, analysed again
    r = client.post(f"/api/v1/jobs/{jobs['stagiaire01']}/revisions", headers=tokens["stagiaire01"],
                    data={"file": (io.BytesIO(_square(10)), "plaque-v2.svg")})
    assert r.status_code == 201 and r.json["state"] == "submitted"
    revised = jobs["stagiaire01"]
    wait_until(lambda: client.get(f"/api/v1/jobs/{revised}", headers=tokens["stagiaire01"]).json["state"]
               == "pending_review", 120, what=f"the revision's verdict\n{log_tail(tmp_path)}")
    r = client.post(f"/api/v1/sessions/{session_id}/approve", headers=tokens["formatrice"],
                    json={"process": "laser", "machine": "laser-1"})
    assert r.json["approved"] == [revised]
    revisions = client.get(f"/api/v1/jobs/{revised}/revisions", headers=tokens["stagiaire01"]).json
    assert revisions["current"] == 2 and revisions["revisions"][0]["comment"] == "Agrandissez le carré à 10 mm"

    # an untrained member's laser job: refused without an override, approved with one
    r = client.post("/api/v1/jobs", headers=tokens["membre"], data={"file": (io.BytesIO(_square()), "m.svg"),
                                                                    "process": "laser"})
    member_job = r.json["id"]
    wait_until(lambda: client.get(f"/api/v1/jobs/{member_job}", headers=tokens["membre"]).json["state"]
               == "pending_review", 120, what="the member's verdict")
    r = client.post(f"/api/v1/jobs/{member_job}/approve", headers=tokens["fab"], json={"machine": "laser-1"})
    assert r.status_code == 400 and r.json["code"] == "training_missing" and r.json["params"]["kinds"] == ["laser"]
    r = client.post(f"/api/v1/jobs/{member_job}/approve", headers=tokens["fab"],
                    json={"machine": "laser-1", "override_training": "formé à l'oral ce matin"})
    assert r.status_code == 200
    assert "override by fab: formé à l'oral ce matin" in r.json["history"][-1]["reason"]

    done = wait_until(lambda: (j := client.get(f"/api/v1/jobs/{revised}", headers=tokens["stagiaire01"]).json)
                      ["state"] in ("completed", "failed") and j, 300, interval=0.3,
                      what=f"the revision's run\n{log_tail(tmp_path)}")
    assert done["state"] == "completed", f"{done['reason']}\n{log_tail(tmp_path)}"
    wait_until(lambda: client.get(f"/api/v1/jobs/{member_job}", headers=tokens["membre"]).json["state"]
               == "completed", 120, what="the member's run")
    # the laser run's usage record (written by the laser's worker) puts the member over the month's sheet area
    with ctx.session() as s:
        [used] = [r.quantity for r in s.query(UsageRecord).filter_by(job_id=member_job)]
    r = client.post("/api/v1/jobs", headers=tokens["membre"], data={"file": (io.BytesIO(_square()), "m2.svg"),
                                                                    "process": "laser"})
    assert r.status_code == 400 and r.json["code"] == "quota_exceeded", r.json
    assert (r.json["params"]["limit"], r.json["params"]["used"]) == ("area_m2_per_month", round(used, 6))

    # every notification: in the app, and by e-mail in its user's language
    def all_sent() -> bool:
        with ctx.session() as s:
            return not s.query(Notification).filter(Notification.email_state.in_(("pending", "sending"))).count()

    wait_until(all_sent, 120, what=f"the e-mails\n{log_tail(tmp_path)}")
    with ctx.session() as s:
        notes = [(s.get(User, n.user_id).username, n.kind, n.job_id, n.email_state) for n in s.query(Notification)]
    assert all(state == "sent" for *_, state in notes), notes
    kinds = {(user, kind) for user, kind, _, _ in notes}
    assert {("stagiaire01", k) for k in ("sent_back", "approved", "started", "completed")} <= kinds
    assert ("stagiaire10", "invalid") in kinds and ("stagiaire06", "approved") in kinds
    assert ("membre", "completed") in kinds
    assert len(smtp.messages) == len(notes)
    for user, kind, job_id, _ in notes:
        mine = [m for m in smtp.to(f"{user}@example.org")
                if re.search(rf"(n° |#){job_id}\b", m["Subject"]) and kind_word(kind, langs[user]) in m["Subject"]]
        assert mine and all(m["Content-Language"] == langs[user] for m in mine), (user, kind, job_id)
        assert f"/jobs/{job_id}" in mine[0].get_payload(decode=True).decode()
    listed = client.get("/api/v1/notifications", headers=tokens["stagiaire01"]).json
    assert listed["unread"] == len(listed["notifications"]) >= 4


def kind_word(kind: str, lang: str) -> str:
    """A word each subject of this kind carries, in each language (web/i18n_notify.py)."""
    return {"approved": ("validé", "approved"), "started": ("commencé", "started"), "completed": ("terminé", "completed"),
            "sent_back": ("corriger", "sent back"), "invalid": ("inutilisable", "not usable"),
            "rejected": ("refusé", "rejected"), "failed": ("échec", "failed")}[kind][0 if lang == "fr" else 1]
