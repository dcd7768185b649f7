"""The OpenAPI 3 description of the JSON API, served at /api/v1/openapi.json.

Hand-written so it reads as documentation; `tests/web/test_web_openapi.py` checks that every
route of the `api` blueprint is described here and nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

openapi = Blueprint("openapi", __name__)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "The request is not valid; `error` says why."),
    "401": _json(_ref("Error"), "No valid token or session."),
    "403": _json(_ref("Error"), "Not allowed for this user (or a session call without X-CSRFToken)."),
    "404": _json(_ref("Error"), "No such job, or not one of the caller's jobs."),
}
JOB_ID = {"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
LOCALISED = {"type": "object", "properties": {"fr": {"type": "string"}, "en": {"type": "string"}}}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Issue": {
        "type": "object", "required": ["code", "severity"],
        "properties": {
            "code": {"type": "string", "example": "open_edges"},
            "severity": {"type": "string", "enum": ["error", "warning", "info"]},
            "message": LOCALISED, "hint": LOCALISED,
            "location": {"description": "coordinates, face indices, DXF handle and layer, or SVG element id",
                         "nullable": True},
        },
    },
    "Quote": {"type": "object", "additionalProperties": True,
              "description": "one compatible machine and material: time, each cost term with its explanation, "
                             "and totals per pricing tier"},
    "Progress": {
        "type": "object",
        "properties": {
            "lines_acked": {"type": "integer"}, "lines_total": {"type": "integer"},
            "percent": {"type": "number", "minimum": 0, "maximum": 100},
            "eta_seconds": {"type": "number"}, "state": {"type": "string"},
            "firmware_state": {"type": "string"},
        },
    },
    "Program": {
        "type": "object", "nullable": True,
        "properties": {
            "lines": {"type": "integer"}, "format": {"type": "string", "example": "gcode"},
            "issues": {"type": "array", "items": _ref("Issue")}, "metrics": {"type": "object"},
            "estimated_seconds": {"type": "number", "nullable": True},
        },
    },
    "HistoryEntry": {
        "type": "object",
        "properties": {"at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"},
                       "from": {"type": "string", "nullable": True}, "to": {"type": "string"},
                       "reason": {"type": "string", "nullable": True}},
    },
    "Job": {
        "type": "object",
        "required": ["id", "state", "filename", "process"],
        "properties": {
            "id": {"type": "integer"}, "filename": {"type": "string", "description": "the user's file name, a label"},
            "owner": {"type": "string"}, "process": {"type": "string", "enum": ["fdm", "laser", "cnc", "vinyl"]},
            "material": {"type": "string", "nullable": True}, "machine": {"type": "string", "nullable": True},
            "state": {"type": "string", "enum": [
                "submitted", "analysing", "invalid", "pending_review", "rejected", "preparing", "ready",
                "running", "paused", "completed", "failed", "cancelled"]},
            "reason": {"type": "string", "nullable": True},
            "valid": {"type": "boolean", "nullable": True},
            "issues": {"type": "array", "items": _ref("Issue")},
            "metrics": {"type": "object", "description": "names carry their unit: volume_mm3, bbox_mm, cut_length_mm"},
            "quotes": {"type": "array", "items": _ref("Quote")},
            "program": _ref("Program"), "progress": _ref("Progress"),
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": "string", "format": "date-time", "nullable": True},
            "finished_at": {"type": "string", "format": "date-time", "nullable": True},
            "history": {"type": "array", "items": _ref("HistoryEntry")},
        },
    },
    "Machine": {
        "type": "object",
        "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["fdm", "laser", "cnc", "vinyl"]}, "driver": {"type": "string"},
            "state": {"type": "string", "example": "idle"},
            "current_job": {"type": "integer", "nullable": True},
            "materials": {"type": "array", "items": {"type": "string"}},
            "work_area_mm": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
        },
    },
}


def _control(summary: str, description: str) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "description": description, "parameters": [JOB_ID],
        "responses": {"202": _json(_ref("Job"), "Accepted; a running job changes state when the machine obeys."),
                      "409": _json(_ref("Error"), "Not allowed from the job's current state."), **ERRORS},
    }}


PATHS: dict[str, Any] = {
    "/jobs": {
        "post": {
            "summary": "Upload a file and submit a job",
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file", "process"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "STL, DXF or SVG"},
                    "process": {"type": "string", "enum": ["fdm", "laser", "cnc", "vinyl"]},
                    "material": {"type": "string", "description": "defaults to the process's first material"},
                    "session": {"type": "string", "maxLength": 64, "description": "workshop session label"},
                }}}}},
            "responses": {"201": _json(_ref("Job"), "The job, state `submitted`; analysis is queued."),
                          "413": _json(_ref("Error"), "The file is over the upload limit."), **ERRORS},
        },
        "get": {
            "summary": "List jobs (the caller's own; all of them for the fabmanager)",
            "parameters": [{"name": "state", "in": "query", "schema": {"type": "string"}},
                           {"name": "mine", "in": "query", "schema": {"type": "string"},
                            "description": "any value: only the caller's jobs, even for the fabmanager"}],
            "responses": {"200": _json({"type": "object", "properties": {
                "jobs": {"type": "array", "items": _ref("Job")}}}, "Up to 200 jobs, newest first."), **ERRORS},
        },
    },
    "/jobs/{job_id}": {"get": {
        "summary": "One job: state, issues, metrics, quotes, program, progress, history",
        "parameters": [JOB_ID], "responses": {"200": _json(_ref("Job"), "The job."), **ERRORS},
    }},
    "/jobs/{job_id}/approve": {"post": {
        "summary": "Approve a job waiting for review onto a machine (fabmanager)",
        "parameters": [JOB_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["machine"],
            "properties": {"machine": {"type": "string"}, "material": {"type": "string"},
                           "options": {"type": "object"}}}}}},
        "responses": {"200": _json(_ref("Job"), "The job, now `preparing`."),
                      "409": _json(_ref("Error"), "The job is not waiting for review."), **ERRORS},
    }},
    "/jobs/{job_id}/reject": {"post": {
        "summary": "Reject a job with a reason (fabmanager)",
        "parameters": [JOB_ID],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 1}}}}}},
        "responses": {"200": _json(_ref("Job"), "The job, now `rejected`."),
                      "409": _json(_ref("Error"), "The job is not waiting for review."), **ERRORS},
    }},
    "/jobs/{job_id}/pause": _control("Pause a running job (fabmanager)", "Feed hold on the machine."),
    "/jobs/{job_id}/resume": _control("Resume a paused job (fabmanager)", "Cycle start on the machine."),
    "/jobs/{job_id}/cancel": _control(
        "Cancel a job", "The fabmanager cancels any job; a user cancels their own before approval. "
                        "A running job is stopped with the machine left safe."),
    "/jobs/{job_id}/retry": {"post": {
        "summary": "Put a failed or cancelled job back in its machine's queue from its checkpoint (fabmanager)",
        "parameters": [JOB_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"from_line": {"type": "integer", "minimum": 0}}}}}},
        "responses": {"202": _json(_ref("Job"), "The job, now `ready`."),
                      "409": _json(_ref("Error"), "The job is neither failed nor cancelled."), **ERRORS},
    }},
    "/jobs/{job_id}/events": {"get": {
        "summary": "Live progress as Server-Sent Events",
        "description": "Each `data:` line is a Progress JSON object; the stream ends when the job finishes. "
                       "Comment lines keep the connection alive.",
        "parameters": [JOB_ID],
        "responses": {"200": {"description": "An event stream.",
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}}, **ERRORS},
    }},
    "/machines": {"get": {
        "summary": "The machines: kind, state, current job",
        "responses": {"200": _json({"type": "object", "properties": {
            "machines": {"type": "array", "items": _ref("Machine")}}}, "Every machine of machines.yaml."), **ERRORS},
    }},
    "/openapi.json": {"get": {
        "summary": "This description", "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document.", "content": {"application/json": {}}}},
    }},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Fablab job queue API", "version": "1",
            "description": "Submit files, follow jobs, and (fabmanager) review and control them. "
                           "Scripts authenticate with `Authorization: Bearer <token>` "
                           "(`fablab token create USERNAME`). The web pages may call it with their session "
                           "cookie; state-changing calls then need the page's CSRF token in `X-CSRFToken`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "logged-in browser session; writes also need X-CSRFToken"},
            },
            "schemas": SCHEMAS,
        },
        "paths": PATHS,
    }


@openapi.get("/api/v1/openapi.json")
def openapi_json():  # noqa: ANN201
    return jsonify(document())
