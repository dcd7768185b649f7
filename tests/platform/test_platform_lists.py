"""Job lists are paginated and cost the same few queries whatever the page size (no N+1:
owners and events loaded in bulk, live progress by one MGET), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event

from jobqueue import db, live
from jobqueue.models import Job, JobEvent
from jobqueue.users import get_user

pytestmark = pytest.mark.both_engines  # SQLite and PostgreSQL (tests/db_engines.py)


def _jobs(ctx, owner: str, n: int, state: str = "pending_review") -> list[int]:  # noqa: ANN001
    with ctx.session() as s:
        user = get_user(s, owner)
        rows = [Job(owner_id=user.id, filename=f"p{i}.svg", file_sha256="0" * 64, file_size=10, process="laser",
                    state=state, options={}, analysis={"valid": True, "metrics": {}, "quotes": [],
                              "issues": [{"code": "thin_wall", "severity": "warning"}] * (i % 3)},
                    events=[JobEvent(actor=owner, from_state=None, to_state="submitted"),
                            JobEvent(actor="system", from_state="submitted", to_state=state)])
                for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


class Counter:
    """SQL statements run on this process's engine, and Redis commands, during a block."""

    def __init__(self, ctx):  # noqa: ANN001
        self.engine = db.get_engine(ctx.settings.database_url)[0]
        self.conn = ctx.redis()
        self.sql = 0

    def _count(self, *_a) -> None:  # noqa: ANN002
        self.sql += 1

    def __enter__(self) -> Counter:
        self.sql = 0
        self.redis_before = self._redis_calls()
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:  # noqa: ANN002
        event.remove(self.engine, "before_cursor_execute", self._count)
        self.redis = self._redis_calls() - self.redis_before

    def _redis_calls(self) -> int:
        stats = self.conn.info("commandstats")
        return sum(v["calls"] for k, v in stats.items() if k in ("cmdstat_get", "cmdstat_mget"))


def test_api_list_is_paginated_and_its_cost_does_not_grow_with_the_page(client, accounts, fablab_env) -> None:  # noqa: ANN001
    ids = _jobs(fablab_env, "member", 45)
    for jid in ids[:5]:
        live.publish_progress(fablab_env.redis(), jid, {"job_id": jid, "state": "running", "percent": 12.0})
    fm = accounts["fabmanager"].headers
    costs = {}
    client.get("/api/v1/jobs?per_page=1", headers=fm)  # once-per-token work (last use...) out of the way
    for per_page in (2, 40):
        with Counter(fablab_env) as c:
            r = client.get(f"/api/v1/jobs?per_page={per_page}", headers=fm)
        assert r.status_code == 200 and len(r.json["jobs"]) == per_page
        assert all(j["owner"] == "member" and j["valid"] is True and j["issue_count"] == int(j["filename"][1:-4]) % 3
                   for j in r.json["jobs"])
        costs[per_page] = (c.sql, c.redis)
    assert costs[2] == costs[40], f"the list's cost grows with its size (SQL, Redis GET/MGET): {costs}"
    assert costs[40][1] <= 1
    body = client.get("/api/v1/jobs?per_page=20&page=3", headers=fm).json
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (3, 20, 45, 3)
    assert [j["id"] for j in body["jobs"]] == sorted(ids, reverse=True)[40:]
    assert client.get("/api/v1/jobs?page=99", headers=fm).json["jobs"] == []  # past the end: empty
    assert client.get("/api/v1/jobs?per_page=201", headers=fm).status_code == 400
    assert client.get("/api/v1/jobs?page=0", headers=fm).status_code == 400
    mine = client.get("/api/v1/jobs?mine=1", headers=fm).json
    assert mine["total"] == 0 and mine["jobs"] == []


def _login(client, account) -> None:  # noqa: ANN001
    token = _page(client.get("/login").get_data(as_text=True)).select_one('meta[name="csrf-token"]')["content"]
    r = client.post("/login", data={"username": account.username, "password": account.password,
                                    "csrf_token": token})
    assert r.status_code == 302


def test_jobs_page_is_paginated(client, accounts, fablab_env) -> None:  # noqa: ANN001
    ids = _jobs(fablab_env, "member", 55)
    _login(client, accounts["member"])
    client.get("/jobs")
    with Counter(fablab_env) as small:
        first = _page(client.get("/jobs").get_data(as_text=True))
    shown = [int(tr["id"].removeprefix("job-")) for tr in first.select("table.jobs tbody tr[id]")]
    assert shown == sorted(ids, reverse=True)[:50]
    assert _pager(first) == (False, "Page 1 sur 2", True)
    with Counter(fablab_env) as big:
        second = _page(client.get("/jobs?page=2").get_data(as_text=True))
    assert [int(tr["id"].removeprefix("job-")) for tr in second.select("table.jobs tbody tr[id]")] == sorted(
        ids, reverse=True)[50:]
    assert _pager(second) == (True, "Page 2 sur 2", False)
    assert small.sql == big.sql  # 50 jobs or 5: the same queries
    assert client.get("/jobs?page=abc").status_code == 200  # a bad page number is page 1


def test_review_queue_is_paginated_oldest_first_page_and_api(client, accounts, fablab_env) -> None:  # noqa: ANN001
    ids = _jobs(fablab_env, "member", 30)
    _jobs(fablab_env, "member", 3, state="completed")  # not waiting for review: never listed
    _login(client, accounts["fabmanager"])
    client.get("/queue")
    with Counter(fablab_env) as first_cost:
        first = _page(client.get("/queue").get_data(as_text=True))
    assert _reviews(first) == ids[:25]  # oldest first
    assert " ".join(first.select_one("#pending h2").get_text(" ").split()) == "À valider (30)" and _pager(first) == (False, "Page 1 sur 2", True)
    with Counter(fablab_env) as second_cost:
        second = _page(client.get("/queue?page=2").get_data(as_text=True))
    assert _reviews(second) == ids[25:]
    assert _pager(second) == (True, "Page 2 sur 2", False)
    assert first_cost.sql - second_cost.sql < 10, (first_cost.sql, second_cost.sql)  # 25 rows or 5: not N+1
    api = client.get("/api/v1/jobs?state=pending_review&order=oldest&per_page=10&page=3",
                     headers=accounts["fabmanager"].headers).json
    assert [j["id"] for j in api["jobs"]] == ids[20:] and api["total"] == 30
    assert client.get("/api/v1/jobs?order=sideways", headers=accounts["fabmanager"].headers).status_code == 400


def _page(html: str) -> BeautifulSoup:
    """The page parsed: the tests read rows and the pager as a reader sees them, not raw HTML."""
    return BeautifulSoup(html, "html.parser")


def _pager(doc: BeautifulSoup) -> tuple[bool, str, bool]:
    """(a link to the previous page, the page label, a link to the next page) of the list's pager."""
    nav = doc.select_one("nav.pager")
    label = next((" ".join(s.get_text(" ").split()) for s in nav.select("span") if "Page" in s.get_text()), "")
    return nav.select_one('a[rel="prev"]') is not None, label, nav.select_one('a[rel="next"]') is not None


def _reviews(doc: BeautifulSoup) -> list[int]:
    return [int(a["id"].removeprefix("review-")) for a in doc.select("#pending article.review")]
