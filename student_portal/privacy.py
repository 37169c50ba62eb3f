"""A student's data rights: everything stored about one student, exported or deleted.

The tables are found from the schema, not listed by hand: every column with a foreign key to
`user.id`, and below each the tables that hang off those rows (an attempt's answers, ...). Each
such column has a rule in REFERENCES; a column without one stops export and delete with
UncoveredReference, and `tests/test_privacy.py` fails, so a new table can't be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Table, delete, exists, func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from .database import begin_write
from .extensions import db
from .models import (
    CLOSED,
    STUDENT,
    Attendance,
    ClubSession,
    Cohort,
    HelpRequest,
    LessonProgress,
    PollVoter,
    QuizAttempt,
    QuizDraft,
    User,
    utcnow,
)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


ABOUT_EXPORT = N_(
    "Everything this site stores about one student, by table. Passwords are "
    "stored only as a one-way hash, which is left out."
)

# What a row that refers to a student is, and so what export and delete do with it.
OWNED = "owned"  # the student's own data: exported with the rows below it, deleted with them
LED = "led"  # a club session the student ran: the cohort's record, exported, handed to its teacher
STAFF = "staff"  # only staff are referred to here; a student found here stops the delete

REFERENCES = {
    "membership.user_id": OWNED,
    "lesson_progress.user_id": OWNED,
    "check_use.user_id": OWNED,
    "quiz_attempt.user_id": OWNED,
    "quiz_draft.user_id": OWNED,
    "help_request.student_id": OWNED,
    "attendance.user_id": OWNED,
    "club_session.leader_id": LED,
    "help_request.teacher_id": STAFF,
    "cohort.owner_id": STAFF,
}

EXCLUDED_COLUMNS = {"user": {"password_hash"}}  # never leaves the server, even to its owner


class UncoveredReference(RuntimeError):
    """A table refers to users, but nothing says what export and delete do with it."""


class StaffReference(ValueError):
    """The account is referred to as staff (owns a cohort, ...), so it isn't a student's."""


@dataclass(frozen=True)
class Reference:
    """A column that holds a user id, and the rule for its rows."""

    table: Table
    column: Column
    rule: str

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"


def user_references() -> list[Reference]:
    """Every column of the schema with a foreign key to `user.id`, with its rule."""
    user = User.__table__
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is user:
                name = f"{table.name}.{key.parent.name}"
                if name not in REFERENCES:
                    raise UncoveredReference(
                        f"{name} refers to users, but privacy.REFERENCES has no rule for it"
                    )
                found.append(Reference(table, key.parent, REFERENCES[name]))
    return found


def dependents(table: Table) -> list[tuple[Table, Column, Column]]:
    """Tables whose rows hang off `table`'s rows: (child table, its key column, parent column)."""
    return [
        (child, key.parent, key.column)
        for child in db.metadata.sorted_tables
        for key in child.foreign_keys
        if key.column.table is table and child is not table
    ]


def _owned_rows(reference: Reference, user_id: int):
    """(table, condition) for the rows a student owns through one reference, deepest last."""
    found: list[tuple[Table, ColumnElement[bool]]] = []

    def walk(table: Table, condition: ColumnElement[bool]) -> None:
        found.append((table, condition))
        for child, child_column, parent_column in dependents(table):
            walk(child, child_column.in_(select(parent_column).where(condition)))

    walk(reference.table, reference.column == user_id)
    return found


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(table: Table, condition) -> list[dict]:
    hidden = EXCLUDED_COLUMNS.get(table.name, set())
    columns = [column for column in table.columns if column.name not in hidden]
    result = db.session.execute(select(*columns).where(condition).order_by(*table.primary_key))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def export_student(student: User) -> dict:
    """Every row that refers to the student, by table: a plain dict, ready for JSON."""
    references = user_references()
    tables: dict[str, list[dict]] = {}
    for reference in references:
        if reference.rule == OWNED:
            places = _owned_rows(reference, student.id)
        else:
            places = [(reference.table, reference.column == student.id)]
        for table, condition in places:
            rows = tables.setdefault(table.name, [])
            seen = {tuple(row[c.name] for c in table.primary_key) for row in rows}
            rows += [
                row
                for row in _rows(table, condition)
                if tuple(row[c.name] for c in table.primary_key) not in seen
            ]
    (account,) = _rows(User.__table__, User.__table__.c.id == student.id)
    return {
        "exported_at": utcnow().isoformat(),
        # In the reader's language on a download; in English from the command line and tests.
        "about": _(ABOUT_EXPORT) if has_request_context() else ABOUT_EXPORT,
        "user": account,
        "tables": {name: rows for name, rows in sorted(tables.items()) if rows},
    }


