"""Every route × every role, answered as jobqueue.permissions says.

Each route of the app is declared once in ROUTES (a new route without an entry fails the
test): the request to make, the job it acts on (its state and owner), and the action the
permission table must allow. For every role (and nobody logged in) the answer must be:
401/login redirect for nobody; 404 for a job the user may not see; 403 for an action the
table refuses; a success (2xx/3xx) when the table allows it.
"""

from __future__ import annotations

import datetime as dt
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
               A.OVERRIDE_TRAINING, A.RECORD_TRAINING}
ROUTES: dict[str, Probe] = {
    "static": Probe("GET", "/static/style.css", public=True),
    "openapi.openapi_json": Probe("GET", "/api/v1/openapi.json", public=True),
    "pages.login": Probe("GET", "/login", public=True),
    "pages.language": Probe("POST", "/lang", data={"lang": "en", "next": "/"}, public=True),
    "pages.logout": Probe("POST", "/logout", to_login=True),
    "pages.index": Probe("GET", "/"),
    "pages.upload": Probe("GET", "/upload", action="upload"),
    "pages.my_jobs": Probe("GET", "/jobs"),
    "pages.machines": Probe("GET", "/machines", action="view_machines"),
    "pages.queue": Probe("GET", "/queue", action="review_queue"),
    "pages.approve_batch": Probe("POST", "/queue/batch", action="review_queue",
                                 data={"label": "none", "machine": "laser-1"}),
    "pages.trainer": Probe("GET", "/trainer", action="review_queue"),
    "pages.trainer_session": Probe("GET", "/trainer/Atelier", action="review_queue", state="pending_review"),
    "pages.job": Probe("GET", "/jobs/{job}", action="view", state="pending_review"),
    "pages.analysis_preview": Probe("GET", "/jobs/{job}/preview/analysis", action="view", state="pending_review",
                                    owner="other"),
    "pages.program_preview": Probe("GET", "/jobs/{job}/preview/program", action="view", state="ready"),
    "pages.approve": Probe("POST", "/queue/{job}/approve", action="approve", state="pending_review", data=APPROVE),
    "pages.reject": Probe("POST", "/queue/{job}/reject", action="reject", state="pending_review",
                          data={"reason": "trop fin"}),
    "pages.job_control": Probe("POST", "/jobs/{job}/control", action="cancel", state="pending_review",
                               data={"command": "cancel"}),
    "api.submit": Probe("POST", "/api/v1/jobs", action="upload", files=True),
    "api.list_jobs": Probe("GET", "/api/v1/jobs"),
    "api.machines": Probe("GET", "/api/v1/machines"),
    "api.get_job": Probe("GET", "/api/v1/jobs/{job}", action="view", state="pending_review", owner="other"),
    "api.events": Probe("GET", "/api/v1/jobs/{job}/events", action="view", state="completed"),
    "api.approve": Probe("POST", "/api/v1/jobs/{job}/approve", action="approve", state="pending_review",
                         data=APPROVE),
    "api.reject": Probe("POST", "/api/v1/jobs/{job}/reject", action="reject", state="pending_review",
                        data={"reason": "trop fin"}),
    "api.control": Probe("POST", "/api/v1/jobs/{job}/pause", action="pause", state="running", owner="other"),
    "api.retry": Probe("POST", "/api/v1/jobs/{job}/retry", action="retry", state="failed"),
    "api.list_tokens": Probe("GET", "/api/v1/tokens"),
}
# Routes whose rules are not a role's: each user's own tokens (made from a session, never by a
# token), tested in test_web_security_gaps.py.
OUTSIDE_MATRIX = {"api.create_token", "api.revoke_token"}
# More probes of the same routes, where the answer turns on the job's state or owner.
EXTRA: list[tuple[str, Probe]] = [
    ("api.control", Probe("POST", "/api/v1/jobs/{job}/cancel", action="cancel", state="pending_review")),
    ("api.control", Probe("POST", "/api/v1/jobs/{job}/resume", action="resume", state="paused")),
    ("api.get_job", Probe("GET", "/api/v1/jobs/{job}", action="view", state="running")),
    ("pages.job", Probe("GET", "/jobs/{job}", action="view", state="completed", owner="other")),
    ("pages.job_control", Probe("POST", "/jobs/{job}/control", action="retry", state="failed", owner="other",
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
    return out


def _probe_job(ctx, probe: Probe, session_id: int) -> int | None:  # noqa: ANN001
    if probe.state is None:
        return None
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


def _request(client, role: str | None, people: dict, probe: Probe, job_id: int | None):  # noqa: ANN001, ANN202
    path = probe.path.format(job=job_id, session=people["_session"])
    api = path.startswith("/api/")
    headers = {"Authorization": f"Bearer {people[role]}"} if (api and role) else {}
    if probe.method == "GET":
        return client.get(path, headers=headers)
    if api:
        if probe.files:
            import io

            return client.post(path, headers=headers, data={"file": (io.BytesIO(SVG), "a.svg"), "process": "laser"},
                               content_type="multipart/form-data")
        return client.post(path, headers=headers, json=probe.data)
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post(path, data={**probe.data, "csrf_token": token, "next": "/"})


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
        assert permissions.allowed_actions(other, job) == {"view", "cancel"}
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
