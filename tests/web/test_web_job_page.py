"""The job page: analysis issues first with their hints, quotes with one line per term, the
program section, history, controls only for who may use them, and previews served safely."""

from __future__ import annotations

from web_helpers import job_state, make_job, page, page_texts, page_token, text_of

from jobqueue import live
from jobqueue.models import Job


def test_job_page_explains_the_analysis_for_a_beginner(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["member"])
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "Fichier utilisable" in text_of(doc.select_one("#analysis"))
    assert "en attente de validation" in text_of(doc.select_one("#job .badge"))
    # issues, warnings before infos, each with its hint, where it is, and the rest behind the toggle
    issues = doc.select("#analysis li.issue")
    assert [i["data-code"] for i in issues] == ["open_contour", "text_not_outlined"]
    first = issues[0]
    assert text_of(first.select_one(".issue-head strong")) == "Un contour n'est pas fermé (écart 0,3 mm)."
    assert text_of(first.select_one(".hint")) == "Que faire\u00a0: Joignez les extrémités dans votre logiciel de dessin."
    assert text_of(first.select_one("p.where")) == "Où\u00a0: x 12,5 mm, y 40 mm dans les coordonnées du fichier"
    assert "élément : path3" in text_of(first.select_one("details.technical"))
    # metrics with their units, quotes with one explanation line per term and the owner's tier total
    figures = {text_of(r.th): text_of(r.td) for r in doc.select("#analysis table.kv tr")}
    assert figures["Longueur des découpes"].replace("\u202f", "") == "180 mm" and "50 × 40 × 0 mm" in figures.values()
    quote = doc.select("#quotes table.quote")[0]
    why = [text_of(td) for td in quote.select("tbody td.why")]
    assert why[:2] == ["0,002 m² à 12 €/m²", "1 min 35 s à 20 €/h"]  # an older stored quote keeps its text
    total = quote.select_one("tfoot")
    assert "(Adhérent)" in text_of(total.th) and text_of(total.select_one(".total")) == "1,55\u00a0€"
    assert text_of(total.select_one(".why")) == "sous-total × 1 (tarif Adhérent)"
    assert "Ne rentre pas" in text_of(doc.select("#quotes table.quote")[1].parent)  # the machine it does not fit last
    # history: who, from, to, why
    history = [[text_of(td) for td in tr.select("td")] for tr in doc.select("#history table.history tbody tr")]
    assert history[0][1:] == ["member", "∅ → déposé", "fichier déposé"] and history[1][1] == "test", history
    assert doc.select_one(f'form[action="/jobs/{job_id}/control"]') is not None  # the owner may cancel first
    assert doc.select_one('[data-command="pause"]') is None


