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
