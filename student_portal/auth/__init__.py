"""Sign in and out; students join with a cohort's join code."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..cohorts import (
    JoinError,
    UsernameTaken,
    cohort_for_join_code,
    create_student_with_membership,
    join_cohort,
    username_taken,
)
from ..extensions import db
from ..models import User
from .forms import JoinAnotherCohortForm, JoinForm, LoginForm, normalise_join_code

bp = Blueprint("auth", __name__)

# Checked when the username doesn't exist, so a wrong sign-in takes the same time either way.
_DUMMY_HASH = generate_password_hash("not a real password")


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no open redirect through ?next=."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None:
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.check_password(form.password.data):
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("index"))
        form.password.errors.append("That username and password don't match. Please try again.")
    return render_template("auth/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    # A new session version makes any copy of the old cookie useless too.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("index"))


@bp.route("/join", methods=["GET", "POST"])
def join():
    if current_user.is_authenticated:
        if current_user.is_staff:
            flash("Teacher accounts don't join groups: you create them.", "info")
            return redirect(url_for("teach.home"))
        return join_another()
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.join_code.data = normalise_join_code(request.args["code"])
    if form.validate_on_submit():
        try:
            cohort = cohort_for_join_code(form.join_code.data)
        except JoinError as error:
            form.join_code.errors.append(str(error))
        else:
            try:
                if username_taken(form.username.data):
                    raise UsernameTaken()
                student = create_student_with_membership(
                    cohort, form.username.data, form.password.data, form.display_name.data
                )
            except UsernameTaken as error:
                form.username.errors.append(str(error))
            else:
                login_user(student)
                flash(f"Welcome! You joined {cohort.name}.", "success")
                return redirect(url_for("learn.lessons"))
    return render_template("auth/join.html", form=form)


def join_another():
    form = JoinAnotherCohortForm()
    if form.validate_on_submit():
        try:
            cohort = cohort_for_join_code(form.join_code.data)
        except JoinError as error:
            form.join_code.errors.append(str(error))
        else:
            if join_cohort(current_user, cohort):
                flash(f"You joined {cohort.name}.", "success")
            else:
                flash(f"You're already in {cohort.name}.", "info")
            return redirect(url_for("learn.progress"))
    return render_template("auth/join_another.html", form=form)
