"""SQLite tuning for several workers, and the write transactions it needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import sqltypes

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
    raw = _raw_recorders.setdefault(id(engine), [])
    raw.append(lambda statement: record(None, None, statement))
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        raw.pop()


DATA_STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def data_queries(statements: list[str]) -> list[str]:
    """The statements that read or write data (not BEGIN, COMMIT, PRAGMA and the like)."""
    return [s for s in statements if s.lstrip().upper().startswith(DATA_STATEMENTS)]


# --- Reads on the hot path, without the ORM --------------------------------------------------

_raw_recorders: dict[int, list[Callable[[str], None]]] = {}


class FastSelect:
    """A SELECT run straight on a pooled DB-API connection: for the reads every page makes.

    The ORM's session, unit of work and row objects cost about 250 µs a query; the same SELECT
    on the driver costs about 20 µs. The statement is written with SQLAlchemy (so it is one
    definition for SQLite and PostgreSQL), compiled once per dialect, and its result columns go
    through the same type processors the ORM uses (SQLite's datetimes come back as datetimes).

    What stays true: `recorded_statements` sees these statements like any other; a driver error
    is raised as SQLAlchemy's (so the "database unavailable" page still answers), and a
    connection the server dropped is thrown away, not handed back to the pool. Parameters are
    plain ints and strings, or datetimes (those go through their column type's bind processor:
    SQLite keeps them as text).
    """

    def __init__(self, build: Callable):
        self._build = build  # builds the Select; called once per dialect
        self._plans: dict[tuple, list] = {}

    def _plan(self, dialect) -> tuple:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            statement = self._build()
            compiled = statement.compile(dialect=dialect)
            names = compiled.positiontup if compiled.positional else None
            types = tuple(column.type for column in statement.selected_columns)
            binders = {
                key: processor
                for key, bind in compiled.binds.items()
                if (processor := bind.type.bind_processor(dialect)) is not None
            }
            # processors: made on the first run
            plan = [compiled.string, names, compiled, types, None, binders]
            self._plans[key] = plan
        return plan

    def _processors(self, plan: list, dialect, description) -> tuple:
        """The result processors, made on the first run: some (PostgreSQL's numbers) depend
        on the column type the driver reports."""
        if plan[4] is None:
            plan[4] = tuple(
                _result_processor(column_type, dialect, column[1])
                for column_type, column in zip(plan[3], description, strict=True)
            )
        return plan[4]

    def rows(self, **params) -> list[tuple]:
        engine = db.engine
        dialect = engine.dialect
        plan = self._plan(dialect)
        sql, names, compiled = plan[0], plan[1], plan[2]
        for name, value in params.items():
            if isinstance(value, datetime):
                process = plan[5].get(name)
                if process is not None:
                    params[name] = process(value)
            elif not isinstance(value, int | str):
                raise TypeError("FastSelect takes ints, strings and datetimes only")
        bound = compiled.construct_params(params)
        arguments = tuple(bound[name] for name in names) if names is not None else bound
        for record in _raw_recorders.get(id(engine), ()):
            record(sql)
        error_class = dialect.loaded_dbapi.Error
        connection = _request_connection(engine, sql, arguments)
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, arguments)
                fetched = cursor.fetchall()
                processors = plan[4] or self._processors(plan, dialect, cursor.description)
            finally:
                cursor.close()
        except error_class as error:
            gone = dialect.is_disconnect(error, connection.dbapi_connection, None)
            if gone:
                connection.invalidate(error)
            _give_back(connection)
            raise DBAPIError.instance(
                sql, arguments, error, error_class, connection_invalidated=gone
            ) from error
        if not has_request_context():
            _give_back(connection)
        if not any(processors):
            return fetched
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]


_FAST_CONNECTION = "_fast_select_connection"


def _request_connection(engine, sql: str, arguments):
    """A pooled DB-API connection for FastSelect: one per request (given back when the request
    ends), or one per call outside a request."""
    if has_request_context():
        held = g.get(_FAST_CONNECTION)
        if held is not None and held[0] is engine:
            return held[1]
    error_class = engine.dialect.loaded_dbapi.Error
    try:
        connection = engine.raw_connection()
    except error_class as error:
        raise DBAPIError.instance(sql, arguments, error, error_class) from error
    if has_request_context():
        setattr(g, _FAST_CONNECTION, (engine, connection))
    return connection


def _give_back(connection) -> None:
    """Back to the pool (which rolls the driver's transaction back), and off this request."""
    if has_request_context():
        held = g.get(_FAST_CONNECTION)
        if held is not None and held[1] is connection:
            g.pop(_FAST_CONNECTION)
    connection.close()


def give_back_fast_connection(_error=None) -> None:
    """Teardown: the request's FastSelect connection goes back to the pool."""
    held = g.pop(_FAST_CONNECTION, None)
    if held is not None:
        held[1].close()


def _sqlite_datetime(value):
    return None if value is None else datetime.fromisoformat(value)


def _result_processor(column_type, dialect, driver_type=None):
    """The ORM's processor for a result column; for SQLite's datetimes, the same parse done by
    `datetime.fromisoformat` (a tenth of the cost: SQLAlchemy stores them as ISO 8601 text)."""
    if (
        dialect.name == "sqlite"
        and isinstance(column_type, sqltypes.DateTime)
        and not column_type.timezone
        and "_storage_format" not in vars(column_type.dialect_impl(dialect))  # the default
    ):
        return _sqlite_datetime
    return column_type.dialect_impl(dialect).result_processor(dialect, driver_type)
