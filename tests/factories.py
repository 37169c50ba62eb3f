"""Small factory functions for test data. Call inside an app context."""

from __future__ import annotations

import itertools
from contextlib import contextmanager

from argon2 import PasswordHasher

from student_portal.cohorts import create_cohort
from student_portal.extensions import db
from student_portal.models import LEADER, MEMBER, STUDENT, TEACHER, Membership, User

PASSWORD = "correct-horse-9"
# The test apps hash with Argon2id at its cheapest, so the suite stays fast; the real setting
# (OWASP's minimum) is checked in test_auth. Hashed once with the same parameters, so signing in
# a factory-made user doesn't rehash it.
TEST_HASHING = {"PASSWORD_ARGON2_TIME_COST": 1, "PASSWORD_ARGON2_MEMORY_KIB": 8}
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
_numbers = itertools.count(1)


@contextmanager
def one_transaction():
    """Build many rows (a 200-student cohort) in one transaction: inside the block, the
    factories and the services they call flush where they would commit, and everything is
    committed once at the end (or rolled back on an error). The rows are the same; only the
    commits per row (and the reloads after each) are saved."""
    session = db.session()
    commit = session.commit
    session.commit = session.flush
    try:
        yield
    except BaseException:
        session.commit = commit
        session.rollback()
        raise
    session.commit = commit
    session.commit()


def make_teacher(username: str | None = None, role: str = TEACHER) -> User:
    teacher = User(
        username=username or f"teacher{next(_numbers)}", display_name="Ms Test", role=role
    )
    teacher.password_hash = PASSWORD_HASH
    db.session.add(teacher)
    db.session.commit()
    return teacher


def make_cohort(owner: User | None = None, name: str = "Period 3", grade_band: str = "6-8"):
    return create_cohort(owner or make_teacher(), name, grade_band)


def make_student(cohort=None, username: str | None = None, leader: bool = False) -> User:
    student = User(username=username or f"student{next(_numbers)}", role=STUDENT)
    student.password_hash = PASSWORD_HASH
    db.session.add(student)
    if cohort is not None:
        db.session.add(Membership(user=student, cohort=cohort, role=LEADER if leader else MEMBER))
    db.session.commit()
    return student