def delete_student(student: User) -> dict[str, int]:
    """Delete the student and every row that refers to them; rows removed per table.

    Club sessions they ran belong to the cohort's record (other students attended them), so
    they stay and are handed to the cohort's teacher. One transaction: all or nothing.
    """
    if not student.is_student:
        raise StaffReference(_l("Only student accounts are deleted here."))
    references = user_references()
    for reference in references:
        if reference.rule == STAFF and db.session.scalar(
            select(func.count()).select_from(reference.table).where(reference.column == student.id)
        ):
            raise StaffReference(
                _l("This account is referred to as staff (%(column)s).", column=reference.name)
            )
    removed: dict[str, int] = {}
    for reference in references:
        if reference.rule == OWNED:
            for table, condition in reversed(_owned_rows(reference, student.id)):
                count = db.session.execute(delete(table).where(condition)).rowcount
                removed[table.name] = removed.get(table.name, 0) + count
        elif reference.rule == LED:
            teacher = select(Cohort.owner_id).where(Cohort.id == ClubSession.cohort_id)
            db.session.execute(
                update(ClubSession)
                .where(ClubSession.leader_id == student.id)
                .values(leader_id=teacher.scalar_subquery())
            )
    removed["user"] = db.session.execute(
        delete(User.__table__).where(User.__table__.c.id == student.id)
    ).rowcount
    db.session.commit()  # expires loaded objects: any of the deleted rows now reads as gone
    return {table: count for table, count in removed.items() if count}


# --- Retention ------------------------------------------------------------------------------

HELP_REQUEST_RETENTION_DAYS = 365  # closed "I need to talk to someone" requests, after closing


def inactive_students(days: int) -> list[User]:
    """Students with no activity for `days` days: no sign-in, reading, quiz or club session.

    Activity is read from the rows it leaves (sign-ins set `last_seen_at`), so no page view has
    to write anything to keep a student's account alive.
    """
    limit = utcnow() - timedelta(days=days)
    recent = [
        select(LessonProgress.id).where(
            LessonProgress.user_id == User.id,
            or_(LessonProgress.started_at >= limit, LessonProgress.completed_at >= limit),
        ),
        select(QuizAttempt.id).where(
            QuizAttempt.user_id == User.id, QuizAttempt.submitted_at >= limit
        ),
        select(QuizDraft.id).where(QuizDraft.user_id == User.id, QuizDraft.updated_at >= limit),
        select(Attendance.id).where(Attendance.user_id == User.id, Attendance.joined_at >= limit),
    ]
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role == STUDENT,
                User.created_at < limit,
                or_(User.last_seen_at.is_(None), User.last_seen_at < limit),
                *(~exists(query) for query in recent),
            )
            .order_by(User.username)
        )
    )


def record_sign_in(user: User) -> None:
    """Note that the user was here today (written at most once a day, at sign-in)."""
    now = utcnow()
    if user.last_seen_at is None or user.last_seen_at.date() < now.date():
        begin_write()  # sign-in reads without the write lock; take it only to write this
        user.last_seen_at = now
        db.session.commit()


def expired_help_requests(days: int = HELP_REQUEST_RETENTION_DAYS) -> list[HelpRequest]:
    limit = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            select(HelpRequest)
            .where(HelpRequest.status == CLOSED, HelpRequest.closed_at < limit)
            .order_by(HelpRequest.id)
        )
    )


def delete_help_requests(requests: list[HelpRequest]) -> int:
    ids = [request.id for request in requests]
    if not ids:
        return 0
    count = db.session.execute(delete(HelpRequest).where(HelpRequest.id.in_(ids))).rowcount
    db.session.commit()
    return count


def stale_poll_voters() -> list[PollVoter]:
    """ "Has voted" marks left by sessions that ended on their own with a poll still open."""
    from .club import cutoff

    ended = select(ClubSession.id).where(
        or_(ClubSession.ended_at.is_not(None), ClubSession.started_at < cutoff())
    )
    return list(db.session.scalars(select(PollVoter).where(PollVoter.session_id.in_(ended))))
