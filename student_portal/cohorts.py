"""Cohort rules: join codes, joining, roles, removing members, creating accounts."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .database import begin_write
from .extensions import db
from .models import ADMIN, LEADER, MEMBER, STUDENT, TEACHER, Cohort, Membership, User, utcnow
from .names import name_skeleton
from .passwords import hash_password, needs_rehash, verify_password, waste_time_like_a_check

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
        super().__init__(_l("That username is taken. Please choose another."))


def cohort_for_join_code(code: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(Cohort.join_code == code))
    if cohort is None or cohort.archived:
        raise JoinError(_l("We couldn't find a group with that code. Check it with your teacher."))
    if not cohort.join_open:
        raise JoinError(_l("This group isn't taking new members right now. Ask your teacher."))
    return cohort


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def name_taken_in_cohort(cohort: Cohort, name: str, username: str | None = None) -> bool:
    """True if `name` looks like (same skeleton as) a name someone in the cohort goes by.

    Compared with every member's username and display name and the teacher's; `username` is
    the person choosing the name, whose own username doesn't count against them.
    """
    skeleton = name_skeleton(name)
    if not skeleton:
        return False
    rows = db.session.execute(
        select(User.username, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
        .union_all(
            select(User.username, User.display_name).where(User.id == cohort.owner_id)
        )
    )
    for member_username, member_display_name in rows:
        if member_username == username:
            continue
        for taken in (member_username, member_display_name):
            if taken and name_skeleton(taken) == skeleton:
                return True
    return False


def create_student_with_membership(
    cohort: Cohort, username: str, password: str, display_name: str | None
) -> User:
    """A new student account in one transaction with its first membership.

    The password is hashed before the write transaction opens: hashing takes a while, and
    other students' sign-ins and answers must not wait for it.
    """
    password_hash = hash_password(password)
    cohort_id = cohort.id
    begin_write()
    student = User(
        username=username,
        display_name=display_name or None,
        role=STUDENT,
        password_hash=password_hash,
        last_seen_at=utcnow(),  # they are here now: signing them in then writes nothing more
    )
    db.session.add_all([student, Membership(user=student, cohort_id=cohort_id, role=MEMBER)])
    _commit_new_account()
    return student


def create_teacher(
    username: str, display_name: str | None, email: str | None, password: str, role: str = TEACHER
) -> User:
    password_hash = hash_password(password)  # before the write transaction, as above
    begin_write()
    teacher = User(
        username=username,
        display_name=display_name,
        email=email or None,
        role=role,
        password_hash=password_hash,
    )
    db.session.add(teacher)
    _commit_new_account()
    return teacher


class AccountDeactivated(ValueError):
    """The password was right, but the account has been switched off."""

    def __init__(self):
        super().__init__(
            _l("This account has been deactivated. Please ask an administrator if you need it.")
        )


def authenticate(username: str, password: str) -> User | None:
    """The user with this username and password, or None; AccountDeactivated if switched off.

    Takes no write lock while it checks the password: it reads, hashes, and writes only to
    replace a hash made with older settings (then in a short transaction of its own).
    """
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        waste_time_like_a_check(password)  # an unknown username takes as long as a wrong one
        return None
    user_id, stored_hash = user.id, user.password_hash
    if not verify_password(stored_hash, password):
        return None
    if not user.active:
        raise AccountDeactivated()
    if needs_rehash(stored_hash):
        new_hash = hash_password(password)
        begin_write()
        # Only if nobody changed the password in the meantime (a teacher's reset wins).
        db.session.execute(
            update(User)
            .where(User.id == user_id, User.password_hash == stored_hash)
            .values(password_hash=new_hash)
        )
        db.session.commit()
    return user


def set_staff_active(staff: User, active: bool) -> None:
    """Switch a teacher or admin account off (signing it out everywhere) or back on."""
    staff.active = active
    if not active:
        staff.end_all_sessions()
    db.session.commit()


def staff_accounts() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_((TEACHER, ADMIN))).order_by(User.username)
        )
    )


def _commit_new_account() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:  # two people took the same username at the same moment
        db.session.rollback()
        raise UsernameTaken() from error


def join_cohort(student: User, cohort: Cohort) -> bool:
    """Add a membership; False if the student was already in the cohort."""
    student_id, cohort_id = student.id, cohort.id
    begin_write()
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == student_id, Membership.cohort_id == cohort_id
        )
    )
    if exists:
        return False
    db.session.add(Membership(user_id=student_id, cohort_id=cohort_id, role=MEMBER))
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
    password_hash = hash_password(password)  # before the write transaction, as above
    begin_write()
    user.password_hash = password_hash
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
