"""Every route × every role, answered as jobqueue.permissions says.

Each route of the app is declared once in ROUTES (a new route without an entry fails the
test): the request to make, the job it acts on (its state and owner), and the action the
permission table must allow. For every role (and nobody logged in) the answer must be:
401/login redirect for nobody; 404 for a job the user may not see; 403 for an action the
table refuses; a success (2xx/3xx) when the table allows it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from web_helpers import SVG, csrf_of, make_job

from jobqueue import permissions
from jobqueue.models import Job, utcnow
from jobqueue.models_people import SessionMember, WorkshopSession
from jobqueue.users import create_token, create_user, get_user

ROLES = ("member", "trainee", "trainer", "fabmanager", "admin")


@dataclass(frozen=True)
class Probe:
    method: str
    path: str  # {job} is replaced by the probe job's id, {session} by the workshop session's
    action: str | None = None  # None: any logged-in user may
    state: str | None = None  # the probe job's state (None: the route takes no job)
    owner: str = "trainee"  # the probe job's owner: trainee (in the trainer's session) or other
    data: dict = field(default_factory=dict)  # form fields (pages) or JSON body (API)
    public: bool = False
    files: bool = False
    to_login: bool = False  # the answer is the login page for everyone (logout)


APPROVE = {"machine": "laser-1"}
A = permissions.Action
JOB_ACTIONS = {A.VIEW, A.CANCEL, A.APPROVE, A.REJECT, A.SEND_BACK, A.REVISE, A.PAUSE, A.RESUME, A.RETRY,
               A.OVERRIDE_TRAINING, A.RECORD_TRAINING, A.CHOOSE_UNIT}
ROUTES: dict[str, Probe] = {
    "static": Probe("GET", "/static/style.css", public=True),
    "openapi.openapi_json": Probe("GET", "/api/v1/openapi.json", public=True),
    "pages.login": Probe("GET", "/login", public=True),
    "pages.language": Probe("POST", "/lang", data={"lang": "en", "next": "/"}, public=True),
    "pages.logout": Probe("POST", "/logout", to_login=True),
    "pages.index": Probe("GET", "/"),
    "jobs.upload": Probe("GET", "/upload", action="upload"),
    "jobs.my_jobs": Probe("GET", "/jobs"),
    "machines.machines": Probe("GET", "/machines", action="view_machines"),
    "queue.queue": Probe("GET", "/queue", action="review_queue"),
    "trainer.index": Probe("GET", "/trainer", action="run_sessions"),
    "trainer.session_page": Probe("GET", "/trainer/sessions/{session}", action="run_sessions", state="pending_review"),
    "trainer.approve": Probe("POST", "/trainer/sessions/{session}/approve", action="run_sessions",
                             state="pending_review", data={"process": "laser", "target": "machine:laser-1"}),
    "trainer.send_back": Probe("POST", "/trainer/jobs/{job}/send-back", action="send_back", state="pending_review",
                               data={"comment": "Fermez le contour"}),
    "trainer.record_training": Probe("POST", "/trainer/jobs/{job}/training", action="record_training",
                                     state="completed"),
    "trainer.trainings_page": Probe("GET", "/trainer/trainings", action="record_trainings"),
    "people.join": Probe("GET", "/sessions/join", action="join_sessions"),
    "people.notifications_page": Probe("GET", "/notifications"),
    "people.notifications_read": Probe("POST", "/notifications/read"),
    "people.account": Probe("GET", "/account"),
    "people.new_token": Probe("POST", "/account/tokens", data={"tok-name": "script", "tok-csrf_token": "{csrf}"}),
    "people.revise": Probe("POST", "/jobs/{job}/revise", action="revise", state="invalid", files=True),
    "accounts.index": Probe("GET", "/users", action="manage_users"),
    "accounts.create": Probe("POST", "/users", action="manage_users",
                             data={"username": "u{n}", "role": "member", "tier": "member", "language": "fr"}),
    "accounts.import_roster": Probe("POST", "/users/import", action="manage_users", files=True),
    "accounts.edit": Probe("GET", "/users/{user}", action="manage_users"),
    "accounts.reset_password": Probe("POST", "/users/{user}/password", action="manage_users"),
    "accounts.record_training": Probe("POST", "/users/{user}/trainings", action="record_trainings",
                                      data={"tr-kind": "laser", "tr-csrf_token": "{csrf}"}),
    "api_people.create_session": Probe("POST", "/api/v1/sessions", action="run_sessions",
                                       data={"title": "Atelier", "processes": ["laser"]}),
    "api_people.join_session": Probe("POST", "/api/v1/sessions/join", action="join_sessions", data={"code": "ROLES1"}),
    "api_people.get_session": Probe("GET", "/api/v1/sessions/{session}", action="run_sessions"),
    "api_people.approve_session": Probe("POST", "/api/v1/sessions/{session}/approve", action="run_sessions",
                                        data={"process": "laser", "machine": "laser-1"}),
    "api_people.send_back": Probe("POST", "/api/v1/jobs/{job}/send-back", action="send_back", state="pending_review",
                                  data={"comment": "Fermez le contour"}),
    "api_people.revise": Probe("POST", "/api/v1/jobs/{job}/revisions", action="revise", state="invalid", files=True),
    "api_people.list_revisions": Probe("GET", "/api/v1/jobs/{job}/revisions", action="view", state="invalid"),
    "api_people.list_users": Probe("GET", "/api/v1/users", action="manage_users"),
    "api_people.create_user": Probe("POST", "/api/v1/users", action="manage_users", data={"username": "api{n}"}),
    "api_people.update_user": Probe("PATCH", "/api/v1/users/other", action="manage_users", data={"language": "en"}),
    "api_people.record_training": Probe("POST", "/api/v1/users/other/trainings", action="record_trainings",
                                        data={"kind": "laser", "valid_days": 30}),
    "api_people.list_notifications": Probe("GET", "/api/v1/notifications"),
    "api_people.read_notifications": Probe("POST", "/api/v1/notifications/read", data={}),
    "jobs.job": Probe("GET", "/jobs/{job}", action="view", state="pending_review"),
    "jobs.analysis_preview": Probe("GET", "/jobs/{job}/preview/analysis", action="view", state="pending_review",
                                    owner="other"),
    "jobs.program_preview": Probe("GET", "/jobs/{job}/preview/program", action="view", state="ready"),
    "queue.approve": Probe("POST", "/queue/{job}/approve", action="approve", state="pending_review", data=APPROVE),
    "queue.reject": Probe("POST", "/queue/{job}/reject", action="reject", state="pending_review",
                          data={"reason": "trop fin"}),
    "jobs.job_control": Probe("POST", "/jobs/{job}/control", action="cancel", state="pending_review",
                               data={"command": "cancel"}),
    "api.submit": Probe("POST", "/api/v1/jobs", action="upload", files=True),
    "api.list_jobs": Probe("GET", "/api/v1/jobs"),
    "api_machines.machines": Probe("GET", "/api/v1/machines"),
    "api.get_job": Probe("GET", "/api/v1/jobs/{job}", action="view", state="pending_review", owner="other"),
    "api.events": Probe("GET", "/api/v1/jobs/{job}/events", action="view", state="completed"),
    "api.approve": Probe("POST", "/api/v1/jobs/{job}/approve", action="approve", state="pending_review",
                         data=APPROVE),
    "api.reject": Probe("POST", "/api/v1/jobs/{job}/reject", action="reject", state="pending_review",
                        data={"reason": "trop fin"}),
    "api.control": Probe("POST", "/api/v1/jobs/{job}/pause", action="pause", state="running", owner="other"),
    "api.retry": Probe("POST", "/api/v1/jobs/{job}/retry", action="retry", state="failed"),
    "api_tokens.list_tokens": Probe("GET", "/api/v1/tokens"),
    "api_units.choose_unit": Probe("POST", "/api/v1/jobs/{job}/scale", action="choose_unit", state="pending_review",
                                   data={"scale": 25.4}),
    "units.choose_unit_page": Probe("POST", "/jobs/{job}/unit", action="choose_unit", state="invalid",
                                    data={"unit": "in"}),
    "machday.machine_clear": Probe("POST", "/machines/laser-1/clear", action="control_machines"),
    "machday.machine_maintenance": Probe("POST", "/machines/cnc-1/maintenance", action="control_machines",
                                       data={"on": "y", "reason": "fraise cassée"}),
    "machday.machine_acknowledge": Probe("POST", "/machines/cnc-1/acknowledge", action="control_machines"),
    "machday.machine_emergency_stop": Probe("POST", "/machines/vinyl-1/emergency-stop", action="control_machines"),
    "machday.queue_move": Probe("POST", "/queue/{job}/move", action="review_queue", state="preparing",
                              data={"direction": "up"}),
    "machday.queue_priority": Probe("POST", "/queue/{job}/priority", action="review_queue", state="preparing",
                                  data={"priority": "urgent"}),
    "machday.usage_page": Probe("GET", "/usage"),
    "api_machines.clear_machine": Probe("POST", "/api/v1/machines/laser-1/clear", action="control_machines"),
    "api_machines.maintenance": Probe("POST", "/api/v1/machines/cnc-1/maintenance", action="control_machines",
                             data={"on": True, "reason": "fraise cassée"}),
    "api_machines.acknowledge": Probe("POST", "/api/v1/machines/cnc-1/acknowledge", action="control_machines"),
    "api_machines.emergency_stop": Probe("POST", "/api/v1/machines/vinyl-1/emergency-stop", action="control_machines"),
    "api_machines.queue": Probe("GET", "/api/v1/queue"),
    "api_machines.reorder": Probe("POST", "/api/v1/queue/reorder", action="review_queue", data={"job_ids": [1]}),
    "api_machines.usage_month": Probe("GET", "/api/v1/usage?month=2026-12"),
    "api_machines.usage_csv": Probe("GET", "/api/v1/usage.csv?month=2026-12"),
}
# Routes whose rules are not a role's: each user's own tokens (made from a session, never by a
# token), tested in test_web_security_gaps.py.
OUTSIDE_MATRIX = {"api_tokens.create_token", "api_tokens.revoke_token", "people.revoke"}
# More probes of the same routes, where the answer turns on the job's state or owner.
EXTRA: list[tuple[str, Probe]] = [
    ("api.control", Probe("POST", "/api/v1/jobs/{job}/cancel", action="cancel", state="pending_review")),
    ("api.control", Probe("POST", "/api/v1/jobs/{job}/resume", action="resume", state="paused")),
    ("api.get_job", Probe("GET", "/api/v1/jobs/{job}", action="view", state="running")),
    ("jobs.job", Probe("GET", "/jobs/{job}", action="view", state="completed", owner="other")),
    ("jobs.job_control", Probe("POST", "/jobs/{job}/control", action="retry", state="failed", owner="other",
                                data={"command": "retry"})),
]


@pytest.fixture
def people(fablab_env) -> dict:  # noqa: ANN001
    """One user per role, an `other` member, and a workshop session run by the trainer."""
    out = {}
    with fablab_env.session() as s:
        for role in (*ROLES, "other"):
            user = create_user(s, role, f"{role}-pw", role="member" if role == "other" else role,
                               tier="business")  # no quota: the probes make many jobs
            out[role] = create_token(s, user)
        trainer, trainee = get_user(s, "trainer"), get_user(s, "trainee")
        ws = WorkshopSession(code="ROLES1", title="Atelier", trainer_id=trainer.id,
                             ends_at=utcnow() + dt.timedelta(hours=2), processes=["laser", "fdm"])
        s.add(ws)
        s.flush()
        s.add(SessionMember(session_id=ws.id, user_id=trainee.id))
        out["_session"] = ws.id
        out["_other_id"] = get_user(s, "other").id
    return out


def _probe_job(ctx, probe: Probe, session_id: int) -> int | None:  # noqa: ANN001
    if probe.state is None:
        return None
    if probe.state in ("running", "paused", "completed", "failed"):  # one job at a time per machine
        with ctx.session() as s:
            for job in s.query(Job).filter(Job.state.in_(("running", "paused"))):
                job.state = "failed"
    job_id = make_job(ctx, probe.owner, probe.state)
    if probe.owner == "trainee":
        with ctx.session() as s:
            job = s.get(Job, job_id)
            job.session_id, job.session_label = session_id, "Atelier"
    return job_id


def _expected(ctx, role: str | None, probe: Probe, job_id: int | None) -> str:  # noqa: ANN001
    if probe.public:
        return "ok"
    if role is None or probe.to_login:
        return "login"
    with ctx.session() as s:
        user = get_user(s, role)
        job = s.get(Job, job_id) if job_id is not None else None
        if probe.action in set(permissions.Action) - JOB_ACTIONS:  # a page of an area: the area first
            return "ok" if permissions.can(user, probe.action) else "forbidden"
        if job is not None and not permissions.can_view(user, job):
            return "hidden"
        if probe.action is None:
            return "ok"
        return "ok" if permissions.can(user, probe.action, job) else "forbidden"


def _answer(status: int, location: str) -> str:
    if status in (401,) or (status == 302 and "/login" in location):
        return "login"
    if status == 404:
        return "hidden"
    if status == 403:
        return "forbidden"
    if 200 <= status < 400:
        return "ok"
    return f"status {status}"


_counter = iter(range(1, 1_000_000))
ROSTER = "name,email,role\nAda Lovelace,ada{n}@example.org,trainee\n"


def _request(client, role: str | None, people: dict, probe: Probe, job_id: int | None):  # noqa: ANN001, ANN202
    n = next(_counter)
    path = probe.path.format(job=job_id, session=people["_session"], user=people["_other_id"])
    api = path.startswith("/api/")
    headers = {"Authorization": f"Bearer {people[role]}"} if (api and role) else {}
    if probe.method == "GET":
        return client.get(path, headers=headers)
    token = "" if api else csrf_of(client.get("/login").get_data(as_text=True))

    def fill(value):  # noqa: ANN001, ANN202
        return value.format(n=n, csrf=token) if isinstance(value, str) else value

    data = {k: fill(v) for k, v in probe.data.items()}
    if probe.files:
        data |= {"file": (io.BytesIO(SVG), "a.svg"), "process": "laser",
                 "roster-roster": (io.BytesIO(ROSTER.format(n=n).encode()), "classe.csv"), "roster-tier": "training",
                 "roster-csrf_token": token}
    if api and not probe.files:
        return client.open(path, method=probe.method, headers=headers, json=data)
    if not api:
        data |= {"csrf_token": token, "next": "/"}
    return client.open(path, method=probe.method, headers=headers, data=data,
                       content_type="multipart/form-data" if probe.files else None)


def test_every_route_is_declared(app) -> None:  # noqa: ANN001
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) - OUTSIDE_MATRIX == set(), "declare the new routes in ROUTES (tests/web/test_web_roles.py)"
    assert (set(ROUTES) | OUTSIDE_MATRIX) - endpoints == set(), "ROUTES names routes the app does not have"


def test_route_role_matrix(app, fablab_env, people) -> None:  # noqa: ANN001
    probes = [(name, p) for name, p in ROUTES.items() if name != "pages.logout"] + EXTRA + [
        ("pages.logout", ROUTES["pages.logout"])]
    wrong, checked = [], 0
    for role in (None, *ROLES):
        client = app.test_client()
        if role is not None:
            token = csrf_of(client.get("/login").get_data(as_text=True))
            r = client.post("/login", data={"username": role, "password": f"{role}-pw", "csrf_token": token})
            assert r.status_code == 302
        for name, probe in probes:
            job_id = _probe_job(fablab_env, probe, people["_session"])
            want = _expected(fablab_env, role, probe, job_id)
            r = _request(client, role, people, probe, job_id)
            got = _answer(r.status_code, r.headers.get("Location", ""))
            checked += 1
            if got != want:
                wrong.append(f"{role} {name} {probe.method} {probe.path} state={probe.state} owner={probe.owner}: "
                             f"want {want}, got {got} ({r.status_code} {r.get_data(as_text=True)[:120]!r})")
    assert not wrong, "\n".join(wrong)
    assert checked == (len(ROLES) + 1) * len(probes)
    print(f"route x role matrix: {len(probes)} probes of {len(ROUTES)} routes x {len(ROLES) + 1} roles = {checked}")


def test_permission_table_says_what_the_fablab_expects(fablab_env, people) -> None:  # noqa: ANN001
    """A few rows written out by hand, so the table cannot drift into nonsense unnoticed."""
    never_prepared = make_job(fablab_env, "other", "pending_review")
    with fablab_env.session() as s:
        job = s.get(Job, never_prepared)
        job.state = "cancelled"  # cancelled before it ever had a program
        fab = get_user(s, "fabmanager")
        assert "retry" not in permissions.allowed_actions(fab, job)  # no `machine:None` queue
        member, other = get_user(s, "member"), get_user(s, "other")
        job.state = "pending_review"
        assert permissions.allowed_actions(member, job) == frozenset()
        assert permissions.allowed_actions(other, job) == {"view", "cancel", "choose_unit"}
        assert {"approve", "reject", "send_back"} <= permissions.allowed_actions(fab, job)
        assert permissions.allowed_actions(get_user(s, "trainer"), job) == frozenset()  # not their session
        job.session_id = people["_session"]
        s.flush()
        s.refresh(job)
        assert {"approve", "send_back"} <= permissions.allowed_actions(get_user(s, "trainer"), job)
        assert permissions.assignable_roles(fab) == ("member", "trainee", "trainer")
        assert "admin" in permissions.assignable_roles(get_user(s, "admin"))
        other.is_active = False
        assert permissions.allowed_actions(other, job) == frozenset()
