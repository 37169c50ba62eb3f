"""SQLite tuning for several workers, and the write transactions it needs."""

from __future__ import annotations

from flask import has_request_context, request
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
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another worker wrote in between; taking the write lock up front makes
        # it wait (busy_timeout) instead. Page views stay deferred so readers never queue.
        immediate = connection.get_execution_options().get("sqlite_immediate") or not (
            has_request_context() and request.method in READ_ONLY_METHODS
        )
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Start a write transaction from a page view (a GET that records something).

    Ends the read transaction the view may have open (nothing is pending in it: services own
    every write) and opens the next one with BEGIN IMMEDIATE on SQLite.
    """
    if db.session().in_transaction():
        db.session.commit()
    db.session.connection(execution_options={"sqlite_immediate": True})