def test_job_page_in_english_with_program_section(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    login(accounts["member"])
    client.post("/lang", data={"lang": "en", "csrf_token": page_token(client), "next": f"/jobs/{job_id}"})
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert doc.html["lang"] == "en"
    issue = text_of(doc.select_one('#analysis li.issue[data-code="open_contour"]'))
    assert "A contour is not closed" in issue and "Join the end points" in issue
    assert text_of(doc.select_one("#program h2")) == "Machine program"
    assert kv(doc, "#program", "Format") == "gcode" and kv(doc, "#program", "Estimated time") == "2 min 00 s"
    assert doc.select_one("#program img#program-preview")["src"] == f"/jobs/{job_id}/preview/program"
    quote = doc.select_one("#quotes table.quote")
    assert "0.002 m² at €12/m²" in [text_of(td) for td in quote.select("td.why")]
    assert text_of(quote.select_one("td.total")) == "€1.55"


def test_invalid_job_shows_reason_and_verdict(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "invalid")
    login(accounts["member"])
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "Fichier inutilisable" in text_of(doc.select_one("#analysis h2"))
    assert "test invalid" in text_of(doc.select_one("#job #reason")) and doc.select_one("#job")["data-live"] == "0"
    assert not control_forms(doc)  # nothing to do on a final state


def test_members_do_not_see_others_jobs_or_previews(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    login(accounts["trainee"])
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/preview/program", f"/jobs/{job_id}/preview/analysis"):
        assert client.get(path).status_code == 404, path
    r = client.post(f"/jobs/{job_id}/control", data={"command": "cancel", "csrf_token": page_token(client)})
    assert r.status_code == 404 and job_state(fablab_env, job_id) == "ready"
    assert client.get("/jobs/99999").status_code == 404


def test_member_cannot_approve_reject_or_control(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    running = make_job(fablab_env, "member", "running")
    login(accounts["member"])
    token = page_token(client)
    assert client.get("/queue").status_code == 403 and client.get("/trainer").status_code == 403
    r = client.post(f"/queue/{job_id}/approve", data={"machine": "laser-1", "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"/queue/{job_id}/reject", data={"reason": "no", "csrf_token": token})
    assert r.status_code == 403
    r = client.post("/trainer/sessions/1/approve", data={"process": "laser", "target": "machine:laser-1", "csrf_token": token})
    assert r.status_code == 403
    r = client.post(f"/jobs/{running}/control", data={"command": "pause", "csrf_token": token})
    assert r.status_code == 403
    assert (job_state(fablab_env, job_id), job_state(fablab_env, running)) == ("pending_review", "running")
    doc = page(client.get(f"/jobs/{running}").get_data(as_text=True))
    assert not control_forms(doc) and "Valider" not in page_texts_of(doc)
    assert "Valider" not in page_texts_of(page(client.get("/jobs").get_data(as_text=True)))


def test_owner_cancels_own_job_before_approval(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["member"])
    r = client.post(f"/jobs/{job_id}/control", data={"command": "cancel", "csrf_token": page_token(client)})
    assert r.status_code == 302 and job_state(fablab_env, job_id) == "cancelled"


def test_fabmanager_controls_reach_the_machine_loop(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    failed = make_job(fablab_env, "member", "failed")  # first: one job at a time runs on laser-1
    running = make_job(fablab_env, "member", "running")
    login(accounts["fabmanager"])
    doc = page(client.get(f"/jobs/{running}").get_data(as_text=True))
    assert doc.select_one('#job form[action$="/control"] button[data-command="pause"]')
    assert doc.select_one('#job form[action$="/control"] [data-command="cancel"]')
    token = page_token(client)
    assert client.post(f"/jobs/{running}/control", data={"command": "pause", "csrf_token": token}).status_code == 302
    assert live.next_control(fablab_env.redis(), running, timeout=1) == ("pause", "fabmanager")
    # resume of a running job is refused with the reason, nothing sent
    r = client.post(f"/jobs/{running}/control", data={"command": "resume", "csrf_token": token},
                    follow_redirects=True)
    assert f"Le travail {running} est en cours : la commande « Reprendre » est impossible." in page_texts(r.get_data(as_text=True))
    assert live.next_control(fablab_env.redis(), running, timeout=0.1) is None
    # retry from a checkpoint: back to ready, from the given line
    assert page(client.get(f"/jobs/{failed}").get_data(as_text=True)).select_one(
        '#job form[action$="/control"] button[data-command="retry"]')
    r = client.post(f"/jobs/{failed}/control", data={"command": "retry", "from_line": "40", "csrf_token": token})
    assert r.status_code == 302 and job_state(fablab_env, failed) == "ready"
    with fablab_env.session() as s:
        assert s.get(Job, failed).lines_acked == 40
    r = client.post(f"/jobs/{running}/control", data={"command": "explode", "csrf_token": token})
    assert r.status_code == 400


def test_control_without_csrf_is_refused(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    running = make_job(fablab_env, "member", "running")
    login(accounts["fabmanager"])
    r = client.post(f"/jobs/{running}/control", data={"command": "cancel"})
    assert r.status_code == 400 and "formulaire a expiré" in text_of(page(r.get_data(as_text=True)))  # a plain answer
    assert live.next_control(fablab_env.redis(), running, timeout=0.1) is None


def test_program_preview_is_served_as_a_locked_down_image(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        job.program_info = {**job.program_info, "preview_sha256": fablab_env.store.put_bytes(hostile)}
    login(accounts["member"])
    r = client.get(f"/jobs/{job_id}/preview/program")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "script-src" not in csp
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert doc.select_one("img#program-preview")["src"] == f"/jobs/{job_id}/preview/program"
    assert not doc.select("svg") and not doc.find_all(string=lambda t: "alert(2)" in t)  # never inlined
    assert not any("alert" in str(v) for tag in doc.find_all(True) for v in tag.attrs.values())


def test_analysis_preview_absent_is_a_clean_404(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "submitted")
    login(accounts["member"])
    assert client.get(f"/jobs/{job_id}/preview/analysis").status_code == 404
    assert client.get(f"/jobs/{job_id}/preview/program").status_code == 404


def test_odd_analysis_results_still_render(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    odd = {"valid": False, "metrics": [1, 2], "quotes": {"x": 1}, "trace": "Traceback (most recent call last)",
           "issues": [None, "plain text", {"code": ["x"], "severity": "weird", "message": ["?"], "hint": "a str hint",
                                           "location": {"faces": list(range(100)), "nan": float("nan")}}]}
    job_id = make_job(fablab_env, "trainee", "invalid", analysis=odd, session_label="S")
    login(accounts["fabmanager"])
    for path in (f"/jobs/{job_id}", "/jobs?all=1", "/queue"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "Traceback" not in page_texts_of(page(r.get_data(as_text=True)))
    html = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    issue = page(html).select_one("li.issue")
    assert "a str hint" in text_of(issue) and "faces : 0, 1, 2, 3, 4, 5, … (100)" in text_of(issue.select_one(".technical"))


def test_fabmanager_reviews_from_the_job_page(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["fabmanager"])
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert doc.select_one(f'#job form.approve[action="/queue/{job_id}/approve"] button[type="submit"]')
    assert doc.select_one(f'#job form.reject[action="/queue/{job_id}/reject"] input[name="reason"]')
    r = client.post(f"/queue/{job_id}/reject", data={"reason": "Fichier à refaire", "next": f"/jobs/{job_id}",
                                                     "csrf_token": page_token(client)})
    assert r.status_code == 302 and r.location == f"/jobs/{job_id}"
    assert job_state(fablab_env, job_id) == "rejected"


def test_program_section_shows_the_model_the_upload_guess_and_the_machine_correction(
        client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "ready")
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        job.program_info = {**job.program_info, "model_seconds": 100.0, "preslice_seconds": 150.0,
                            "calibration": {"factor": 1.2, "runs": 5, "error_pct": 3.5}}
    login(accounts["member"])
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    model = kv(doc, "#program", "Modèle du firmware (brut)")
    assert model.startswith("1 min 40 s")
    assert "correction de la machine ×1,2 apprise sur 5 travaux, écart restant 3,5 %" in model
    assert kv(doc, "#program", "Estimation au dépôt (avant préparation)") == "2 min 30 s"


def kv(doc, section: str, label: str) -> str:  # noqa: ANN001 - a parsed page
    """The value a key-value table of `section` shows next to `label` ('' when no such row)."""
    for row in doc.select(f"{section} table.kv tr"):
        if text_of(row.select_one("th")) == label:
            return text_of(row.select_one("td"))
    return ""


def control_forms(doc) -> list:  # noqa: ANN001 - a parsed page
    """The forms (or links) that would send a command to the job."""
    return doc.select('[action*="/control"], [href*="/control"], [formaction*="/control"]')


def page_texts_of(doc) -> str:  # noqa: ANN001 - a parsed page
    """Everything a reader sees on the page (text and labelling attributes), one string."""
    return " ".join(page_texts(str(doc)))
