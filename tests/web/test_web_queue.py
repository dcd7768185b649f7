"""The fabmanager's queue: review rows, approve onto a compatible machine, reject with a reason,
and the machines page (workshop sessions: test_web_trainer.py)."""

from __future__ import annotations

import os

import pytest
from web_helpers import flashes, job_state, make_job, page, page_texts, page_token, text_of

from jobqueue import heartbeat, live, queues
from jobqueue.models import Job


@pytest.mark.both_engines
def test_queue_lists_pending_jobs_with_validity_issues_and_quote(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review", session_label="Atelier 1")
    stl = make_job(fablab_env, "member", "pending_review", name="cube.stl", data=b"solid x\nendsolid x\n",
                   process="fdm")
    login(accounts["fabmanager"])
    doc = page(client.get("/queue").get_data(as_text=True))
    review = doc.select_one(f"#review-{job_id}")
    assert review is not None and doc.select_one(f"#review-{stl}") is not None
    machines = [o["value"] for o in review.select("select[name=machine] option")]
    assert "laser-1" in machines and "prusa-mk3" not in machines  # compatible machines (and groups) only
    assert review.select_one("select[name=material] option[selected]")["value"] == "Contreplaqué peuplier 3 mm"
    assert text_of(review.select_one(".quote-total")) == "1,55\u00a0€"
    assert text_of(review.select_one(".sev-warning")) == "1" and "Atelier 1" in text_of(review)
    stl_machines = [o["value"] for o in doc.select(f"#review-{stl} select[name=machine] option")]
    assert {"prusa-mk3", "ender-3"} <= set(stl_machines)
    assert doc.select_one("#batch") is None  # batches are per session and process now


def test_the_quote_shown_is_the_preselected_machine_s(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    """Two printers, two prices: the one preselected in the select is the one whose price is
    shown, and each option carries its own price (never one machine's price beside another)."""
    quotes = [{"machine": m, "machine_name": name, "material": "PLA", "kind": "fdm", "seconds": 600.0,
               "fits": True, "currency": "EUR", "terms": [], "subtotal": total, "totals": {"member": total}}
              for m, name, total in (("prusa-mk3", "Prusa MK3S", 4.2), ("ender-3", "Creality Ender-3", 2.9))]
    analysis = {"valid": True, "issues": [], "metrics": {"volume_mm3": 8000.0}, "quotes": quotes}
    job_id = make_job(fablab_env, "member", "pending_review", name="cube.stl", data=b"solid x\nendsolid x\n",
                      process="fdm", analysis=analysis)
    login(accounts["fabmanager"])
    for url in ("/queue", f"/jobs/{job_id}"):
        doc = page(client.get(url).get_data(as_text=True))
        form = doc.select_one(f"#review-{job_id}") if url == "/queue" else doc.select_one(".controls.review")
        chosen = form.select_one("select[name=machine] option[selected]")
        assert chosen["value"] == "ender-3", url  # the cheapest printer the part fits
        options = {o["value"]: text_of(o) for o in form.select("select[name=machine] option")}
        assert options["ender-3"].endswith("2,90\u00a0€") and options["prusa-mk3"].endswith("4,20\u00a0€"), options
    queue = page(client.get("/queue").get_data(as_text=True)).select_one(f"#review-{job_id}")
    assert "Devis pour Creality Ender-3" in text_of(queue) and text_of(queue.select_one(".quote-total")) == "2,90\u00a0€"


@pytest.mark.both_engines
def test_approve_from_the_queue_queues_prepare(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["fabmanager"])
    r = client.post(f"/queue/{job_id}/approve", data={"machine": "laser-1", "material": "MDF 6 mm",
                                                     "csrf_token": page_token(client, "/queue")},
                    follow_redirects=True)
    assert r.status_code == 200 and f"Travail {job_id} validé pour laser-1." in flashes(page(r.get_data(as_text=True)))
    with fablab_env.session() as s:
        job = s.get(Job, job_id)
        assert (job.state, job.machine_id, job.material) == ("preparing", "laser-1", "MDF 6 mm")
        assert job.events[-1].actor == "fabmanager"
    funcs = [j.func_name for j in queues.analysis_queue(fablab_env.redis()).jobs]
    assert funcs[-1] == "jobqueue.tasks.prepare_job"


def test_approve_refusals_are_shown_and_change_nothing(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["fabmanager"])
    token = page_token(client, "/queue")
    for machine, needle in (("prusa-mk3", "La machine « prusa-mk3 » sert à : Impression 3D (FDM) ; ce travail demande : Découpe laser"), ("nope", "Pas de machine « nope »")):
        r = client.post(f"/queue/{job_id}/approve", data={"machine": machine, "csrf_token": token},
                        follow_redirects=True)
        assert any(needle in t for t in flashes(page(r.get_data(as_text=True))))
    r = client.post(f"/queue/{job_id}/approve", data={"machine": "laser-1", "material": "PLA", "csrf_token": token},
                    follow_redirects=True)
    assert any("n'a pas le matériau « PLA »" in t for t in flashes(page(r.get_data(as_text=True))))
    assert job_state(fablab_env, job_id) == "pending_review"
    done = make_job(fablab_env, "member", "completed")
    r = client.post(f"/queue/{done}/approve", data={"machine": "laser-1", "csrf_token": token}, follow_redirects=True)
    assert any("impossible de passer de « terminé »" in t for t in flashes(page(r.get_data(as_text=True))))
    assert client.post("/queue/9999/approve", data={"machine": "laser-1", "csrf_token": token}).status_code == 404


def test_reject_needs_a_reason(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review")
    login(accounts["fabmanager"])
    token = page_token(client, "/queue")
    r = client.post(f"/queue/{job_id}/reject", data={"reason": "   ", "csrf_token": token}, follow_redirects=True)
    assert any("Un motif est nécessaire" in t for t in flashes(page(r.get_data(as_text=True))))
    assert job_state(fablab_env, job_id) == "pending_review"
    r = client.post(f"/queue/{job_id}/reject", data={"reason": "Trop grand pour la machine", "csrf_token": token})
    assert r.status_code == 302 and job_state(fablab_env, job_id) == "rejected"
    login(accounts["member"])
    doc = page(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert text_of(doc.select_one("#job #reason")) == "Trop grand pour la machine"
    assert text_of(doc.select_one("#job .badge")) == "refusé"


def test_machines_page_shows_state_current_job_and_controls(client, accounts, login, fablab_env) -> None:  # noqa: ANN001
    running = make_job(fablab_env, "member", "running")
    conn = fablab_env.redis()
    # a live runner for it (another process of this host), however slow this page is under load:
    # without a heartbeat the control below would find nobody running the job and end it
    heartbeat.beat(conn, running, pid=os.getppid())
    live.set_machine_status(conn, "laser-1", "running", running)
    live.publish_progress(conn, running, {"lines_acked": 25, "lines_total": 100, "percent": 25.0,
                                          "state": "running", "eta_seconds": 90})
    login(accounts["fabmanager"])
    doc = page(client.get("/machines").get_data(as_text=True))
    laser = doc.select_one("#machine-laser-1")
    assert f"#{running} plaque.svg" in text_of(laser) and "1 min 30 s" in text_of(laser)
    assert any("width: 25.0%" in (bar.get("style") or "") for bar in laser.select("[style]"))
    assert laser.select_one(".btn-pause") is not None and laser.select_one('input[value="/machines"]') is not None
    assert doc.select_one("#machine-prusa-mk3") is not None and "hors ligne" in text_of(doc)
    assert "Durées : pas encore de correction (0/3 travaux terminés)" in text_of(doc)
    r = client.post(f"/jobs/{running}/control", data={"command": "pause", "back": "/machines",
                                                      "csrf_token": page_token(client, "/machines")})
    assert r.status_code == 302 and r.location == "/machines"
    login(accounts["trainee"])
    doc = page(client.get("/machines").get_data(as_text=True))
    laser = doc.select_one("#machine-laser-1")
    assert f"#{running}" in text_of(laser) and "plaque.svg" not in " ".join(page_texts(str(laser)))
    assert not doc.select(".btn-pause, [data-command=pause]") and "Durées" not in text_of(doc)
