"""Sign in and out; students join with a cohort's join code."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from ..cohorts import (
    AccountDeactivated,
    JoinError,
    UsernameTaken,
    authenticate,
    cohort_for_join_code,
    create_student_with_membership,
    join_cohort,
    name_taken_in_cohort,
    username_taken,
)
from ..database import writes_explicitly
from ..extensions import db
from ..throttling import (
    JOIN_CODE_FAILURES_PER_ADDRESS,
    JOIN_CODE_FAILURES_PER_VISITOR,
    SIGN_IN_FAILURES_PER_ACCOUNT,
    SIGN_IN_FAILURES_PER_ADDRESS,
    account_key,
    address_key,
    count_against_limit,
    limit,
    limited_response,
    retry_after_seconds,
    visitor_key,
    when_to_try_again,
)
from .forms import JoinAnotherCohortForm, JoinForm, LoginForm, normalise_join_code

bp = Blueprint("auth", __name__)

NAME_LOOKS_TAKEN = _l(
    "Someone in this group already has a name that looks like this. Please choose another."
)


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: no open redirect through ?next=."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _start_session(user) -> None:
    """Sign the user in with a fresh CSRF token (none from before sign-in stays valid)."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)
    login_user(user)


def _sign_in_limited(request_limit):
    wait = when_to_try_again(retry_after_seconds(request_limit))
    message = _("There were too many tries to sign in. Please try again %(wait)s.", wait=wait)
    page = render_template("auth/login.html", form=LoginForm(), limited=message)
    return limited_response(page, request_limit)


@bp.route("/sign-in", methods=["GET", "POST"])
@writes_explicitly
@limit(SIGN_IN_FAILURES_PER_ADDRESS, address_key, _sign_in_limited)
@limit(SIGN_IN_FAILURES_PER_ACCOUNT, account_key, _sign_in_limited)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except AccountDeactivated as error:
            form.username.errors.append(str(error))
        else:
            if user is not None:
                _start_session(user)
                return redirect(_safe_next(request.args.get("next")) or url_for("index"))
            count_against_limit()
            form.password.errors.append(
                _("That username and password don't match. Please try again.")
            )
    return render_template("auth/login.html", form=form)


@bp.route("/sign-out", methods=["POST"])
@login_required
def logout():
    # A new session version makes any copy of the old cookie useless too.
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("index"))


def _join_limited(request_limit):
    wait = when_to_try_again(retry_after_seconds(request_limit))
    message = _(
        "There were too many tries with codes that don't work. "
        "Please check the code with your teacher and try again %(wait)s.",
        wait=wait,
    )
    if current_user.is_authenticated:
        page = render_template(
            "auth/join_another.html", form=JoinAnotherCohortForm(), limited=message
        )
    else:
        page = render_template("auth/join.html", form=JoinForm(), limited=message)
    return limited_response(page, request_limit)


@bp.route("/join", methods=["GET", "POST"])
@writes_explicitly
@limit(JOIN_CODE_FAILURES_PER_ADDRESS, address_key, _join_limited)
@limit(JOIN_CODE_FAILURES_PER_VISITOR, visitor_key, _join_limited)
def join():
    if current_user.is_authenticated:
        if current_user.is_staff:
            flash(_("Teacher accounts don't join groups: you create them."), "info")
            return redirect(url_for("teach.home"))
        return join_another()
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.join_code.data = normalise_join_code(request.args["code"])
    if form.validate_on_submit():
        try:
            cohort = cohort_for_join_code(form.join_code.data)
        except JoinError as error:
            count_against_limit()
            form.join_code.errors.append(str(error))
        else:
            student = _new_student(form, cohort)
            if student is not None:
                _start_session(student)
                flash(_("Welcome! You joined %(cohort)s.", cohort=cohort.name), "success")
                return redirect(url_for("learn.lessons"))
    return render_template("auth/join.html", form=form)


def _new_student(form: JoinForm, cohort):
    """The new account, or None with the problem shown next to its field."""
    username, display_name = form.username.data, form.display_name.data
    # What the group will see: the display name, or the username when there is none.
    if display_name and name_taken_in_cohort(cohort, display_name, username):
        form.display_name.errors.append(str(NAME_LOOKS_TAKEN))
    elif not display_name and name_taken_in_cohort(cohort, username, username):
        form.username.errors.append(str(NAME_LOOKS_TAKEN))
    try:
        if username_taken(username):
            raise UsernameTaken()
        if form.display_name.errors or form.username.errors:
            return None
        return create_student_with_membership(cohort, username, form.password.data, display_name)
    except UsernameTaken as error:
        form.username.errors.append(str(error))
        return None


def join_another():
    form = JoinAnotherCohortForm()
    if form.validate_on_submit():
        try:
            cohort = cohort_for_join_code(form.join_code.data)
        except JoinError as error:
            count_against_limit()
            form.join_code.errors.append(str(error))
        else:
            name = cohort.name
            if name_taken_in_cohort(cohort, current_user.shown_name, current_user.username):
                # The check at sign-up can't have seen this group's names.
                form.join_code.errors.append(
                    _(
                        "Your name looks like the name of someone in that group, so you can't "
                        "join it with this account. Please ask your teacher."
                    )
                )
                return render_template("auth/join_another.html", form=form)
            if join_cohort(current_user, cohort):
                flash(_("You joined %(cohort)s.", cohort=name), "success")
            else:
                flash(_("You're already in %(cohort)s.", cohort=name), "info")
            return redirect(url_for("learn.progress"))
    return render_template("auth/join_another.html", form=form)
