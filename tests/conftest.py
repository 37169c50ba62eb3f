"""Fixtures: an app on a temporary database with the small fixture lesson set."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, insert, select, text
from werkzeug.routing import Rule

from student_portal import create_app
from student_portal.extensions import db, limiter
from student_portal.kept import KeptPages
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


CACHES = ("CONTENT_CACHE_DIR", "TEMPLATE_CACHE_DIR")
SHARED_CACHES = "STUDENT_PORTAL_TEST_CACHES"  # the run's folder, for its xdist workers


def pytest_configure(config):
    """One content cache and one template cache for the whole run, outside the checkout's
    instance/ folder: the apps and `flask` commands the tests start all use them (lessons
    rendered and templates compiled once, read back after). Under xdist the first process
    makes them and its workers, which inherit its environment, share them; it also loads the
    real lessons into them once, before the workers start, so none of them renders them again
    (each did, to collect test_curriculum and test_quizzes)."""
    if os.environ.get(SHARED_CACHES):
        return  # an xdist worker: the folders are its controller's
    root = Path(tempfile.mkdtemp(prefix="student-portal-test-caches-"))
    config.stash[_made_caches] = (root, {name: os.environ.get("PORTAL_" + name) for name in CACHES})
    os.environ[SHARED_CACHES] = str(root)
    for name in CACHES:
        os.environ["PORTAL_" + name] = str(root / name.lower().replace("_", "-"))
    if getattr(config.option, "numprocesses", None):
        from tests.real_lessons import real_catalog

        real_catalog()


def pytest_unconfigure(config):
    made = config.stash.get(_made_caches, None)
    if made is None:
        return
    root, previous = made
    os.environ.pop(SHARED_CACHES, None)
    for name, value in previous.items():
        if value is None:
            os.environ.pop("PORTAL_" + name, None)
        else:
            os.environ["PORTAL_" + name] = value
    shutil.rmtree(root, ignore_errors=True)


_made_caches = pytest.StashKey[tuple]()


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


def new_app(folder: Path, empty_schema, **overrides):
    """An app on a fresh database in `folder` (a copy of the empty schema on SQLite)."""
    app = create_app(app_config(folder, **overrides))
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
    return app


def close_app(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(tmp_path, empty_schema):
    """Build an app with config overrides; its tables are created and dropped around the test."""
    apps = []

    def build(**overrides):
        app = new_app(tmp_path, empty_schema, **overrides)
        apps.append(app)
        return app

    yield build
    for app in apps:
        close_app(app)


class SavedSchool:
    """One app for a test module, and its database as `fill(app)` left it (`ids`, what `fill`
    returned, name its rows). `restore()` puts that database back before each test and empties
    what the app keeps in memory between requests (kept pages and fragments, signed CSRF
    tokens, rate-limit counts), so each test starts as on an app and rows of its own, and what
    one test writes never reaches the next. The rows are built once: on SQLite each test gets a
    copy of the saved file; on PostgreSQL (one database for the suite) the saved rows are
    inserted again into new tables."""

    def __init__(self, app, folder: Path, fill):
        self.app = app
        # Each dict the app keeps in memory (fragments of pages, signed tokens, its languages) as
        # it was before any request, to be given back to each test.
        self.extensions = {
            name: dict(value) for name, value in app.extensions.items() if isinstance(value, dict)
        }
        with app.app_context():
            self.ids = fill(app)
            db.session.remove()
            self.sqlite = db.engine.dialect.name == "sqlite"
            if self.sqlite:
                self.database = Path(db.engine.url.database)
                self.saved = folder / "saved.db"
                db.engine.dispose()
                with closing(sqlite3.connect(self.database)) as source, closing(
                    sqlite3.connect(self.saved)
                ) as copy:
                    source.backup(copy)  # the file as committed, WAL included
            else:
                with db.engine.connect() as connection:
                    self.rows = {
                        table: [dict(row) for row in connection.execute(select(table)).mappings()]
                        for table in db.metadata.sorted_tables
                    }

    def restore(self) -> dict:
        app = self.app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # no connection is left open on the file replaced below
            if self.sqlite:
                for leftover in ("-wal", "-shm"):
                    Path(f"{self.database}{leftover}").unlink(missing_ok=True)
                shutil.copyfile(self.saved, self.database)
            else:
                self._insert_saved_rows()
            limiter.reset()
        for name, value in app.extensions.items():  # the pages and tokens kept in memory
            if isinstance(value, KeptPages):
                app.extensions[name] = KeptPages(value.size)
            elif isinstance(value, dict):
                value.clear()
                value.update(self.extensions[name])
        return self.ids

    def _insert_saved_rows(self) -> None:
        """PostgreSQL: new tables, the saved rows put back (with the triggers off: the tallies
        they keep are among the rows), each id sequence where it was."""
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.metadata.create_all(connection)
            quote = connection.dialect.identifier_preparer
            for table, rows in self.rows.items():
                if rows:  # as saved: the triggers that keep tallies already counted them
                    name = quote.format_table(table)
                    connection.execute(text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
                    connection.execute(insert(table), rows)
                    connection.execute(text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
                column = table.autoincrement_column
                if column is not None:
                    name, key = quote.format_table(table), quote.quote(column.name)
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                            f"COALESCE(MAX({key}), 1), MAX({key}) IS NOT NULL) FROM {name}"
                        ),
                        {"table": name, "column": column.name},
                    )

    def close(self) -> None:
        close_app(self.app)


@pytest.fixture(scope="module")
def save_school(tmp_path_factory, empty_schema):
    """`save_school(fill, **config)`: a `SavedSchool` for this module (see there)."""
    saved = []

    def build(fill, **overrides) -> SavedSchool:
        folder = tmp_path_factory.mktemp("saved-school")
        school = SavedSchool(new_app(folder, empty_schema, **overrides), folder, fill)
        saved.append(school)
        return school

    yield build
    for school in saved:
        school.close()


@pytest.fixture(scope="module")
def module_app(save_school):
    return save_school(lambda app: {})


@pytest.fixture
def shared_app(module_app):
    """One app for a whole test file, its database put back empty and what it keeps in memory
    emptied before each test (see SavedSchool). A file whose tests only use the app through
    its pages and its database opts in with `app(shared_app)`: each test then starts as on an
    app of its own, without building one (`create_app` is most of a small test's set-up)."""
    module_app.restore()
    return module_app.app


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


SAVED_SCHOOL_SECONDS = 60  # rows older than this (or from another day) are built again


@pytest.fixture(scope="session")
def saved_school_file(tmp_path_factory, empty_schema):
    """`get()`: an SQLite file holding `build_school`'s rows and their ids, made once a minute
    at most (so the rows' times are as recent as a test's own would be)."""
    saved: dict = {}

    def get() -> dict:
        if not saved or time.time() - saved["made"] > SAVED_SCHOOL_SECONDS or (
            datetime.fromtimestamp(saved["made"], UTC).date() != datetime.now(UTC).date()
        ):
            folder = tmp_path_factory.mktemp("school")
            app = new_app(folder, empty_schema)
            saved.update(made=time.time(), ids=build_school(app), path=folder / "school.db")
            with app.app_context():
                database = db.engine.url.database
            close_app(app)
            with closing(sqlite3.connect(database)) as source, closing(
                sqlite3.connect(saved["path"])
            ) as copy:
                source.backup(copy)
        return saved

    return get


def _empty_sqlite_file(database: Path) -> bool:
    with closing(sqlite3.connect(database)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )]
        rows = " UNION ALL ".join(f'SELECT 1 FROM (SELECT 1 FROM "{t}" LIMIT 1)' for t in tables)
        return not tables or connection.execute(rows).fetchone() is None


@pytest.fixture
def school(app, saved_school_file):
    """`build_school(app)`. On SQLite, while the app's database is still empty, its file is
    replaced by a copy of the same rows built once (`saved_school_file`): the same tables,
    rows and ids, without building them for every test."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database = Path(db.engine.url.database)
            db.session.remove()
            db.engine.dispose()
            if _empty_sqlite_file(database):
                saved = saved_school_file()
                for leftover in ("-wal", "-shm"):
                    Path(f"{database}{leftover}").unlink(missing_ok=True)
                shutil.copyfile(saved["path"], database)
                return dict(saved["ids"])
    return build_school(app)


@pytest.fixture
def school_in():
    """For tests that build their own app: `school_in(app)` adds the same school to it."""
    return build_school
