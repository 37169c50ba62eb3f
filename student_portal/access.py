"""Access control in one place: role decorators and loaders that scope objects by owner."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from .extensions import db, login_manager
from .models import ADMIN, LEADER, STUDENT, TEACHER, Cohort, Membership, User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load a user from "<id>:<session version>"; an old version or a deactivated account
    means signed out."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


ROLES = {"student": (STUDENT,), "teacher": (TEACHER, ADMIN), "admin": (ADMIN,)}


def role_required(role: str):
    """Require a signed-in user of `role` ("student", "teacher" or "admin"); others get 403."""
    allowed = ROLES[role]

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_account_or_404(user_id: int) -> User:
    """A teacher or admin account, for an admin managing staff; 404 for any other id."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    return user


def cohort_for_teacher_or_404(cohort_id: int) -> Cohort:
    """The cohort if the signed-in teacher owns it; 404 otherwise, so ids reveal nothing."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.owner_id != current_user.id:
        abort(404)
    return cohort


def membership_in_cohort_or_404(cohort: Cohort, user_id: int) -> Membership:
    """A member of a cohort the caller already owns; 404 when the user is not in it."""
    membership = db.session.scalar(
        select(Membership).where(Membership.cohort_id == cohort.id, Membership.user_id == user_id)
    )
    if membership is None:
        abort(404)
    return membership


def led_cohort_or_404(student: User, cohort_id: int) -> Cohort:
    """A cohort the student leads (is a leader member of); 404 for anyone else."""
    cohort = db.session.scalar(
        select(Cohort)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(
            Cohort.id == cohort_id,
            Membership.user_id == student.id,
            Membership.role == LEADER,
        )
    )
    if cohort is None:
        abort(404)
    return cohort
