"""Small factory functions for test data. Call inside an app context."""

from __future__ import annotations

import itertools

from werkzeug.security import generate_password_hash

from student_portal.cohorts import create_cohort
from student_portal.extensions import db
from student_portal.models import LEADER, MEMBER, STUDENT, TEACHER, Membership, User

PASSWORD = "correct-horse-9"
# Hashed once, cheaply: the app's own hashing (werkzeug's default) is tested through sign-up.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_numbers = itertools.count(1)


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
