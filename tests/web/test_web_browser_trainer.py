"""The trainer's session page in a real browser (headless Chromium via Playwright): open a session,
a trainee joins with the code and uploads into it, the trainer sends one job back and approves
the rest per process; the trainee sees the comment and the unread notification."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from web_helpers import ANALYSIS, SVG, browser_login, job_state

from jobqueue.models import Job
from jobqueue.states import JobState, transition
from jobqueue.users import create_user

pytestmark = pytest.mark.browser


def _analysed(ctx, job_id: int) -> None:  # noqa: ANN001
    """The analysis task's outcome, written the way the worker writes it."""
    with ctx.session() as s:
        job = s.get(Job, job_id)
        transition(s, job, JobState.ANALYSING, actor="system:analyse")
        job.analysis = ANALYSIS
        transition(s, job, JobState.PENDING_REVIEW, actor="system:analyse")


def test_trainer_session_page_in_the_browser(browser_page, chromium, live_server, fablab_env, tmp_path) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        create_user(s, "formatrice", "formatrice-pw", role="trainer")
        for name in ("zoe", "yann"):
            create_user(s, name, f"{name}-pw", role="trainee", tier="training")
    trainer = browser_page
    browser_login(trainer, SimpleNamespace(username="formatrice", password="formatrice-pw"))
    trainer.goto("/trainer")
    trainer.fill("#new-session input[name=title]", "De la modélisation à la création")
    trainer.check("#new-session input[name=processes][value=laser]")
    trainer.fill("#new-session input[name=quota]", "2")
    trainer.click("#new-session button[type=submit]")
    trainer.wait_for_url(re.compile(r".*/trainer/sessions/\d+$"))
    session_id = int(trainer.url.rsplit("/", 1)[1])
    code = trainer.locator("#join-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)

    jobs = {}
    for name in ("zoe", "yann"):
        context = chromium.new_context(base_url=live_server, locale="fr-FR")
        context.set_default_timeout(15000)
        page = context.new_page()
        browser_login(page, SimpleNamespace(username=name, password=f"{name}-pw"))
        page.goto("/sessions/join")
        page.fill("input[name=code]", code.lower())
        page.click("#join-form button[type=submit]")
        page.wait_for_url("**/upload")
        page.select_option("#process", "laser")
        page.select_option("select[name=session]", str(session_id))
        upload = tmp_path / f"{name}.svg"
        upload.write_bytes(SVG)
        page.set_input_files("input[type=file]", str(upload))
        page.click("#upload-form button[type=submit]")
        page.wait_for_url("**/jobs/*")
        jobs[name] = int(page.url.rsplit("/", 1)[1])
        _analysed(fablab_env, jobs[name])
        if name == "zoe":
            zoe = page
        else:
            context.close()

    trainer.reload()
    cards = trainer.locator(".session-job")
    assert cards.count() == 2
    assert trainer.locator("#common-issues [data-code=open_contour]").count() == 1
    card = trainer.locator(f"#job-{jobs['zoe']}")
    assert card.locator(".quote").inner_text().strip().endswith("€")
    card.locator("input[name=comment]").fill("Fermez le contour en haut à gauche")
    card.locator(".send-back button").click()
    trainer.wait_for_selector(f"#job-{jobs['zoe']}[data-state=sent_back]")
    trainer.locator("form.batch[data-process=laser] select[name=target]").select_option("machine:laser-1")
    trainer.locator("form.batch[data-process=laser] button").click()
    trainer.wait_for_selector(f"#job-{jobs['yann']}[data-state=preparing]")
    assert (job_state(fablab_env, jobs["zoe"]), job_state(fablab_env, jobs["yann"])) == ("sent_back", "preparing")

    zoe.goto(f"/jobs/{jobs['zoe']}")
    assert "Fermez le contour en haut à gauche" in zoe.locator("#reason").inner_text()
    assert zoe.locator("#unread-count").inner_text() == "1"
    assert zoe.locator("#revise-form").is_visible()
    zoe.goto("/notifications")
    assert "à corriger" in zoe.locator(".notifications li.unread b").first.inner_text()
