"""The web app's security settings in one place: safe redirects, login rate limits, security
headers on every response, and running behind a reverse proxy.

- `safe_next`: only a path on this site. Browsers drop tabs and newlines from URLs and read
  backslashes as slashes, so `/%09/evil.example` is `//evil.example` to them: refused.
- Login limits (Flask-Limiter, counters on the fablab's Redis): failed attempts per client
  address and per account name. Defaults `FABLAB_LOGIN_LIMIT_CLIENT` = "30 per 10 minutes",
  `FABLAB_LOGIN_LIMIT_ACCOUNT` = "10 per 10 minutes" (limits' syntax). A training room shares
  one address: the per-client limit stays above what ten people mistyping produce.
- Behind a reverse proxy that terminates HTTPS, set `FABLAB_TRUSTED_PROXIES` to the number of
  proxies in front of the app (usually 1): their X-Forwarded-For/-Proto/-Host/-Prefix are then
  believed (werkzeug's ProxyFix), so the client address is right for the limits and the
  session cookie is `Secure` on HTTPS. Unset (0): those headers are ignored, as they must be
  when clients reach the app directly. `FABLAB_SECURE_COOKIES=1` forces `Secure`.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

limiter = Limiter(get_remote_address, key_prefix="fablab:limits", headers_enabled=True)


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site: '/x' yes; '//evil.example', '/\\t/evil', 'https://...' no."""
    if not target or len(target) > 2000:
        return default
    for form in (target, unquote(target)):  # judged as sent and as a lenient browser may decode it
        if any(ord(ch) < 0x21 or ch in "\\\x7f" for ch in form):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//"):
            return default
    return target


def login_limit_client() -> str:
    return os.environ.get("FABLAB_LOGIN_LIMIT_CLIENT", "30 per 10 minutes")


def login_limit_account() -> str:
    return os.environ.get("FABLAB_LOGIN_LIMIT_ACCOUNT", "10 per 10 minutes")


def login_account_key() -> str:
    """Per account name as typed (case-folded), whoever tries it and from wherever."""
    return "account:" + (request.form.get("username") or "").strip().casefold()[:64]


def failed_login(response: Response) -> bool:
    """Only failed attempts count: a successful login redirects."""
    return response.status_code != 302


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the request came over HTTPS (as ProxyFix tells)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        from flask import has_request_context

        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def _headers(response: Response) -> Response:
    """On every response: pages, API, static files, errors."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    html = response.mimetype == "text/html"
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP if html else DATA_CSP)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def trusted_proxies() -> int:
    raw = os.environ.get("FABLAB_TRUSTED_PROXIES", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > 10:
        raise RuntimeError(f"FABLAB_TRUSTED_PROXIES must be a number of proxies (0 to 10), not {raw!r}")
    return int(raw)


def init_app(app: Flask, redis_url: str | None) -> None:
    proxies = trusted_proxies()
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)
    app.config["SESSION_COOKIE_SECURE"] = os.environ.get("FABLAB_SECURE_COOKIES", "") in ("1", "true", "yes")
    app.session_interface = _SessionInterface()
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)  # Redis away: limits still hold
    limiter.init_app(app)
    app.after_request(_headers)
