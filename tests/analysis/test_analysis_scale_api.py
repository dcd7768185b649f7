"""The unit chosen at upload (issue 12, item 4): the API's `scale` reaches the analysis and prepare."""

from __future__ import annotations

import io

from test_analysis_dxf_quirks import headerless_square


def test_scale_given_at_upload_is_used_by_the_analysis(client, accounts, fablab_env) -> None:  # noqa: ANN001
    from jobqueue.models import Job
    from jobqueue.tasks import analyse_job

    fields = {"file": (io.BytesIO(headerless_square().encode()), "square.dxf"), "process": "cnc", "scale": "10"}
    r = client.post("/api/v1/jobs", headers=accounts["member"].headers, data=fields)
    assert r.status_code == 201, r.json
    analyse_job(r.json["id"])
    with fablab_env.session() as s:
        job = s.get(Job, r.json["id"])
        assert job.options == {"scale": 10.0}
        assert job.analysis["metrics"]["bbox_mm"] == [400.0, 400.0]
        assert "units_unconfirmed" not in {i["code"] for i in job.analysis["issues"]}
    bad = client.post("/api/v1/jobs", headers=accounts["member"].headers,
                      data={"file": (io.BytesIO(b"x"), "a.dxf"), "process": "cnc", "scale": "-2"})
    assert bad.status_code == 400


def test_the_unit_chosen_after_the_analysis_runs_it_again_and_unblocks_approval(client, accounts, fablab_env) -> None:  # noqa: ANN001
    """Upload without a unit: pending_review but not usable, approval refused with the reason;
    the owner picks centimetres (POST /jobs/{id}/scale): history says so, analysed again at that size."""
    from jobqueue.models import Job
    from jobqueue.tasks import analyse_job

    member, fab = accounts["member"].headers, accounts["fabmanager"].headers
    fields = {"file": (io.BytesIO(headerless_square().encode()), "square.dxf"), "process": "cnc"}
    job_id = client.post("/api/v1/jobs", headers=member, data=fields).json["id"]
    analyse_job(job_id)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=member).json
    assert job["state"] == "pending_review" and job["valid"] and not job["usable"]
    assert job["units"]["pending"] and [c["unit"] for c in job["units"]["choices"]] == ["mm", "cm", "in"]
    refused = client.post(f"/api/v1/jobs/{job_id}/approve", headers=fab, json={"machine": "cnc-1"})
    assert (refused.status_code, refused.json["code"]) == (400, "unit_question_pending")
    assert client.post(f"/api/v1/jobs/{job_id}/scale", headers=member, json={"unit": "yd"}).json["code"] == "unit_unknown"
    assert client.post(f"/api/v1/jobs/{job_id}/scale", headers=member, json={}).status_code == 400
    chosen = client.post(f"/api/v1/jobs/{job_id}/scale", headers=member, json={"unit": "cm"})
    assert chosen.status_code == 202 and chosen.json["state"] == "submitted"
    assert chosen.json["history"][-1]["reason"] == "unit cm"
    analyse_job(job_id)
    job = client.get(f"/api/v1/jobs/{job_id}", headers=member).json
    assert job["usable"] and job["units"]["chosen"] == "cm" and job["metrics"]["bbox_mm"] == [400.0, 400.0]
    ok = client.post(f"/api/v1/jobs/{job_id}/approve", headers=fab, json={"machine": "cnc-1"})
    assert ok.status_code == 200, ok.json
    with fablab_env.session() as s:
        assert s.get(Job, job_id).options["scale"] == 10.0  # what prepare reads
    spec_doc = client.get("/api/v1/openapi.json").json
    assert "/api/v1/jobs/{job_id}/scale" in spec_doc["paths"]
