"""Cohort rules: join codes, joining, roles, removing members, creating accounts."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import LEADER, MEMBER, STUDENT, TEACHER, Cohort, Membership, User

# No look-alikes: 0/O, 1/I/L are left out, and so is U (reads as V in some fonts).
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    """A random code that no cohort uses yet."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code


def format_join_code(code: str) -> str:
    """KX7PM4 → KX7-PM4, easier to read aloud and copy."""
    return f"{code[:3]}-{code[3:]}" if len(code) == JOIN_CODE_LENGTH else code


LEADER_MIN_GRADE = 9  # peer leaders are high-school students; younger groups are adult-led


def leaders_allowed(grade_band: str) -> bool:
    """Whether every grade in a band like "6-8" or "9-12" is old enough for peer leaders."""
    lowest = grade_band.split("-")[0]
    return lowest.isdigit() and int(lowest) >= LEADER_MIN_GRADE


def create_cohort(owner: User, name: str, grade_band: str) -> Cohort:
    cohort = Cohort(name=name, grade_band=grade_band, owner=owner, join_code=new_join_code())
    db.session.add(cohort)
    db.session.commit()
    return cohort


def regenerate_join_code(cohort: Cohort) -> None:
    cohort.join_code = new_join_code()
    cohort.join_open = True
    db.session.commit()


def set_join_open(cohort: Cohort, is_open: bool) -> None:
    cohort.join_open = is_open
    db.session.commit()


class JoinError(ValueError):
    """A join code that can't be used, with a message for the student."""


class UsernameTaken(ValueError):
    """Someone has this username (perhaps since the form was checked)."""

    def __init__(self):
        super().__init__("That username is taken. Please choose another.")


def cohort_for_join_code(code: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.join_code == code))
    if cohort is None or cohort.archived:
        raise JoinError("We couldn't find a group with that code. Check it with your teacher.")
    if not cohort.join_open:
        raise JoinError("This group isn't taking new members right now. Ask your teacher.")
    return cohort


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def create_student_with_membership(
    cohort: Cohort, username: str, password: str, display_name: str | None
) -> User:
    """A new student account in one transaction with its first membership."""
    student = User(username=username, display_name=display_name or None, role=STUDENT)
    student.set_password(password)
    db.session.add_all([student, Membership(user=student, cohort=cohort, role=MEMBER)])
    _commit_new_account()
    return student


def create_teacher(
    username: str, display_name: str | None, email: str | None, password: str, role: str = TEACHER
) -> User:
    teacher = User(username=username, display_name=display_name, email=email or None, role=role)
    teacher.set_password(password)
    db.session.add(teacher)
    _commit_new_account()
    return teacher


def _commit_new_account() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:  # two people took the same username at the same moment
        db.session.rollback()
        raise UsernameTaken() from error


def join_cohort(student: User, cohort: Cohort) -> bool:
    """Add a membership; False if the student was already in the cohort."""
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == student.id, Membership.cohort_id == cohort.id
        )
    )
    if exists:
        return False
    db.session.add(Membership(user_id=student.id, cohort_id=cohort.id, role=MEMBER))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def set_member_role(membership: Membership, leader: bool) -> None:
    membership.role = LEADER if leader else MEMBER
    db.session.commit()


def remove_member(membership: Membership) -> None:
    """Take a student out of a cohort. Their account and progress stay theirs."""
    db.session.delete(membership)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """Set a new password and sign the user out everywhere."""
    user.set_password(password)
    user.end_all_sessions()
    db.session.commit()


def student_cohorts(student: User) -> list[tuple[Cohort, str]]:
    rows = db.session.execute(
        select(Cohort, Membership.role)
        .join(Membership, Membership.cohort_id == Cohort.id)
        .where(Membership.user_id == student.id)
        .order_by(Cohort.name)
    )
    return [(cohort, role) for cohort, role in rows]
