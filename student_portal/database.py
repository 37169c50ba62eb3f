"""SQLite tuning for several workers, and the write transactions it needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, request
from sqlalchemy import event

from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def tune_sqlite(engine) -> None:
    """WAL, a busy timeout and foreign keys on every connection; BEGIN IMMEDIATE for writes."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, not left in free pages: a deleted student or
        # a closed poll's "has voted" list must not be readable from the file afterwards.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another worker wrote in between; taking the write lock up front makes
        # it wait (busy_timeout) instead. Page views stay deferred so readers never queue, and
        # so do views marked @writes_explicitly, which open their writes with begin_write().
        # Outside a request (CLI, a background export) it writes unless told sqlite_immediate=False.
        immediate = connection.get_execution_options().get("sqlite_immediate")
        if immediate is None:
            immediate = not (
                has_request_context()
                and (request.method in READ_ONLY_METHODS or _view_writes_explicitly())
            )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        connection.info["write_locked"] = immediate


def _view_writes_explicitly() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "writes_explicitly", False)


def writes_explicitly(view: Callable) -> Callable:
    """Mark a view whose POSTs read, do slow work (hashing a password), then perhaps write.

    Its transactions begin deferred, so reading takes no write lock and other workers' writes
    don't queue behind its slow work; it (or the service it calls) opens each write with
    begin_write(). Put it right below the route decorator.
    """
    view.writes_explicitly = True
    return view


def begin_write() -> None:
    """Make sure the session's transaction may write without failing on SQLite's lock: from a
    page view (a GET that records something), a view marked @writes_explicitly, or a service.

    On SQLite, a transaction already opened with BEGIN IMMEDIATE is kept; a read transaction
    (nothing is pending in it: services own every write) is ended and the next one opened with
    BEGIN IMMEDIATE. PostgreSQL needs neither: services lock the rows they change.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().info.get("write_locked"):
            return
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


@contextmanager
def recorded_statements(engine, keep=None) -> Iterator[list[str]]:
    """The SQL statements the engine sends inside the block (those `keep` accepts, if given)."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        if keep is None or keep(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


DATA_STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def data_queries(statements: list[str]) -> list[str]:
    """The statements that read or write data (not BEGIN, COMMIT, PRAGMA and the like)."""
    return [s for s in statements if s.lstrip().upper().startswith(DATA_STATEMENTS)]
