"""The unit question on the pages (issue 12, item 4): one button per unit with the size it gives,
the queue saying why the job cannot be approved yet, and a click that analyses the file again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from web_helpers import browser_login, make_job, page, page_token, text_of

from jobqueue.models import Job
from jobqueue.tasks import analyse_job

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
from test_analysis_dxf_quirks import headerless_square  # noqa: E402


def _unitless_job(ctx) -> int:  # noqa: ANN001
    """A unitless 40 mm square for the CNC, analysed by the real task."""
    job_id = make_job(ctx, "member", "submitted", name="carre.dxf", data=headerless_square().encode(), process="cnc")
    analyse_job(job_id)
    return job_id


def test_the_queue_and_the_job_page_say_why_a_job_waits_for_its_unit(app, login, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = _unitless_job(fablab_env)
    client = login(accounts["fabmanager"])
    queue = page(client.get("/queue").get_data(as_text=True))
    assert "n'indique pas son unité" in text_of(queue.select_one(f"#review-{job_id} .unit-pending"))
    assert queue.select_one(f'form[action="/queue/{job_id}/approve"]') is None  # no approve form while the unit is asked
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "Unité à choisir" in text_of(doc.select_one("#analysis h2"))
    assert "il ne peut pas être validé" in text_of(doc.select_one("#job .unit-pending"))
    cm = doc.select_one('#unit-question button[data-unit="cm"]')
    assert "centimètres → 400 × 400 mm" in text_of(cm).replace("\u202f", " ")
    refused = client.post(f"/queue/{job_id}/approve", data={"machine": "cnc-1", "csrf_token": page_token(client)})
    assert refused.status_code in (302, 400)
    with fablab_env.session() as s:
        assert s.get(Job, job_id).state == "pending_review"


@pytest.mark.browser
def test_the_member_clicks_a_unit_and_the_file_is_analysed_at_that_size(browser_page, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = _unitless_job(fablab_env)
    page = browser_page
    browser_login(page, accounts["member"])
    page.goto(f"/jobs/{job_id}")
    assert "Unité à choisir" in page.inner_text("#analysis h2")
    page.click("#unit-question button[data-unit=cm]")
    page.wait_for_selector(".flash.ok")
    assert "analysé à nouveau" in page.inner_text(".flash.ok")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.options) == ("submitted", {"scale": 10.0})
        assert job.events[-1].reason == "unit cm"
    assert "unité choisie : centimètres" in page.inner_text("#history")
    analyse_job(job_id)  # what the analysis worker does next
    page.reload()
    assert "Fichier utilisable" in page.inner_text("#analysis h2")
    assert page.locator("#unit-question button.current").get_attribute("data-unit") == "cm"
    assert "400" in page.inner_text("#analysis table.kv")
