"""Typed contracts: the pydantic models of everything that crosses a layer.

`slicing`/`drivers` results as jobqueue stores them (issues, quotes, analysis results,
program info, progress events) live in `results.py`; the JSON API's request and response
bodies live in `api.py` (and one module per area when an area grows: `tokens.py`...).
jobqueue owns the models; the web validates requests with them, builds its responses from
them, and the OpenAPI document at /api/v1/openapi.json is generated from them (spectree, see
`web/validation.py`), so the document cannot drift from the code.

Reading stored JSON: result models are lenient (`extra="allow"`, defaults everywhere), so an
analysis stored by an older version still validates; request models are strict about types
and lengths (every string and list has a cap) but ignore unknown keys.

Adding an API endpoint (other areas do this; nothing else to register):

1. Put its request and response models here (a new module for a new area, e.g.
   `jobqueue/contracts/sessions.py`), subclassing `RequestModel` for what the client sends
   (every `str` gets a `max_length`, every list a `max_length`) and `ResultModel` /
   `BaseModel` for what the server answers.
2. In the blueprint module (`web/api.py` or your own blueprint under /api/v1):

       from web.validation import api_route
       from jobqueue.contracts.sessions import SessionIn, SessionOut

       @api.post("/sessions")
       @authenticated
       @api_route(json=SessionIn, resp={201: SessionOut}, tags=["sessions"])
       def create_session(json: SessionIn):
           "Open a workshop session (trainer). First docstring line = summary in the document."
           ...
           return SessionOut(...), 201

   `json=`, `query=` and `form=` models are parsed before the view runs and passed by
   parameter name (`json`, `query`, `form`); a bad body or query is answered 400 with an
   `ErrorBody`, never reaching the view. Return a model instance (or `(model, status)`):
   it is serialised as is. 400/401/403/404 errors are documented for every route.
3. `tests/web/test_api_contracts.py` fails if a route under /api/v1 is missing from the
   document, and the schemathesis run (`tests/web/test_api_schemathesis.py`) then exercises
   the new endpoint with generated input and fails on any 5xx.
"""

from jobqueue.contracts.results import (
    AnalysisResult,
    Issue,
    Localised,
    ProgramInfo,
    ProgressEvent,
    Quote,
    QuoteTerm,
)

__all__ = ["AnalysisResult", "Issue", "Localised", "ProgramInfo", "ProgressEvent", "Quote", "QuoteTerm"]
