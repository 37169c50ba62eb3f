"""Fixtures: an app on a temporary database with the small fixture lesson set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from werkzeug.routing import Rule

from student_portal import create_app
from student_portal.extensions import db
from tests.factories import (
    PASSWORD,
    TEST_HASHING,
    make_cohort,
    make_student,
    make_teacher,
    one_transaction,
)

FIXTURE_LESSONS = Path(__file__).parent / "fixtures" / "lessons" / "basic"

_werkzeug_compile_builder = Rule._compile_builder
_shared_builders: dict[tuple, object] = {}


def _shared_compile_builder(self: Rule, append_unknown: bool = True):
    """Werkzeug's URL builder for a rule, compiled once per run instead of once per app.

    Every test builds its own app, and werkzeug compiles two small functions for each of its
    URL rules, which was most of a test's set-up. The key holds everything the compiled code
    depends on (the rule, its parsed parts, its defaults as they appear in the URL), so equal
    keys get equal code; tests/test_suite_shortcuts.py checks it against werkzeug's own.
    """
    defaults = self.defaults or {}
    key = (
        append_unknown,
        self.rule,
        tuple(self._trace),
        tuple(str(name) for name in defaults),
        tuple(
            (data, self._converters[data].to_url(defaults[data]))
            for is_dynamic, data in self._trace
            if is_dynamic and data in defaults
        ),
    )
    builder = _shared_builders.get(key)
    if builder is None:
        builder = _shared_builders[key] = _werkzeug_compile_builder(self, append_unknown)
    return builder


Rule._compile_builder = _shared_compile_builder


@pytest.fixture(scope="session", autouse=True)
def start_up_caches(tmp_path_factory):
    """One content cache and one template cache for the whole run, outside the checkout's
    instance/ folder; the apps and `flask` commands the tests start all use them (lessons
    rendered and templates compiled once, read back after)."""
    folders = {
        name: tmp_path_factory.mktemp(name.lower().replace("_", "-"))
        for name in ("CONTENT_CACHE_DIR", "TEMPLATE_CACHE_DIR")
    }
    previous = {name: os.environ.get("PORTAL_" + name) for name in folders}
    os.environ.update({"PORTAL_" + name: str(folder) for name, folder in folders.items()})
    yield folders
    for name, value in previous.items():
        if value is None:
            os.environ.pop("PORTAL_" + name, None)
        else:
            os.environ["PORTAL_" + name] = value


def _relaxed_sync(dbapi_connection, _record):
    # Tests only: with WAL, NORMAL skips the fsync at each commit (durability after a power
    # cut, which no test can see); locking, isolation and the files themselves are unchanged.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def app_config(tmp_path: Path, **overrides) -> dict:
    # PORTAL_TEST_DATABASE_URL runs the suite on PostgreSQL; SQLite in a temp file otherwise.
    database_url = os.environ.get("PORTAL_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LESSONS_DIR": str(FIXTURE_LESSONS),
        "WTF_CSRF_ENABLED": False,
        "EXPORTS_DIR": str(tmp_path / "exports"),
        **TEST_HASHING,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def empty_schema(tmp_path_factory):
    """`empty_schema()`: an SQLite file with every table and no rows, made by `create_all` once
    per run; a test's database starts as a copy of it (the same file, without the DDL)."""
    path = tmp_path_factory.mktemp("schema") / "empty.db"

    def get() -> Path:
        if not path.exists():
            engine = create_engine(f"sqlite:///{path}")
            db.metadata.create_all(engine)
            engine.dispose()
        return path

    return get


@pytest.fixture
def make_app(tmp_path, empty_schema):
    """Build an app with config overrides; its tables are created and dropped around the test."""
    apps = []

    def build(**overrides):
        app = create_app(app_config(tmp_path, **overrides))
        with app.app_context():
            if db.engine.dialect.name == "sqlite":
                event.listen(db.engine, "connect", _relaxed_sync)
                database = db.engine.url.database
                if database and not os.path.exists(database):
                    shutil.copyfile(empty_schema(), database)
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.create_all()  # on a copy of the empty schema: only checks that every table is there
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


class Auth:
    """Signs a test client in and out as a given user."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/sign-in", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client):
    return Auth(client)


def build_school(app) -> dict:
    """Two teachers, each with a cohort; a student leader and two students in the first."""
    with app.app_context(), one_transaction():
        teacher = make_teacher("teacher-a")
        other_teacher = make_teacher("teacher-b")
        cohort = make_cohort(teacher, "Period 3")
        other_cohort = make_cohort(other_teacher, "Other class")
        leader = make_student(cohort, "leader-one", leader=True)
        student = make_student(cohort, "student-one")
        classmate = make_student(cohort, "student-two")
        outsider = make_student(other_cohort, "student-other")
        return {
            "teacher": teacher.id,
            "other_teacher": other_teacher.id,
            "cohort": cohort.id,
            "other_cohort": other_cohort.id,
            "join_code": cohort.join_code,
            "leader": leader.id,
            "student": student.id,
            "classmate": classmate.id,
            "outsider": outsider.id,
        }


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def school_in():
    """For tests that build their own app: `school_in(app)` adds the same school to it."""
    return build_school
