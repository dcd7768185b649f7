"""Accounts in the browser for the admin and the fabmanager (blueprint `accounts`): the list with
each member's use against their quota, create, edit, deactivate, reset a password, import a class
roster, record a training. The rules are jobqueue.accounts, quotas and trainings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from jobqueue import accounts, permissions, quotas, trainings
from jobqueue.errors import RequestError
from jobqueue.models import User
from jobqueue.permissions import Action
from web.app import context
from web.i18n import _
from web.pages import require_can
from web.people_errors import explain

accounts_bp = Blueprint("accounts", __name__, url_prefix="/users")
MAX_ROSTER_BYTES = 256 * 1024


class UserForm(FlaskForm):
    username = StringField("username", validators=[Optional(), Length(max=64)])
    role = SelectField("role", choices=[], validate_choice=False)
    tier = SelectField("tier", choices=[], validate_choice=False)
    language = SelectField("language", choices=[("fr", "Français"), ("en", "English")])
    email = StringField("email", validators=[Optional(), Length(max=254)])
    active = BooleanField("active", default=True)


class RosterForm(FlaskForm):
    roster = FileField("roster", validators=[FileRequired()])
    tier = SelectField("tier", choices=[], validate_choice=False)


class TrainingForm(FlaskForm):
    kind = SelectField("kind", choices=[], validate_choice=False, validators=[DataRequired()])
    valid_days = IntegerField("valid_days", validators=[Optional(), NumberRange(min=1, max=3650)])


def _choices(form: FlaskForm) -> None:
    spec = context().spec()
    if hasattr(form, "role"):
        form.role.choices = [(r, r) for r in permissions.assignable_roles(current_user)]
    form.tier.choices = [(t.name, t.label or t.name) for t in spec.pricing_tiers]


@accounts_bp.get("")
@login_required
def index():  # noqa: ANN201
    require_can(Action.MANAGE_USERS)
    ctx = context()
    spec = ctx.spec()
    form, roster = UserForm(), RosterForm(prefix="roster")
    _choices(form)
    _choices(roster)
    rows = []
    with ctx.session() as s:
        for user in s.scalars(select(User).order_by(User.username).limit(1000)):
            use = quotas.usage(s, spec, user)
            rows.append({"id": user.id, "username": user.username, "name": user.display_name, "role": user.role,
                         "tier": user.tier, "language": user.language, "email": user.email,
                         "active": user.is_active, "use": use, "over": use.over(),
                         "trainings": sorted({r.kind for r in trainings.valid_records(s, user.id)})})
    return render_template("users.html", rows=rows, form=form, roster=roster)


@accounts_bp.post("")
@login_required
def create():  # noqa: ANN201
    require_can(Action.MANAGE_USERS)
    form = UserForm()
    _choices(form)
    if not form.validate_on_submit() or not form.username.data:
        flash(_("Give a username."), "error")
        return redirect(url_for("accounts.index"))
    ctx = context()
    try:
        with ctx.session() as s:
            user, password = accounts.create(s, ctx.spec(), current_user, form.username.data, None, form.role.data,
                                             form.tier.data, form.language.data, form.email.data)
            name = user.username
    except RequestError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("accounts.index"))
    flash(_("Account %(name)s created; first password (shown once): %(password)s", name=name, password=password), "ok")
    return redirect(url_for("accounts.index"))


@accounts_bp.post("/import")
@login_required
def import_roster():  # noqa: ANN201
    require_can(Action.MANAGE_USERS)
    form = RosterForm(prefix="roster")
    _choices(form)
    if not form.validate_on_submit():
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("accounts.index"))
    raw = form.roster.data.stream.read(MAX_ROSTER_BYTES + 1)
    if len(raw) > MAX_ROSTER_BYTES:
        flash(_("The file is too large for a roster."), "error")
        return redirect(url_for("accounts.index"))
    text = raw.decode("utf-8-sig", errors="replace")
    ctx = context()
    try:
        with ctx.session() as s:
            result = accounts.import_roster(s, ctx.spec(), current_user, text, tier=form.tier.data)
    except RequestError as exc:
        flash(explain(exc), "error")
        return redirect(url_for("accounts.index"))
    return render_template("users_imported.html", result=result)


def _user_or_404(s, user_id: int) -> User:  # noqa: ANN001
    user = s.get(User, user_id)
    if user is None:
        abort(404)
    return user


@accounts_bp.route("/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int):  # noqa: ANN201
    require_can(Action.MANAGE_USERS)
    ctx = context()
    form = UserForm()
    _choices(form)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            with ctx.session() as s:
                accounts.update(s, ctx.spec(), current_user, _user_or_404(s, user_id), role=form.role.data,
                                tier=form.tier.data, language=form.language.data, email=form.email.data or "",
                                active=bool(form.active.data))
        except permissions.PermissionDenied:
            abort(403)
        except RequestError as exc:
            flash(explain(exc), "error")
        else:
            flash(_("Settings saved."), "ok")
        return redirect(url_for("accounts.edit", user_id=user_id))
    training_form = TrainingForm(prefix="tr")
    training_form.kind.choices = [(t.id, t.label or t.id) for t in ctx.spec().trainings]
    with ctx.session() as s:
        user = _user_or_404(s, user_id)
        form.role.data, form.tier.data, form.language.data = user.role, user.tier, user.language
        form.email.data, form.active.data = user.email, user.is_active
        if user.role not in form.role.choices and (user.role, user.role) not in form.role.choices:
            form.role.choices = [(user.role, user.role), *form.role.choices]
        records = [{"kind": r.kind, "trained_at": r.trained_at, "valid_until": r.valid_until,
                    "trainer": r.trainer.username if r.trainer else None} for r in trainings.records_of(s, user.id)]
        info = {"id": user.id, "username": user.username, "name": user.display_name}
    return render_template("user_edit.html", user=info, form=form, training_form=training_form, records=records,
                           reset_form=FlaskForm())


@accounts_bp.post("/<int:user_id>/password")
@login_required
def reset_password(user_id: int):  # noqa: ANN201
    require_can(Action.MANAGE_USERS)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with context().session() as s:
        user = _user_or_404(s, user_id)
        try:
            password = accounts.reset_password(s, current_user, user)
        except permissions.PermissionDenied:
            abort(403)
        name = user.username
    flash(_("New password for %(name)s (shown once): %(password)s", name=name, password=password), "ok")
    return redirect(url_for("accounts.edit", user_id=user_id))


@accounts_bp.post("/<int:user_id>/trainings")
@login_required
def record_training(user_id: int):  # noqa: ANN201
    require_can(Action.RECORD_TRAININGS)
    form = TrainingForm(prefix="tr")
    form.kind.choices = [(t.id, t.label or t.id) for t in context().spec().trainings]
    if not form.validate_on_submit():
        abort(400)
    ctx = context()
    try:
        with ctx.session() as s:
            trainings.record(s, ctx.spec(), current_user, _user_or_404(s, user_id), form.kind.data,
                             form.valid_days.data)
    except RequestError as exc:
        flash(explain(exc), "error")
    else:
        flash(_("Training recorded."), "ok")
    return redirect(url_for("accounts.edit", user_id=user_id))
