"""The Flask app: pages, the JSON API, login and roles. Business rules live in jobqueue."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, jsonify, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from jobqueue import db
from jobqueue.context import Context
from jobqueue.models import User
from jobqueue.services import max_upload_bytes
from jobqueue.users import user_for_session
from web.i18n import _, init_i18n, lazy_gettext

csrf = CSRFProtect()
login_manager = LoginManager()


def _secret_key(ctx: Context) -> str:
    """A stable secret per data folder, so sessions survive restarts of the demo."""
    if os.environ.get("FABLAB_SECRET_KEY"):
        return os.environ["FABLAB_SECRET_KEY"]
    path: Path = ctx.settings.data_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(ctx: Context | None = None, testing: bool = False) -> Flask:
    ctx = ctx or Context.from_env()
    db.get_engine(ctx.settings.database_url)  # refuses a database behind the code (migrate.SchemaError)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(ctx),
        MAX_CONTENT_LENGTH=max_upload_bytes() + (1 << 20),
        TESTING=testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["fablab"] = ctx
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "pages.login"
    login_manager.login_message = lazy_gettext("Please log in to access this page.")
    init_i18n(app)

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        with ctx.session() as s:
            return user_for_session(s, session_id)  # None once the user logged out anywhere

    from web.api import api
    from web.api_machines import api_machines
    from web.api_tokens import api_tokens
    from web.pages import pages
    from web.pages_base import init_app as init_pages
    from web.pages_jobs import jobs_bp
    from web.pages_machday import machday_bp
    from web.pages_machines import machines_bp
    from web.pages_queue import queue_bp
    from web.security import init_app as init_security
    from web.validation import init_app as init_validation

    init_security(app, ctx.settings.redis_url)
    init_validation(app)  # before the blueprints: bounded <int:...> ids, and the OpenAPI document
    init_pages(app)  # can() and the template filters
    for bp in (api, api_machines, api_tokens):  # one blueprint per module, all under /api/v1
        csrf.exempt(bp)  # the API authenticates with bearer tokens, not cookies
        app.register_blueprint(bp)
    for bp in (pages, jobs_bp, queue_bp, machines_bp, machday_bp):  # one blueprint per page module
        app.register_blueprint(bp)
    from web.api_people import api_people
    from web.pages_accounts import accounts_bp
    from web.pages_people import people
    from web.pages_trainer import trainer

    csrf.exempt(api_people)  # bearer tokens, or the session with the X-CSRFToken header (web.api)
    for bp in (trainer, people, accounts_bp, api_people):  # one blueprint per module (the people area)
        app.register_blueprint(bp)
    from web.units import api_units, units

    csrf.exempt(api_units)  # as web.api: bearer tokens, or the session with the X-CSRFToken header
    app.register_blueprint(api_units)
    app.register_blueprint(units)  # the job page's unit buttons (a form with its CSRF token)

    @app.errorhandler(413)
    def _too_large(_e):  # noqa: ANN001, ANN202
        mb = max_upload_bytes() // (1 << 20)
        if request.path.startswith("/api/"):
            from web.api_messages import message

            return jsonify(error=f"file larger than the limit of {mb} MB", code="too_large",
                           message=message("too_large", 413, {"mb": mb})), 413
        return _("File larger than the limit of %(mb)s MB.", mb=mb), 413

    @app.errorhandler(CSRFError)
    def _csrf(e):  # noqa: ANN001, ANN202
        if request.path.startswith("/api/"):
            from web.api_messages import message

            return jsonify(error=f"CSRF check failed: {e.description}", code="csrf", message=message("csrf", 400)), 400
        return _("The form has expired: reload the page and try again."), 400

    @app.teardown_appcontext
    def _close(_exc):  # noqa: ANN001, ANN202
        g.pop("fablab_session", None)

    return app


def context() -> Context:
    from flask import current_app

    return current_app.extensions["fablab"]
