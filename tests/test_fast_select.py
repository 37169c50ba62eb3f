"""FastSelect (database.py): the hot-path reads on the driver give what the ORM gives, are
counted like any statement, and fail the way SQLAlchemy's errors do."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import DateTime, bindparam, select
from sqlalchemy.exc import DBAPIError

from student_portal.database import FastSelect, data_queries, recorded_statements
from student_portal.extensions import db
from student_portal.models import QuizDraft, User

USER = FastSelect(
    lambda: select(User.id, User.username, User.active, User.created_at, User.last_seen_at).where(
        User.id == bindparam("user_id")
    )
)
DRAFT = FastSelect(
    lambda: select(QuizDraft.answers, QuizDraft.last_decision).where(
        QuizDraft.user_id == bindparam("user_id")
    )
)


def test_rows_come_back_as_the_orm_reads_them(app, school):
    with app.app_context():
        user = db.session.get(User, school["student"])
        user.last_seen_at = datetime(2026, 12, 1, 9, 30, 15, 250)
        db.session.add(
            QuizDraft(
                user_id=user.id,
                lesson_slug="01-first-steps",
                quiz_version="v1",
                key="k-1",
                answers={"q1": ["a", "b"]},
                last_decision=None,
            )
        )
        db.session.commit()
        expected = (user.id, user.username, True, user.created_at, user.last_seen_at)
        db.session.remove()
        assert USER.rows(user_id=school["student"]) == [expected]
        (row,) = USER.rows(user_id=school["student"])
        assert isinstance(row[3], datetime) and row[2] is True
        assert DRAFT.rows(user_id=school["student"]) == [({"q1": ["a", "b"]}, None)]
        assert USER.rows(user_id=999_999) == []


def test_its_statements_are_counted_like_any_other(app, school):
    with app.app_context():
        with recorded_statements(db.engine) as statements:
            USER.rows(user_id=school["student"])
        assert len(data_queries(statements)) == 1


SEEN_SINCE = FastSelect(
    lambda: select(User.username).where(
        User.last_seen_at >= bindparam("since", type_=DateTime)
    ).order_by(User.username)
)


def test_a_time_is_compared_as_the_database_keeps_it(app, school):
    """A datetime parameter goes through its type's bind processor (SQLite keeps text), so
    comparisons agree with the ORM's to the microsecond."""
    with app.app_context():
        users = db.session.scalars(select(User).order_by(User.id)).all()
        for user in users:
            user.last_seen_at = None
        users[0].last_seen_at = datetime(2026, 12, 1, 9, 30, 15, 250)
        users[1].last_seen_at = datetime(2026, 12, 1, 9, 30, 15, 251)
        db.session.commit()
        since = datetime(2026, 12, 1, 9, 30, 15, 251)
        orm = db.session.scalars(
            select(User.username).where(User.last_seen_at >= since).order_by(User.username)
        ).all()
        assert [row[0] for row in SEEN_SINCE.rows(since=since)] == orm == [users[1].username]


def test_only_plain_parameters_are_taken(app):
    with app.app_context(), pytest.raises(TypeError):
        USER.rows(user_id=[1, 2])


def test_a_database_error_is_raised_as_sqlalchemy_s(app):
    broken = FastSelect(lambda: select(User.id).where(User.username == bindparam("name")))
    with app.app_context():
        broken._plan(db.engine.dialect)[0] = "SELECT nothing FROM nowhere"
        with pytest.raises(DBAPIError):
            broken.rows(name="x")
        assert USER.rows(user_id=1) is not None  # the pool still hands out working connections
