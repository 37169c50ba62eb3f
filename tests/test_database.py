"""SQLite settings for several workers: WAL, busy timeout, foreign keys, immediate writes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from student_portal.database import recorded_statements
from student_portal.extensions import db


@pytest.fixture
def begins(app):
    """The BEGIN statements SQLite receives during a test."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with recorded_statements(engine, keep=lambda s: s.startswith("BEGIN")) as statements:
        yield statements


def test_connections_use_wal_busy_timeout_and_foreign_keys(app, begins):
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_page_views_read_without_the_write_lock_and_forms_take_it(client, auth, school, begins):
    auth.login("student-one")
    begins.clear()
    client.get("/learn/progress")
    assert begins and all(statement == "BEGIN" for statement in begins)

    begins.clear()
    client.post("/learn/01-first-steps/start")
    assert "BEGIN IMMEDIATE" in begins


def test_a_page_view_that_records_progress_writes_in_an_immediate_transaction(
    client, auth, school, begins
):
    auth.login("student-one")
    begins.clear()
    client.get("/learn/02-second-look")  # no content note: opening it records the start
    assert begins[0] == "BEGIN" and "BEGIN IMMEDIATE" in begins
