"""octorest, wrapped where version 0.4 falls short for an unattended driver.

What we fix, and why (octorest 0.4 is PyPI's latest; upstream fixes were never released):
- No request timeouts anywhere: a dead or hung server would block the job worker forever.
  `TimeoutSession` gives every request a (connect, read) timeout unless one is passed.
- `upload(select=True, print=True)` drops both flags (it passes them as `json=` next to
  `files=`, and requests then builds a multipart body without them): the file uploads and
  nothing prints. The driver therefore uploads with no flags and calls `select(print=True)`.
- `_check_response` raises a bare RuntimeError carrying the server's reply text: we raise
  `OctoPrintHttpError` with the status code so callers can tell 403 from 409.
- `OctoRest(apikey=...)` makes a network call (without timeout) in its constructor: we set
  the header on our own session instead and never hand the key to octorest.
"""

from __future__ import annotations

import requests
from octorest import OctoRest

from drivers.base import DisconnectedError, DriverError, DriverTimeout


class TimeoutSession(requests.Session):
    """A requests session whose every request has a timeout (octorest passes none)."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):  # noqa: ANN001 - requests' own signature
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, **kwargs)


class OctoPrintHttpError(DriverError):
    """OctoPrint answered with a non-2xx status."""

    def __init__(self, status: int, path: str, detail: str):
        self.status = status
        self.path = path
        self.detail = detail
        super().__init__(f"OctoPrint answered {status} to {path}: {detail}")


class OctoPrintAuthError(OctoPrintHttpError):
    """The API key was refused (403): wrong, revoked, or lacking permissions."""


class OctoPrintClient(OctoRest):
    """octorest with timeouts, typed HTTP errors and a key that octorest never sees."""

    def __init__(self, url: str, api_key: str, timeout: float):
        session = TimeoutSession(timeout)
        session.headers["X-Api-Key"] = api_key
        super().__init__(url=url, session=session)

    def _check_response(self, response: requests.Response) -> requests.Response:
        if 200 <= response.status_code < 300:
            return response
        path = requests.utils.urlparse(response.url).path
        try:
            detail = str(response.json().get("error") or response.reason)
        except ValueError:
            detail = response.reason or "no detail"
        detail = detail[:200]
        if response.status_code in (401, 403):
            raise OctoPrintAuthError(response.status_code, path, detail)
        raise OctoPrintHttpError(response.status_code, path, detail)

    def close(self) -> None:
        self.session.close()


def translate(exc: BaseException, url: str) -> DriverError:
    """A requests/octorest failure as one of the driver's typed errors (no key in it)."""
    if isinstance(exc, DriverError):
        return exc
    if isinstance(exc, requests.Timeout):
        return DriverTimeout(f"OctoPrint at {url} did not answer in time ({type(exc).__name__})")
    if isinstance(exc, requests.ConnectionError):
        return DisconnectedError(f"cannot reach OctoPrint at {url}: connection failed")
    if isinstance(exc, requests.RequestException | ValueError):
        return DisconnectedError(f"bad exchange with OctoPrint at {url}: {type(exc).__name__}")
    return DriverError(f"OctoPrint at {url}: {type(exc).__name__}")
