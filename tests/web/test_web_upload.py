"""The upload page and "my jobs": real form posts with their CSRF token, hostile names, limits."""

from __future__ import annotations

import io

import pytest
from web_helpers import SVG, flashes, job_state, make_job, page, page_texts, page_token, text_of

from jobqueue.models import Job


def _post_upload(client, data: bytes = SVG, name: str = "plaque.svg", **fields):  # noqa: ANN001, ANN003, ANN202
    form = {"csrf_token": page_token(client), "process": "laser", "material": "", "session": "",
            "file": (io.BytesIO(data), name), **fields}
    return client.post("/upload", data=form, content_type="multipart/form-data")


def test_upload_page_lists_processes_and_materials_by_process(client, accounts, login) -> None:  # noqa: ANN001
    login(accounts["member"])
    form = page(client.get("/upload").get_data(as_text=True)).select_one("form#upload-form")
    for kind in ("fdm", "laser", "cnc", "vinyl"):
        assert form.select_one(f'select#process option[value="{kind}"]')
        assert form.select_one(f'select#material optgroup[data-process="{kind}"]')
    assert "PLA" in [text_of(o) for o in form.select('select#material option[data-process="fdm"]')]
    assert form.select_one('input[type="file"]')["accept"] == ".stl,.dxf,.svg"
    assert form["enctype"] == "multipart/form-data"


