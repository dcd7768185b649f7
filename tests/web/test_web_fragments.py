"""Rendered fragments reused between requests (web/fragments.py) never show a job older than
its last committed change: the list row and the job page's analysis change right after."""

from __future__ import annotations

from web_helpers import make_job, page, text_of

from jobqueue.models import Job
from jobqueue.states import JobState, transition


def test_a_reused_list_row_and_analysis_change_as_soon_as_the_job_does(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["member"])
    for _ in range(2):  # the second view is served from the kept row
        row = page(client.get("/jobs").get_data(as_text=True)).select_one(f"#job-{job_id}")
        assert row.select_one(".badge")["data-state"] == "pending_review"
    before = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert before.select("#quotes table.quote") and before.select("#analysis li.issue")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        job.reason = "test rejected"
        job.analysis = {**job.analysis, "issues": [], "quotes": []}
        transition(s, job, JobState.REJECTED, actor="system:test", reason="test")
        s.commit()
    row = page(client.get("/jobs").get_data(as_text=True)).select_one(f"#job-{job_id}")
    assert row.select_one(".badge")["data-state"] == "rejected"
    after = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert not after.select("#quotes table.quote") and not after.select("#analysis li.issue")
    assert "refus" in text_of(after.select_one("#job .badge"))
