"""Everyone's people pages (blueprint `people`): join a workshop session with its code, the
notifications list, one's own account (password, e-mail, API tokens), and sending a corrected
file as a new revision of a job sent back."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from jobqueue import notifications, permissions, revisions, workshops
from jobqueue.errors import RequestError
from jobqueue.filestore import FileTooLarge
from jobqueue.models import Job, User
from jobqueue.permissions import Action
from jobqueue.services import max_upload_bytes
from jobqueue.states import IllegalTransition
from jobqueue.tokens import DEFAULT_DAYS, TokenError, issue_token, list_tokens, revoke_token, token_status
from jobqueue.users import authenticate, set_password
from web.app import context
from web.i18n import _
from web.i18n_notify import notification_text
from web.pages import require_can
from web.people_errors import explain

people = Blueprint("people", __name__)
MIN_PASSWORD = 8
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class JoinForm(FlaskForm):
    code = StringField("code", validators=[DataRequired(), Length(max=32)])


class RevisionForm(FlaskForm):
    file = FileField("file", validators=[FileRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("current", validators=[DataRequired()])
    new = PasswordField("new", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=256)])


class MailForm(FlaskForm):
    email = StringField("email", validators=[Optional(), Regexp(EMAIL), Length(max=254)])
    email_notifications = BooleanField("email_notifications")


@people.app_context_processor
def _unread() -> dict:
    """The unread count in the header (one small query per page)."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    with context().session() as s:
        return {"unread_notifications": notifications.unread_count(s, current_user.id)}


@people.route("/sessions/join", methods=["GET", "POST"])
@login_required
def join():  # noqa: ANN201
    require_can(Action.JOIN_SESSIONS)
    form = JoinForm()
    status = 200
    if form.validate_on_submit():
        try:
            with context().session() as s:
                ws = workshops.join_session(s, current_user, form.code.data)
                title = ws.title
        except RequestError as exc:
            flash(explain(exc), "error")
            status = 400
        else:
            flash(_("You joined the session '%(title)s': choose it when you upload a file.", title=title), "ok")
            return redirect(url_for("jobs.upload"))
    elif request.method == "POST":
        status = 400
    with context().session() as s:
        joined = [{"id": w.id, "title": w.title, "ends_at": w.ends_at}
                  for w in workshops.joined_sessions(s, current_user)]
    return render_template("join.html", form=form, joined=joined), status


@people.get("/notifications")
@login_required
def notifications_page():  # noqa: ANN201
    lang = _lang()
    with context().session() as s:
        rows = notifications.latest(s, current_user.id)
        items = [{"id": n.id, "job": n.job_id, "at": n.created_at, "unread": n.read_at is None,
                  "subject": notification_text(n.kind, n.params or {}, lang)[0],
                  "body": notification_text(n.kind, n.params or {}, lang)[1]} for n in rows]
    return render_template("notifications.html", items=items, form=FlaskForm())


@people.post("/notifications/read")
@login_required
def notifications_read():  # noqa: ANN201
    if not FlaskForm().validate_on_submit():
        abort(400)
    with context().session() as s:
        notifications.mark_read(s, current_user.id)
    return redirect(url_for("people.notifications_page"))


def _lang() -> str:
    from web.i18n import current_language

    return current_language()


@people.route("/account", methods=["GET", "POST"])
@login_required
def account():  # noqa: ANN201
    pw_form, mail_form = PasswordForm(prefix="pw"), MailForm(prefix="mail")
    status = 200
    if request.method == "POST":
        with context().session() as s:
            user = s.get(User, current_user.id)
            if "pw-new" in request.form:
                if not pw_form.validate_on_submit():
                    flash(_("The new password needs at least %(n)s characters.", n=MIN_PASSWORD), "error")
                    status = 400
                elif authenticate(s, user.username, pw_form.current.data) is None:
                    flash(_("The current password is not right."), "error")
                    status = 400
                else:
                    set_password(user, pw_form.new.data)  # other sessions and tokens stop working
                    login_user(user)  # this one goes on, with the new session nonce
                    flash(_("Password changed."), "ok")
            elif mail_form.validate_on_submit():
                user.email = (mail_form.email.data or "").strip() or None
                user.email_notifications = bool(mail_form.email_notifications.data)
                flash(_("Settings saved."), "ok")
            else:
                flash(_("Give a valid e-mail address."), "error")
                status = 400
        if status == 200:
            return redirect(url_for("people.account"))
    with context().session() as s:
        user = s.get(User, current_user.id)
        mail_form.email.data = mail_form.email.data or user.email
        if request.method == "GET":
            mail_form.email_notifications.data = user.email_notifications
        from jobqueue.trainings import records_of

        records = [{"kind": r.kind, "trained_at": r.trained_at, "valid_until": r.valid_until,
                    "trainer": r.trainer.username if r.trainer else None} for r in records_of(s, user.id)]
        tokens = [{"id": t.id, "name": t.name, "created_at": t.created_at, "expires_at": t.expires_at,
                   "last_used_at": t.last_used_at, "status": token_status(t)} for t in list_tokens(s, user)]
    return render_template("account.html", pw_form=pw_form, mail_form=mail_form, records=records, tokens=tokens,
                           token_form=TokenForm(prefix="tok"), revoke_form=FlaskForm()), status


class TokenForm(FlaskForm):
    name = StringField("name", validators=[DataRequired(), Length(max=64)])
    days = IntegerField("days", validators=[Optional(), NumberRange(min=1, max=3650)])


@people.post("/account/tokens")
@login_required
def new_token():  # noqa: ANN201
    """A new API token for scripts, shown once."""
    form = TokenForm(prefix="tok")
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("people.account"))
    with context().session() as s:
        token, _row = issue_token(s, s.get(User, current_user.id), form.name.data, form.days.data or DEFAULT_DAYS)
    flash(_("New token (shown once, copy it now): %(token)s", token=token), "ok")
    return redirect(url_for("people.account"))


@people.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):  # noqa: ANN201
    if not FlaskForm().validate_on_submit():
        abort(400)
    with context().session() as s:
        try:
            revoke_token(s, s.get(User, current_user.id), token_id)
        except TokenError:
            abort(404)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("people.account"))


@people.post("/jobs/<int:job_id>/revise")
@login_required
def revise(job_id: int):  # noqa: ANN201
    form = RevisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a file."), "error")
        return redirect(url_for("jobs.job", job_id=job_id))
    ctx = context()
    with ctx.session() as s:
        job = s.get(Job, job_id)
        if job is None or not permissions.can_view(current_user, job):
            abort(404)
        try:
            revisions.revise(s, ctx.redis(), ctx.store, current_user, job, form.file.data.stream,
                             form.file.data.filename or "upload", max_upload_bytes())
        except permissions.PermissionDenied:
            abort(403)
        except FileTooLarge:
            flash(_("File larger than the limit of %(mb)s MB", mb=max_upload_bytes() // (1 << 20)), "error")
        except (RequestError, IllegalTransition) as exc:
            flash(explain(exc), "error")
        else:
            flash(_("Corrected file received: the analysis starts again."), "ok")
    return redirect(url_for("jobs.job", job_id=job_id))
