"""Server-rendered pages (French first, English available)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from jobqueue.users import authenticate
from web.app import context

pages = Blueprint("pages", __name__)


class LoginForm(FlaskForm):
    username = StringField("Identifiant", validators=[DataRequired()])
    password = PasswordField("Mot de passe", validators=[DataRequired()])


@pages.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    form = LoginForm()
    if form.validate_on_submit():
        with context().session() as s:
            user = authenticate(s, form.username.data, form.password.data)
        if user:
            login_user(user)
            return redirect(request.args.get("next") if (request.args.get("next") or "").startswith("/") else url_for("pages.index"))
        flash("Identifiant ou mot de passe incorrect.", "error")
    return render_template("login.html", form=form)


@pages.post("/logout")
@login_required
def logout():  # noqa: ANN201
    logout_user()
    return redirect(url_for("pages.login"))


@pages.get("/")
@login_required
def index():  # noqa: ANN201
    return render_template("base.html")
