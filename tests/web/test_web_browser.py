"""The pages in a real browser (headless Chromium via Playwright): upload, the job page
following its job live, the fabmanager approving from the queue, CSRF, the language switch."""

from __future__ import annotations

import pytest
from web_helpers import ANALYSIS, SVG, browser_login, job_state, make_job

from jobqueue import live
from jobqueue.models import Job
from jobqueue.states import JobState, transition

pytestmark = pytest.mark.browser


def test_upload_then_the_job_page_follows_the_analysis(browser_page, accounts, fablab_env, tmp_path) -> None:  # noqa: ANN001
    page = browser_page
    browser_login(page, accounts["member"])
    page.goto("/upload")
    # the process follows the file's type: an STL goes to a printer, whatever the select showed
    assert page.locator("#process").input_value() == ""
    (tmp_path / "cube.stl").write_bytes(b"solid x\nendsolid x\n")
    page.select_option("#process", "cnc")
    page.set_input_files("input[type=file]", str(tmp_path / "cube.stl"))
    assert page.locator("#process").input_value() == "fdm"
    # the material list follows the process
    page.select_option("#process", "fdm")
    assert page.locator("#material optgroup[data-process=laser]").evaluate("g => g.disabled")
    page.select_option("#process", "laser")
    page.select_option("#material", "MDF 6 mm")
    upload = tmp_path / "../../etc-passwd.svg"
    upload.write_bytes(SVG)
    page.set_input_files("input[type=file]", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/jobs/*")
    job_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("#job .badge").get_attribute("data-state") == "submitted"
    assert page.locator("h1 .filename").inner_text() == "etc-passwd.svg"
    # the analysis task's outcome, written the way the worker writes it: the page polls and reloads
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        transition(s, job, JobState.ANALYSING, actor="system:analyse")
        job.analysis = ANALYSIS
        transition(s, job, JobState.PENDING_REVIEW, actor="system:analyse", reason="analysed")
    page.wait_for_selector("#job[data-state=pending_review]")
    assert "Fichier utilisable" in page.inner_text("#analysis")
    assert "Joignez les extrémités" in page.inner_text("#analysis")


def test_fabmanager_approves_from_the_queue(browser_page, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    page = browser_page
    browser_login(page, accounts["fabmanager"])
    page.goto("/queue")
    row = page.locator(f"#review-{job_id}")
    row.locator("select[name=machine]").select_option("laser-1")
    row.locator("select[name=material]").select_option("MDF 6 mm")
    row.locator("button.btn-approve").click()
    page.wait_for_selector(".flash.ok")
    assert f"Travail {job_id} validé pour laser-1" in page.inner_text(".flash.ok")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.material) == ("preparing", "MDF 6 mm")
    assert page.locator(f"#review-{job_id}").count() == 0


def test_progress_bar_moves_live_and_pause_reaches_the_machine(browser_page, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "running")
    conn = fablab_env.redis()
    page = browser_page
    browser_login(page, accounts["fabmanager"])
    page.goto(f"/jobs/{job_id}")
    bar = page.locator("#progress-box .bar")
    assert float(bar.get_attribute("aria-valuenow")) == 0
    seen = []
    for acked in (20, 55, 80):
        # what the machine worker publishes while it streams (see jobqueue.runner)
        live.publish_progress(conn, job_id, {"lines_acked": acked, "lines_total": 100, "percent": float(acked),
                                             "state": "running", "eta_seconds": 100 - acked})
        page.wait_for_selector(f"#progress-box .bar[aria-valuenow='{acked}']", state="attached")
        seen.append((page.inner_text("#lines-acked"), page.inner_text("#eta")))
    assert seen == [("20", "1 min 20 s"), ("55", "45 s"), ("80", "20 s")]
    assert "80" in page.inner_text("#progress-box .pct")
    page.click("button[data-command=pause]")
    page.wait_for_selector(".flash.ok")
    assert live.next_control(conn, job_id, timeout=2) == ("pause", "fabmanager")
    # the run ends: the stream says so and the page reloads to show the final state
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        job.lines_acked = 100
        transition(s, job, JobState.COMPLETED, actor="system:laser-1")
    live.publish_progress(conn, job_id, {"lines_acked": 100, "lines_total": 100, "percent": 100.0,
                                         "state": "completed"})
    page.wait_for_selector("#job[data-state=completed]")
    assert float(page.locator("#progress-box .bar").get_attribute("aria-valuenow")) == 100


def test_csrf_missing_is_refused_in_the_browser(browser_page, accounts, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    page = browser_page
    browser_login(page, accounts["fabmanager"])
    page.goto("/queue")
    # a fetch with the session cookie but without the header: the API refuses it
    status = page.evaluate(f"""() => fetch('/api/v1/jobs/{job_id}/reject', {{method: 'POST',
        headers: {{'Content-Type': 'application/x-www-form-urlencoded'}}, body: 'reason=x'}}).then(r => r.status)""")
    assert status == 403
    # a form without its token: refused by the page
    row = page.locator(f"#review-{job_id}")
    row.locator("form.reject input[name=csrf_token]").evaluate("el => el.remove()")
    row.locator("input[name=reason]").fill("sans jeton")
    row.locator("button.btn-reject").click()
    page.wait_for_load_state()
    assert "formulaire a expiré" in page.inner_text("body")
    assert job_state(fablab_env, job_id) == "pending_review"
    # with the page's token in X-CSRFToken, the same API call works
    status = page.evaluate(f"""() => {{ return fetch('/queue').then(r => r.text()).then(html => {{
        const token = new DOMParser().parseFromString(html, 'text/html')
            .querySelector('meta[name=csrf-token]').content;
        return fetch('/api/v1/jobs/{job_id}/reject', {{method: 'POST',
            headers: {{'Content-Type': 'application/json', 'X-CSRFToken': token}},
            body: JSON.stringify({{reason: 'avec jeton'}})}}).then(r => r.status); }}); }}""")
    assert status == 200 and job_state(fablab_env, job_id) == "rejected"


def test_language_switch(browser_page, accounts) -> None:  # noqa: ANN001
    page = browser_page
    page.goto("/login")
    assert page.get_attribute("html", "lang") == "fr" and page.inner_text("h1") == "Connexion"
    page.click("button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("h1") == "Log in"
    browser_login(page, accounts["member"])
    assert page.inner_text("h1") == "My jobs"
    page.click("button[data-lang=fr]")
    page.wait_for_selector("html[lang=fr]")
    assert page.inner_text("h1") == "Mes travaux"
