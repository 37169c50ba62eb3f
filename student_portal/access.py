"""Access control in one place: role decorators and loaders that scope objects by owner."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, user_logged_in
from sqlalchemy import Select, false, select
from sqlalchemy.sql.elements import ColumnElement

from .extensions import db, login_manager
from .models import ADMIN, LEADER, MEMBER, STUDENT, TEACHER, ClubSession, Cohort, Membership, User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Load a user from "<id>:<session version>"; an old version or a deactivated account
    means signed out."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    from .club import user_with_banner

    # Every signed-in page shows the club banner: it comes in the same query as the user.
    user, banner = user_with_banner(int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    user.club_banner = banner
    return user


@user_logged_in.connect
def _note_sign_in(_app, user: User, **_extra) -> None:
    from .privacy import record_sign_in

    record_sign_in(user)


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


# --- Cohorts: who leads one, who belongs to one --------------------------------------------
#
# One policy per resource: the same rule answers "may this user ...?" for one object and
# narrows a query to the objects the user may see (its `*_filter` is a WHERE condition).


class CohortPolicy:
    """Cohorts: their teacher or a student leader leads one; its members belong to it."""

    @staticmethod
    def lead_filter(user: User, students_only: bool = False) -> ColumnElement[bool]:
        """SQL on Cohort: the cohorts the user leads (a teacher: owns; a student: is a leader)."""
        if user.is_staff and not students_only:
            return Cohort.owner_id == user.id
        if user.is_staff:
            return false()
        return Cohort.id.in_(
            select(Membership.cohort_id).where(
                Membership.user_id == user.id, Membership.role == LEADER
            )
        )

    @staticmethod
    def member_filter(user: User, roles: tuple[str, ...] = (MEMBER, LEADER)) -> Select:
        """SQL on any column holding a cohort id: cohorts the user is a member of, in `roles`."""
        query = select(Membership.cohort_id).where(Membership.user_id == user.id)
        if set(roles) != {MEMBER, LEADER}:  # any member: read from the (user, cohort) index alone
            query = query.where(Membership.role.in_(roles))
        return query

    @classmethod
    def can_lead(cls, user: User, cohort: Cohort) -> bool:
        if user.is_staff:
            return cohort.owner_id == user.id
        return cls._exists(Cohort.id == cohort.id, cls.lead_filter(user))

    @classmethod
    def is_member(cls, user: User, cohort_id: int) -> bool:
        return cls._exists(Cohort.id == cohort_id, Cohort.id.in_(cls.member_filter(user)))

    @classmethod
    def leads_any(cls, user: User) -> bool:
        """A student leader of at least one cohort."""
        return not user.is_staff and cls._exists(cls.lead_filter(user))

    @classmethod
    def led(cls, user: User) -> Select:
        """The cohorts the user leads, not archived, by name."""
        return (
            select(Cohort)
            .where(cls.lead_filter(user), Cohort.archived.is_(False))
            .order_by(Cohort.name)
        )

    @staticmethod
    def _exists(*conditions) -> bool:
        return db.session.scalar(select(Cohort.id).where(*conditions).limit(1)) is not None


class ClubSessionPolicy:
    """Club sessions: those who lead the cohort run them; its members follow them."""

    @staticmethod
    def run_filter(user: User) -> ColumnElement[bool]:
        return ClubSession.cohort_id.in_(select(Cohort.id).where(CohortPolicy.lead_filter(user)))

    @staticmethod
    def follow_filter(user: User, roles: tuple[str, ...] = (MEMBER, LEADER)) -> ColumnElement[bool]:
        return ClubSession.cohort_id.in_(CohortPolicy.member_filter(user, roles))

    @classmethod
    def to_run_or_404(cls, session_id: int) -> ClubSession:
        session = db.session.get(ClubSession, session_id)
        if session is None or not CohortPolicy.can_lead(current_user, session.cohort):
            abort(404)
        return session

    @classmethod
    def to_follow_or_404(cls, session_id: int) -> ClubSession:
        session = db.session.get(ClubSession, session_id)
        if session is None or not CohortPolicy.is_member(current_user, session.cohort_id):
            abort(404)
        return session


def cohort_to_run_or_404(cohort_id: int) -> Cohort:
    """A cohort the signed-in user may run club sessions for (teacher or leader); 404 else."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not CohortPolicy.can_lead(current_user, cohort):
        abort(404)
    return cohort


def led_cohort_or_404(student: User, cohort_id: int) -> Cohort:
    """A cohort the student leads (is a leader member of); 404 for anyone else."""
    cohort = db.session.scalar(
        select(Cohort).where(
            Cohort.id == cohort_id, CohortPolicy.lead_filter(student, students_only=True)
        )
    )
    if cohort is None:
        abort(404)
    return cohort


# --- A student's records (export, delete) ---------------------------------------------------

SHARED_STUDENT_MESSAGE = _l(
    "This student is also in a cohort of another teacher, so only an administrator can export "
    "or delete their records."
)


class StudentRecordsPolicy:
    """Who may export or delete everything about a student: an admin, or the teacher of every
    cohort the student is in (a student shared with another teacher needs an admin)."""

    ALLOWED, SHARED, NOT_YOURS = "allowed", "shared", "not-yours"

    @classmethod
    def decide(cls, user: User, student: User | None) -> str:
        if student is None or not student.is_student:
            return cls.NOT_YOURS
        if user.role == ADMIN:
            return cls.ALLOWED
        owners = set(
            db.session.scalars(
                select(Cohort.owner_id)
                .join(Membership, Membership.cohort_id == Cohort.id)
                .where(Membership.user_id == student.id)
            )
        )
        if user.id not in owners:
            return cls.NOT_YOURS
        return cls.ALLOWED if owners == {user.id} else cls.SHARED

    @classmethod
    def student_or_404(cls, student_id: int) -> tuple[User, str]:
        """The student and the decision for the signed-in teacher; 404 if none of theirs."""
        student = db.session.get(User, student_id)
        decision = cls.decide(current_user, student)
        if decision == cls.NOT_YOURS:
            abort(404)
        return student, decision
