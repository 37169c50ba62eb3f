"""SQLite settings for several workers: WAL, busy timeout, foreign keys, immediate writes."""

from __future__ import annotations

import socket

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


# --- When the database goes away -------------------------------------------------------------


def assert_unavailable_page(response):
    """The site's own 503: help numbers, Quick exit and security headers, shown signed out."""
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert page.count("<h1>") == 1 and "We can't open your work right now" in page
    assert "Quick exit" in page and "call 911" in page.lower()
    assert "Childhelp National Child Abuse Hotline" in page and 'href="tel:18004224453"' in page
    assert "Sign out" not in page


def test_a_database_that_goes_away_gets_a_503_with_help_and_comes_back_without_a_restart(
    make_app, school_in, tmp_path
):
    folder = tmp_path / "data"
    folder.mkdir()
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.db'}")
    school_in(app)
    student = app.test_client()
    assert student.post(
        "/sign-in", data={"username": "student-one", "password": "correct-horse-9"}
    ).status_code == 302
    assert student.get("/learn/").status_code == 200

    folder.rename(tmp_path / "moved")  # the disk is gone: no new connection can open the file
    with app.app_context():
        db.engine.dispose()
    assert_unavailable_page(student.get("/learn/"))  # the user loader itself fails
    assert_unavailable_page(student.get("/help/"))
    signing_in = app.test_client().post(
        "/sign-in", data={"username": "student-two", "password": "correct-horse-9"}
    )
    assert_unavailable_page(signing_in)

    (tmp_path / "moved").rename(folder)
    page = student.get("/learn/")
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)


def test_a_postgresql_server_that_is_down_gets_the_same_page(tmp_path):
    from student_portal import create_app
    from tests.conftest import app_config

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(
        app_config(
            tmp_path,
            SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://nobody@127.0.0.1:{port}/portal",
        )
    )
    client = app.test_client()
    with client.session_transaction() as session:  # someone who signed in before it went down
        session["_user_id"] = "1:1"
        session["_fresh"] = True
    assert_unavailable_page(client.get("/learn/"))
    assert_unavailable_page(client.get("/"))
    with app.app_context():
        db.engine.dispose()