def test_upload_redirects_to_the_job_page(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = _post_upload(client)
    assert r.status_code == 302 and r.location.startswith("/jobs/")
    job_id = int(r.location.rsplit("/", 1)[1])
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert (job.filename, job.process, job.session_id, job.state) == ("plaque.svg", "laser", None, "submitted")
    doc = page(client.get(r.location).get_data(as_text=True))
    assert text_of(doc.select_one("h1 .filename")) == "plaque.svg" and doc.select_one("#job")["data-state"] == "submitted"
    assert any("Fichier reçu" in t for t in flashes(doc))


def test_the_process_follows_the_file_type_and_a_long_name_is_kept(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    """The form's default is "from the file type": an STL goes to a printer (not the CNC that
    sorts first), a drawing to the laser; a 230-character name keeps its extension, and pages
    show it shortened in the middle, the whole name in its title."""
    login(accounts["member"])
    form = page(client.get("/upload").get_data(as_text=True)).select_one("select#process")
    assert form.select("option")[0]["value"] == "" and text_of(form.select("option")[0]) == "Selon le type de fichier"
    long_name = "piece-de-rechange-" + "tres-longue-" * 17 + "v2.stl"
    made = {}
    for name, data in ((long_name, b"solid x\nendsolid x\n"), ("plaque.svg", SVG)):
        r = _post_upload(client, data=data, name=name, process="")
        assert r.status_code == 302, name
        made[name] = int(r.location.rsplit("/", 1)[1])
    with fablab_env.session() as s:
        stl, svg = s.get(Job, made[long_name]), s.get(Job, made["plaque.svg"])
        assert (stl.process, svg.process) == ("fdm", "laser")
        assert stl.filename.endswith(".stl") and stl.filename.startswith("piece-de-rechange-") and len(stl.filename) == 200
    listed = page(client.get("/jobs").get_data(as_text=True)).select_one(f'a[href="/jobs/{made[long_name]}"][title]')
    assert listed["title"] == stl.filename and text_of(listed).endswith(".stl") and "…" in text_of(listed)
    assert len(text_of(listed)) <= 48


def test_hostile_file_name_is_only_a_label(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = _post_upload(client, name="../../etc/passwd<img src=x onerror=alert(1)>.svg")
    assert r.status_code == 302
    job_id = int(r.location.rsplit("/", 1)[1])
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert job.filename == "passwd<img src=x onerror=alert(1)>.svg"
        stored = fablab_env.store.path(job.file_sha256)
    assert stored.is_relative_to(fablab_env.settings.files_dir) and stored.read_bytes() == SVG
    doc = page(client.get(r.location).get_data(as_text=True))
    assert not doc.select('img[src="x"]') and not doc.select("[onerror]")  # the name made no element
    assert text_of(doc.select_one("h1 .filename")) == "passwd<img src=x onerror=alert(1)>.svg"  # shown as text


@pytest.mark.parametrize("fields,name,needle", [
    ({"process": "fdm"}, "a.svg", "ne peut pas être fabriqué avec le procédé « Impression 3D (FDM) »"),
    ({}, "a.exe", "seuls les fichiers STL, DXF et SVG"),
    ({"material": "Titane"}, "a.svg", "ne propose le matériau « Titane »"),
])
def test_upload_refusals_are_explained_on_the_page(client, accounts, login, fields, name, needle) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = _post_upload(client, name=name, **fields)
    assert r.status_code == 400 and any(needle in t for t in page_texts(r.get_data(as_text=True)))


def test_upload_without_file_or_over_the_limit(client, accounts, login, monkeypatch) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = client.post("/upload", data={"csrf_token": page_token(client), "process": "laser"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and any("Choisissez un fichier" in t for t in flashes(page(r.get_data(as_text=True))))
    monkeypatch.setenv("FABLAB_MAX_UPLOAD_MB", "0.01")
    r = _post_upload(client, data=b"<svg>" + b" " * 20000 + b"</svg>")
    assert r.status_code == 413
    assert "Fichier plus gros que la limite de 0 Mo" in text_of(page(r.get_data(as_text=True)).select_one("main"))


def test_upload_without_csrf_token_is_refused(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = client.post("/upload", data={"process": "laser", "file": (io.BytesIO(SVG), "a.svg")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "formulaire a expiré" in text_of(page(r.get_data(as_text=True)))  # a plain answer
    with fablab_env.session() as s:
        assert s.query(Job).count() == 0


def test_my_jobs_lists_only_mine_with_badges_and_progress(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    mine = make_job(fablab_env, "member", "running")
    theirs = make_job(fablab_env, "trainee", "pending_review", name="secret-of-trainee.svg")
    login(accounts["member"])
    doc = page(client.get("/jobs").get_data(as_text=True))
    row = doc.select_one(f"table.jobs tr#job-{mine}")
    assert row and doc.select_one(f"#job-{theirs}") is None
    assert "secret-of-trainee" not in " ".join(page_texts(str(doc)))
    assert not doc.select('[href*="secret-of-trainee"], [title*="secret-of-trainee"]')
    assert text_of(row.select_one(".badge.state-running")) == "en cours" and row.select_one(".progress")
    assert job_state(fablab_env, mine) == "running"


def test_pages_need_login(client) -> None:  # noqa: ANN001
    for path in ("/jobs", "/upload", "/queue", "/machines", "/trainer", "/jobs/1"):
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.location


def test_login_next_is_kept_on_site(client, accounts) -> None:  # noqa: ANN001
    from web_helpers import csrf_of

    token = csrf_of(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=//evil.example/x", data={"username": "member", "password": "member-pw",
                                                           "csrf_token": token})
    assert r.status_code == 302 and "evil" not in r.location
    r = client.post("/login", data={"username": "member", "password": "wrong", "csrf_token": token})
    assert r.status_code == 200 and "incorrect" in text_of(page(r.get_data(as_text=True)).select_one("main"))


def test_a_session_not_joined_is_refused_with_a_message(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    login(accounts["member"])
    r = _post_upload(client, session="1")
    assert r.status_code == 400 and "Vous n'avez pas rejoint cette session." in flashes(page(r.get_data(as_text=True)))
    with fablab_env.session() as s:
        assert s.query(Job).count() == 0


def test_refusals_stay_in_english_for_english_pages(client, accounts, login) -> None:  # noqa: ANN001
    login(accounts["member"])
    client.post("/lang", data={"lang": "en", "csrf_token": page_token(client)})
    r = _post_upload(client, name="a.exe")
    assert r.status_code == 400 and "“a.exe”: only STL, DXF and SVG files are accepted." in page_texts(r.get_data(as_text=True))
