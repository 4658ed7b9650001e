"""The app's database connections, tuned per engine when the app is made.

* SQLite: foreign keys on, write-ahead log, a busy timeout.
* PostgreSQL (psycopg 3): a transaction that only read ends with ``COMMIT`` instead of
  ``ROLLBACK``. psycopg forgets every prepared statement of a connection on each
  rollback (and sends ``DEALLOCATE ALL``), and every request, job and event delivery
  ends its transactions with one: the statements it prepares after their fifth use
  were gone again before the next request. For a transaction that changed nothing the
  two endings are the same to the database, locks included.

Whether a transaction wrote is tracked on its connection: every statement that is not
a plain ``SELECT``/``WITH`` read (DML, ``SELECT ... INTO``, ``SET``, savepoints, DDL, a
text statement of any other kind, anything sent with executemany) marks the
connection until its transaction ends, and a marked transaction is rolled back as
before. Mistakes can only go one way: a read taken for a write costs one rollback, a
write is never taken for a read. A connection taken with ``engine.raw_connection()`` is
not watched, so it is always rolled back. Two things this cannot see: a database
function with side effects called from a ``SELECT`` (the core and its plugins call
none), and a DBAPI cursor taken from a SQLAlchemy connection
(``conn.connection.cursor()``): run either in a transaction you commit or roll back
yourself. A transaction already in error is always rolled back.

``wrote(connection)`` tells whether a transaction under way may have written: the event
log's delivery rolls back what a handler left uncommitted before the next handler (it
cannot see those two either)."""

from __future__ import annotations

import functools
import re

from sqlalchemy import event

_WROTE = "lms_wrote"
_TRACKED = "lms_tracked"  # checked out by a SQLAlchemy Connection, whose statements are seen

# A read: it begins with SELECT or WITH (after parentheses) and names nothing that writes.
_READ_START = re.compile(r"\s*\(*\s*(?:SELECT|WITH)\b", re.IGNORECASE)
_WRITES = re.compile(
    r"\b(?:INSERT|UPDATE|DELETE|MERGE|INTO|nextval|setval|set_config|pg_notify|lo_\w+|pg_advisory\w*)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def only_reads(statement: str) -> bool:
    """Whether a statement's text is a plain read (the statements are few and cached)."""
    return _READ_START.match(statement) is not None and _WRITES.search(statement) is None


def tune_engine(engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        _commit_read_only_transactions(engine)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _commit_read_only_transactions(engine) -> None:
    from psycopg import Error

    dialect = engine.dialect  # one per engine: its methods are this engine's alone
    if getattr(dialect, "lms_tracks_writes", False):
        return  # wrapped twice, the outer wrapper would take the mark from the inner one
    dialect.lms_tracks_writes = True
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "engine_connect")
    def _track(conn):
        # Only a connection used through SQLAlchemy has its statements seen; one taken
        # with engine.raw_connection() is never marked, so it is always rolled back.
        info = _info(conn.connection)
        if info is not None:
            info[_TRACKED] = True

    @event.listens_for(engine.pool, "checkin")
    def _untrack(_dbapi_connection, record):
        if record is not None:
            record.info.pop(_TRACKED, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _mark_writes(conn, _cursor, statement, _parameters, context, executemany):
        if (context is not None and context.is_crud) or executemany or not only_reads(statement):
            info = _info(conn.connection)
            if info is not None:
                info[_WROTE] = True

    def do_commit(connection) -> None:
        commit(connection)
        _forget_mark(connection)  # after: a refused commit leaves the writes and their mark

    def do_rollback(connection) -> None:
        # SQLAlchemy passes the pool's proxy: its .info lives as long as the DBAPI connection
        if _may_have_written(connection, forget=True):
            rollback(connection)
            return
        try:
            connection.dbapi_connection.commit()
        except Error:
            rollback(connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


def wrote(connection) -> bool:
    """Whether the transaction under way on ``connection`` (a SQLAlchemy ``Connection``)
    may have changed something, so that it must be rolled back before anything else is
    committed on it. ``False`` only when that is known: no transaction, or one that only
    read (PostgreSQL: the marks above; SQLite: the driver begins a transaction only
    before a write)."""
    if connection.invalidated or connection.closed:
        return True
    if getattr(connection.dialect, "lms_tracks_writes", False):
        return _may_have_written(connection.connection, forget=False, idle_is_clean=True)
    raw = getattr(connection.connection, "dbapi_connection", None)
    if connection.dialect.name == "sqlite" and raw is not None:
        return bool(getattr(raw, "in_transaction", True))
    return True


def _may_have_written(proxy, forget: bool, idle_is_clean: bool = False) -> bool:
    """On a watched PostgreSQL connection (the pool's proxy): whether its transaction
    wrote, failed or cannot be told apart; ``forget`` ends the mark with the transaction.
    Without a transaction (idle) there is nothing to undo, but a rollback does no harm."""
    from psycopg.pq import TransactionStatus

    info, raw = _info(proxy), getattr(proxy, "dbapi_connection", None)
    marked = _forget_mark(proxy) if forget else bool(info and info.get(_WROTE))
    if info is None or raw is None:
        return True
    status = raw.info.transaction_status
    if status == TransactionStatus.IDLE and idle_is_clean:
        return False
    return marked or not info.get(_TRACKED) or status != TransactionStatus.INTRANS


def _forget_mark(connection) -> bool:
    """Whether the connection's transaction was marked as writing; the mark ends here."""
    info = _info(connection)
    return bool(info.pop(_WROTE, False)) if info is not None else False


def _info(connection) -> dict | None:
    """The pool's dict of a DBAPI connection; ``None`` for the ad-hoc connection SQLAlchemy
    opens on first connect to learn the server's version: its ``.info`` raises
    NotImplementedError, and having no dict makes it count as written (rolled back)."""
    try:
        return connection.info
    except NotImplementedError:
        return None
