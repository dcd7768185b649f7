"""Typed contracts (issue 9 item 2): stored results are read through the pydantic models, old
or odd records stay readable, and the API sends exactly what the OpenAPI document says."""

from __future__ import annotations

import pytest
from web_helpers import ANALYSIS, make_job

from jobqueue.contracts.results import AnalysisResult, Issue, ProgressEvent, Quote, lenient
from jobqueue.models import Job

ODD = {
    "valid": True,
    "issues": [
        "a sentence stored as a bare string by a very old analysis",
        {"code": "open_edges", "severity": "fatal", "message": "texte seul", "location": [1.0, 2.0, 3.0]},
        {"code": "thin_wall", "severity": "warning", "params": {"min_mm": 0.4}, "location": {"x": 1}},
    ],
    "metrics": {"volume_mm3": 1234.5},
    "quotes": [ANALYSIS["quotes"][0], {"machine": "laser-1", "seconds": "soon", "terms": "none"}],
    "trace": "kept, unknown to the contract",
}


def test_lenient_reading_keeps_what_it_can() -> None:
    result = lenient(AnalysisResult, ODD)
    assert [i.code for i in result.issues] == ["open_edges", "thin_wall"]
    assert result.issues[0].severity == "info" and result.issues[0].message.fr == "texte seul"
    assert result.issues[1].params == {"min_mm": 0.4}
    assert [q.machine for q in result.quotes] == ["laser-1"]  # the unreadable quote is left out
    assert result.quotes[0].total_for("training") == 0.78 and result.quotes[0].total_for("nobody") == 1.55
    assert result.model_extra == {"trace": "kept, unknown to the contract"}
    assert lenient(AnalysisResult, None) == AnalysisResult() and lenient(Quote, "x") == Quote()
    assert ProgressEvent(percent=180).percent == 100.0 and Issue().code == "unknown"


@pytest.mark.both_engines
def test_odd_stored_analysis_still_shows(client, accounts, fablab_env, login) -> None:  # noqa: ANN001
    job_id = make_job(fablab_env, "member", "pending_review", analysis=ODD)
    r = client.get(f"/api/v1/jobs/{job_id}", headers=accounts["member"].headers)
    assert r.status_code == 200
    assert [i["code"] for i in r.json["issues"]] == ["open_edges", "thin_wall"]
    assert r.json["quotes"][0]["seconds"] == 95.0
    login(accounts["member"])
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    login(accounts["fabmanager"])
    assert client.get("/queue").status_code == 200
    with fablab_env.session() as s:
        assert s.get(Job, job_id).analysis == ODD  # reading never rewrites what was stored


def test_document_is_generated_from_the_contracts(client) -> None:  # noqa: ANN001
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    assert schemas["ApproveIn"]["properties"]["machine"]["anyOf"][0]["maxLength"] == 40
    assert schemas["RejectIn"]["properties"]["reason"]["maxLength"] == 2000
    assert schemas["RetryIn"]["properties"]["from_line"]["anyOf"][0]["maximum"] == 2**31 - 1
    assert {"code", "severity", "params", "location"} <= set(schemas["Issue"]["properties"])
    approve = doc["paths"]["/api/v1/jobs/{job_id}/approve"]["post"]
    assert approve["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ApproveIn")
    assert {"200", "400", "401", "403", "404", "409"} <= set(approve["responses"])
    assert doc["paths"]["/api/v1/tokens"]["post"]["responses"]["201"]
