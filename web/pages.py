"""Server-rendered pages (French first, English available): login, logout, language, the
index and the error pages.

Blueprint `pages`; the other areas have their own blueprints in their own modules (`jobs` in
pages_jobs, `queue` in pages_queue, `machines` in pages_machines, `machday` in pages_machday),
all registered by web/app.py: nothing here imports them (no cycle).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired

from jobqueue import permissions
from jobqueue.models import User
from jobqueue.permissions import Action
from jobqueue.users import authenticate, end_sessions
from web.app import context
from web.i18n import LANGUAGES, _
from web.pages_base import require_can, require_fabmanager, safe_next
from web.security import failed_login, limiter, login_account_key, login_limit_account, login_limit_client

__all__ = ["pages", "require_can", "require_fabmanager", "safe_next"]  # the other page modules import these

pages = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


class LanguageForm(FlaskForm):
    lang = StringField("lang", validators=[AnyOf(LANGUAGES)])
    next = HiddenField()


@pages.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit_client, methods=["POST"], deduct_when=failed_login)
@limiter.limit(login_limit_account, key_func=login_account_key, methods=["POST"], deduct_when=failed_login)
def login():  # noqa: ANN201
    form = LoginForm()
    if form.validate_on_submit():
        with context().session() as s:
            user = authenticate(s, form.username.data, form.password.data)
            if user and session.get("lang") in LANGUAGES:
                user.language = session["lang"]  # chosen before logging in: remember it
        if user:
            login_user(user)
            session["lang"] = user.language if user.language in LANGUAGES else "fr"
            return redirect(safe_next(request.args.get("next"), url_for("pages.index")))
        flash(_('Wrong username or password.'), "error")
    return render_template("login.html", form=form)


@pages.post("/logout")
@login_required
def logout():  # noqa: ANN201
    """Ends the session on the server: the old cookie no longer logs anyone in."""
    with context().session() as s:
        user = s.get(User, current_user.id)
        if user is not None:
            end_sessions(user)
    logout_user()
    return redirect(url_for("pages.login"))


@pages.post("/lang")
def language():  # noqa: ANN201
    """Switch language; kept in the session, and on the account when logged in."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        with context().session() as s:
            user = s.get(User, current_user.id)
            if user is not None:
                user.language = form.lang.data
    return redirect(safe_next(form.next.data, url_for("pages.index")))


@pages.get("/")
@login_required
def index():  # noqa: ANN201
    return redirect(url_for("queue.queue" if permissions.can(current_user, Action.REVIEW_QUEUE) else "jobs.my_jobs"))


@pages.app_errorhandler(403)
def _forbidden(_e):  # noqa: ANN001, ANN202
    if request.path.startswith("/api/"):
        return {"error": "forbidden", "code": "forbidden"}, 403
    return render_template("error.html", message=_('You are not allowed to do this.')), 403


@pages.app_errorhandler(429)
def _too_many(_e):  # noqa: ANN001, ANN202
    if request.path.startswith("/api/"):
        return {"error": "too many requests", "code": "rate_limited"}, 429
    return render_template("error.html", message=_('Too many attempts: wait a few minutes before trying again.')), 429


@pages.app_errorhandler(404)
def _not_found(_e):  # noqa: ANN001, ANN202
    if request.path.startswith("/api/"):
        return {"error": "not found", "code": "not_found"}, 404
    return render_template("error.html", message=_('Not found.')), 404
