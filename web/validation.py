"""Request validation and the OpenAPI document, both from the pydantic contracts.

spectree (not flask-openapi3, not apispec): it decorates plain Flask views on plain blueprints
(`api` and each area's own under /api/v1), so every area writes `@bp.get(...)` and adds one
decorator; the same
pydantic model validates the request and describes it in the document; a view that returns a
model instance is serialised without a second validation. flask-openapi3 would replace the
app and blueprint classes under every engineer's routes; apispec only writes documents (the
validation would be ours to hand-write, the paths described twice).

How to add an endpoint: see the docstring of `jobqueue.contracts`.

Bad input never reaches a view: a body or query that does not validate is answered 400 with
an `ErrorBody` (`code: invalid_request`, one `details` entry per refused field, without
echoing the input back). Job ids and other `<int:...>` path parts above PostgreSQL's
`integer` are a 404, not an overflow in the database driver.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from spectree import Response as SpecResponse
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.model_adapter.pydantic_adapter import PydanticModelAdapter
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from jobqueue.contracts.api import MAX_INT, ErrorBody
from web import api_messages

TITLE = "Fablab job queue API"
DESCRIPTION = (
    "Submit files, follow jobs, and (fabmanager) review and control them. Scripts authenticate with "
    "`Authorization: Bearer <token>` (`fablab token create USERNAME`, or POST /api/v1/tokens). The web pages "
    "may call it with their session cookie; state-changing calls then need the page's CSRF token in "
    "`X-CSRFToken`. Errors are JSON `ErrorBody` objects with a stable `code`."
)
COMMON_ERRORS = {400: "invalid request", 401: "no valid token or session", 403: "not allowed for this user",
                 404: "no such object, or not visible to the caller"}


def _field_errors(err: ValidationError) -> list[dict[str, Any]]:
    return [{"loc": [p for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in err.errors(include_url=False, include_context=False, include_input=False)]


def _before(_req, resp, err, _instance, _adapter) -> None:  # noqa: ANN001 - spectree hook signature
    """Our error body instead of spectree's list (which echoes the input back, maybe 20 MB)."""
    if err is None or resp is None:
        return
    details = _field_errors(err) if isinstance(err, ValidationError) else []
    first = details[0] if details else None
    where = ".".join(str(p) for p in first["loc"]) if first else ""
    message = f"{where}: {first['msg']}" if first and where else (first["msg"] if first else "invalid request")
    body = ErrorBody(error=message, code="invalid_request", details=details,
                     message=api_messages.message("invalid_request", 400, {"where": where or message}))
    resp.set_data(body.model_dump_json(exclude_none=True))
    resp.mimetype = "application/json"


class _Adapter(PydanticModelAdapter):
    """spectree's error list without the input: an uploaded file in it cannot be serialised
    (a 500), and a 20 MB string should not be sent back."""

    def validation_errors(self, err: ValidationError) -> Any:
        return _field_errors(err)


spec = SpecTree(
    "flask",
    model_adapter=_Adapter(),
    mode="strict",
    path="api/v1/_spectree",  # spectree skips routes under its own path: keep it off /api/v1
    page_templates={},
    title=TITLE,
    version="1",
    description=DESCRIPTION,
    openapi_version="3.1.0",  # pydantic writes JSON Schema 2020-12, which OpenAPI 3.1 uses as is
    naming_strategy=lambda model: model.__name__,  # model names are unique across jobqueue.contracts
    nested_naming_strategy=lambda _parent, child: child,
    validation_error_status=400,
    validation_error_model=ErrorBody,
    before=_before,
    annotations=False,  # api_route passes the parsed models by name (query, json, form)
    security_schemes=[
        SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer")),
        SecurityScheme(name="session", data=SecuritySchemeData(
            type="apiKey", field_in="cookie", name="session",
            description="logged-in browser session; writes also need X-CSRFToken")),
    ],
    security=[{"bearer": []}, {"session": []}],
)


def api_route(
    *,
    query: type[BaseModel] | None = None,
    json: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    resp: dict[int, type[BaseModel] | None] | None = None,
    tags: Iterable[str] = (),
    public: bool = False,
) -> Callable:
    """Validate the request with these models and describe the route in the OpenAPI document.

    `resp` maps status codes to response models (None: no JSON body); the common errors are
    added. `public=True`: no authentication needed (documented with an empty `security`).
    """
    responses: dict[str, Any] = {f"HTTP_{code}": ErrorBody for code in COMMON_ERRORS}
    for code, model in (resp or {}).items():
        responses[f"HTTP_{code}"] = model

    def decorate(view: Callable) -> Callable:
        validate = spec.validate(query=query, json=json, form=form, resp=SpecResponse(**responses),
                                 tags=list(tags), security={} if public else None, operation_id=view.__name__)

        @functools.wraps(view)
        def body_present(*args: Any, **kwargs: Any) -> Any:
            parsed = getattr(request, "context", None)
            for name, model in (("query", query), ("json", json), ("form", form)):
                if model is not None:
                    kwargs[name] = getattr(parsed, name, None)
            # spectree parses a JSON model only from a JSON request and a form model only from a form
            for name, media in (("json", "application/json"), ("form", "multipart/form-data")):
                if kwargs.get(name, False) is None:
                    return invalid(f"expected a {media} body", [])
            rv = view(*args, **kwargs)
            if isinstance(rv, Response) and rv.is_streamed:
                # spectree reads every response's body (get_data), which would run a live stream
                # (SSE) to its end inside the request: hand spectree an empty stand-in instead.
                g.fablab_stream = rv
                return current_app.response_class(status=rv.status_code)
            return rv

        validated = validate(body_present)

        @functools.wraps(validated)
        def streaming_passthrough(*args: Any, **kwargs: Any) -> Any:
            rv = validated(*args, **kwargs)
            stream = g.pop("fablab_stream", None)
            return stream if stream is not None else rv

        return streaming_passthrough

    return decorate


def invalid(message: str, details: list[dict[str, Any]]) -> tuple[Response, int]:
    """A 400 `invalid_request` answer."""
    body = ErrorBody(error=message, code="invalid_request", details=details or None,
                     message=api_messages.message("invalid_request", 400))
    return current_app.response_class(body.model_dump_json(exclude_none=True), mimetype="application/json"), 400


class BoundedInt(IntegerConverter):
    """`<int:...>` that stops at PostgreSQL's `integer`: a bigger id is a 404, not a 500."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002, ANN001 - werkzeug's signature
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def document() -> dict[str, Any]:
    """The OpenAPI 3 document of the routes decorated with `api_route`."""
    return spec.spec


openapi = Blueprint("openapi", __name__)


@openapi.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return current_app.response_class(json.dumps(document()), mimetype="application/json")


def _api_http_error(exc: HTTPException) -> Any:
    """Under /api/, every HTTP error is a JSON `ErrorBody` (405, 413, 500...), never an HTML page."""
    if not request.path.startswith("/api/"):
        return exc
    code = (exc.name or "error").lower().replace(" ", "_")
    body = ErrorBody(error=exc.description or exc.name or "error", code=code,
                     message=api_messages.message(code, exc.code or 500))
    return current_app.response_class(body.model_dump_json(exclude_none=True), status=exc.code or 500,
                                      mimetype="application/json")


def init_app(app: Flask) -> None:
    """Bounded ids on every route (call before registering blueprints), JSON errors under /api/,
    and the document."""
    app.url_map.converters["int"] = BoundedInt
    app.register_error_handler(HTTPException, _api_http_error)
    app.register_blueprint(openapi)
