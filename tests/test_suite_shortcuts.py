"""The test suite's shortcuts (conftest.py, factories.py) leave what the tests see unchanged."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from flask import url_for
from sqlalchemy import create_engine, event, func, select

from student_portal.extensions import db
from student_portal.models import Membership, User
from student_portal.progress import complete_lesson
from tests import conftest
from tests.conftest import Auth, build_school
from tests.factories import make_cohort, make_student, make_teacher, one_transaction
from tests.helpers import stored_rows


def test_shared_url_builders_are_the_code_werkzeug_compiles(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        for append_unknown in (False, True):
            own = conftest._werkzeug_compile_builder(rule, append_unknown)
            shared = conftest._shared_compile_builder(rule, append_unknown)
            assert shared.__code__ == own.__code__, rule.rule


def test_urls_are_built_the_same_in_two_apps(make_app, tmp_path):
    first, second = make_app(), make_app(SERVER_NAME="school.example")
    for app in (first, second):
        with app.test_request_context():
            assert url_for("learn.lesson", slug="01-first-steps").endswith(
                "/learn/01-first-steps"
            )
            assert url_for("learn.lesson", slug="01-first-steps", tab="x").endswith(
                "/learn/01-first-steps?tab=x"
            )


def _schema(path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        return sorted(rows)


def test_a_tests_database_starts_with_the_tables_create_all_makes(app, tmp_path):
    made_here = tmp_path / "made-here.db"
    engine = create_engine(f"sqlite:///{made_here}")
    db.metadata.create_all(engine)
    engine.dispose()
    with app.app_context():
        database = db.engine.url.database
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL: the schema is made by create_all itself
        db.engine.dispose()
    assert _schema(database) == _schema(made_here)


def test_one_transaction_stores_the_same_rows_with_one_commit(app):
    commits = []
    with app.app_context():
        event.listen(db.session(), "after_commit", lambda session: commits.append(1))
        with one_transaction():
            cohort = make_cohort(make_teacher("batch-teacher"), "Batch")
            for number in range(20):
                make_student(cohort, f"batch-{number}")
        assert len(commits) == 1
        cohort_id = cohort.id
        db.session.remove()
        members = db.session.scalar(
            select(func.count()).select_from(Membership).where(Membership.cohort_id == cohort_id)
        )
        assert members == 20
        assert db.session.scalar(select(User).where(User.username == "batch-19")) is not None


def test_one_transaction_stores_nothing_when_the_build_fails(app):
    with app.app_context():
        try:
            with one_transaction():
                make_teacher("half-built")
                raise RuntimeError("the build stopped")
        except RuntimeError:
            pass
        db.session.remove()
        assert db.session.scalar(select(User).where(User.username == "half-built")) is None


def school_with_progress(app) -> dict:
    """The school, with a lesson read (rows the database's triggers count into tallies)."""
    school = build_school(app)
    with app.app_context():
        complete_lesson(db.session.get(User, school["student"]), "01-first-steps")
    return school


def test_a_saved_school_comes_back_whole_after_a_test_wrote_to_it(save_school):
    saved = save_school(school_with_progress)
    before = stored_rows(saved.app)  # as the school was built
    ids = saved.restore()
    assert stored_rows(saved.app) == before
    client = saved.app.test_client()
    Auth(client).login("teacher-a")
    removed = client.post(f"/teach/cohorts/{ids['cohort']}/members/{ids['student']}/remove")
    assert removed.status_code == 302
    assert stored_rows(saved.app) != before
    assert saved.restore() == ids
    assert stored_rows(saved.app) == before
    page = saved.app.test_client().get("/")  # and the app still serves, on the restored file
    assert page.status_code == 200


def test_a_saved_school_forgets_the_pages_its_app_kept(save_school):
    saved = save_school(build_school)
    saved.restore()
    assert saved.app.extensions["chrome"] == {}
    assert saved.app.test_client().get("/help/").status_code == 200
    assert saved.app.extensions["chrome"] != {}  # the visitor's help page, kept
    saved.restore()
    assert saved.app.extensions["chrome"] == {}
    assert saved.app.extensions["languages"]  # what the app was built with stays


def test_the_school_fixture_holds_the_rows_build_school_makes(app, school, make_app, tmp_path):
    built_here = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'built-here.db'}")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return  # PostgreSQL: the school fixture is build_school itself
    ids = build_school(built_here)
    assert {**school, "join_code": None} == {**ids, "join_code": None}  # a code is random
    copied, made = stored_rows(app), stored_rows(built_here)
    assert {table: len(rows) for table, rows in copied.items()} == {
        table: len(rows) for table, rows in made.items()
    }

    def people(some_app):
        with some_app.app_context():
            query = select(User.id, User.username, User.role, Membership.cohort_id, Membership.role)
            return db.session.execute(query.join(Membership, isouter=True).order_by(User.id)).all()

    assert people(app) == people(built_here)
