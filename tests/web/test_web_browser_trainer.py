"""A trainer's 12-trainee workshop in a real browser (headless Chromium via Playwright): the
trainer opens a session and reads its join code; one trainee joins and uploads in her browser,
eleven through the API; the uploads are analysed for real (the analysis task, in this process);
the trainer's session page shows every job with its verdict and the problems trainees share,
sends one job back with a comment and approves per process (the printers' group, the laser);
the trainee sees the comment and the notification."""

from __future__ import annotations

import io
import re
import struct
from types import SimpleNamespace

import pytest
from web_helpers import browser_login, job_state

from jobqueue import tasks
from jobqueue.models import Job
from jobqueue.users import create_token, create_user

pytestmark = pytest.mark.browser


def _square(size: float = 8, closed: bool = True) -> bytes:
    d = f"M2 2 L{2 + size} 2 L{2 + size} {2 + size} L2 {2 + size}" + (" Z" if closed else "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="20mm" height="20mm" viewBox="0 0 20 20">'
            f'<path d="{d}" fill="none" stroke="#ff0000" stroke-width="0.1"/></svg>').encode()


def _cube(s: float = 8) -> bytes:
    v = [(0, 0, 0), (s, 0, 0), (s, s, 0), (0, s, 0), (0, 0, s), (s, 0, s), (s, s, s), (0, s, s)]
    faces = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4), (1, 2, 6), (1, 6, 5), (2, 3, 7),
             (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    out = bytearray(b"\0" * 80 + struct.pack("<I", len(faces)))
    for f in faces:
        out += struct.pack("<3f", 0, 0, 0) + b"".join(struct.pack("<3f", *v[i]) for i in f) + b"\0\0"
    return bytes(out)


# trainee index -> (process, file, name): open contours for four (trainees 1-4), one broken STL, cubes, squares
FILES = {i: ("laser", _square(closed=False), "ouvert.svg") for i in (1, 2, 3, 4)}
FILES |= {i: ("laser", _square(), "plaque.svg") for i in (0, 5, 6)}
FILES |= {i: ("fdm", _cube(), "cube.stl") for i in (7, 8, 9, 10)}
FILES[11] = ("fdm", b"solid broken\n facet nonsense\n", "casse.stl")


def test_a_twelve_trainee_workshop_in_the_browser(app, browser_page, chromium, live_server, fablab_env,  # noqa: ANN001, PLR0915
                                                  tmp_path) -> None:
    names = [f"stagiaire{i:02d}" for i in range(12)]
    with fablab_env.session() as s:
        create_user(s, "formatrice", "formatrice-pw", role="trainer")
        users = {n: create_user(s, n, f"{n}-pw", role="trainee", tier="training") for n in names}
        tokens = {n: {"Authorization": f"Bearer {create_token(s, u)}"} for n, u in users.items()}
    trainer = browser_page
    browser_login(trainer, SimpleNamespace(username="formatrice", password="formatrice-pw"))
    trainer.goto("/trainer")
    trainer.fill("#new-session input[name=title]", "De la modélisation à la création")
    trainer.check("#new-session input[name=processes][value=laser]")
    trainer.check("#new-session input[name=processes][value=fdm]")
    trainer.fill("#new-session input[name=quota]", "2")
    trainer.click("#new-session button[type=submit]")
    trainer.wait_for_url(re.compile(r".*/trainer/sessions/\d+$"))
    session_id = int(trainer.url.rsplit("/", 1)[1])
    code = trainer.locator("#join-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)

    # the first trainee in her browser: join with the code, upload into the session
    context = chromium.new_context(base_url=live_server, locale="fr-FR")
    context.set_default_timeout(15000)
    first = context.new_page()
    browser_login(first, SimpleNamespace(username=names[0], password=f"{names[0]}-pw"))
    first.goto("/sessions/join")
    first.fill("input[name=code]", code.lower())
    first.click("#join-form button[type=submit]")
    first.wait_for_url("**/upload")
    first.select_option("#process", "laser")
    first.select_option("select[name=session]", str(session_id))
    upload = tmp_path / "plaque.svg"
    upload.write_bytes(FILES[0][1])
    first.set_input_files("input[type=file]", str(upload))
    first.click("#upload-form button[type=submit]")
    first.wait_for_url("**/jobs/*")
    jobs = {names[0]: int(first.url.rsplit("/", 1)[1])}
    # the eleven others through the API, as a script would
    api = app.test_client()
    for i, name in enumerate(names[1:], start=1):
        assert api.post("/api/v1/sessions/join", headers=tokens[name], json={"code": code}).status_code == 200
        process, data, filename = FILES[i]
        r = api.post("/api/v1/jobs", headers=tokens[name], data={"file": (io.BytesIO(data), filename),
                                                                  "process": process, "session": str(session_id)})
        assert r.status_code == 201, r.json
        jobs[name] = r.json["id"]
    for job_id in jobs.values():  # the analysis task, run here rather than by a worker
        tasks.analyse_job(job_id)

    trainer.reload()
    assert trainer.locator(".session-job").count() == 12
    broken = trainer.locator(f"#job-{jobs[names[11]]}")
    assert broken.get_attribute("data-state") == "invalid" and "inutilisable" in broken.locator(".verdict").inner_text()
    assert "utilisable" in trainer.locator(f"#job-{jobs[names[7]]} .verdict").inner_text()
    shared = trainer.locator("#common-issues li").first
    assert shared.get_attribute("data-code") == "open_contours" and "4 stagiaires" in shared.inner_text()
    assert trainer.locator(f"#job-{jobs[names[0]]} .quote").inner_text().strip().endswith("€")

    # one sent back with a comment, then one approval per process
    sent_back = jobs[names[1]]
    card = trainer.locator(f"#job-{sent_back}")
    card.locator("input[name=comment]").fill("Fermez le contour en haut à gauche")
    card.locator(".send-back button").click()
    trainer.wait_for_selector(f"#job-{sent_back}[data-state=sent_back]")
    assert "Fermez le contour" in trainer.locator(f"#job-{sent_back} .reason").inner_text()
    fdm = trainer.locator("form.batch[data-process=fdm]")
    assert "(4 en attente)" in fdm.inner_text()
    fdm.locator("select[name=target]").select_option("group:fdm-pla")
    fdm.locator("button").click()
    trainer.wait_for_selector(f"#job-{jobs[names[7]]}[data-state=preparing]")
    assert "4 travaux validés pour fdm-pla." in trainer.locator(".flash").first.inner_text()
    laser = trainer.locator("form.batch[data-process=laser]")
    laser.locator("select[name=target]").select_option("machine:laser-1")
    laser.locator("button").click()
    trainer.wait_for_selector(f"#job-{jobs[names[0]]}[data-state=preparing]")
    states = {n: job_state(fablab_env, j) for n, j in jobs.items()}
    assert states[names[1]] == "sent_back" and states[names[11]] == "invalid"
    assert all(states[n] == "preparing" for n in names if n not in (names[1], names[11]))
    with fablab_env.session() as s:  # the group's jobs wait for dispatch (no printer is given at approval)
        assert {s.get(Job, jobs[names[i]]).machine_id for i in (7, 8, 9, 10)} == {None}

    # the trainee sent back reads the comment and her notification
    page = context.new_page()
    browser_login(page, SimpleNamespace(username=names[1], password=f"{names[1]}-pw"))
    page.goto(f"/jobs/{sent_back}")
    assert "Fermez le contour en haut à gauche" in page.locator("#reason").inner_text()
    assert page.locator("#unread-count").inner_text() == "1"
    assert page.locator("#revise-form").is_visible()
    context.close()
