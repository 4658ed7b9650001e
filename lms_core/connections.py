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
write is never taken for a read. (A function with side effects called from a
``SELECT`` is the one thing this cannot see: the core and its plugins call none; a
plugin that needs one runs it in a transaction it commits or rolls back after a
statement that writes.) A transaction already in error is always rolled back."""

from __future__ import annotations

import functools
import re

from sqlalchemy import event

_WROTE = "lms_wrote"

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
    from psycopg.pq import TransactionStatus

    dialect = engine.dialect  # one per engine: its methods are this engine's alone
    rollback, commit = dialect.do_rollback, dialect.do_commit

    @event.listens_for(engine, "before_cursor_execute")
    def _mark_writes(conn, _cursor, statement, _parameters, context, executemany):
        if executemany or not only_reads(statement) or (context is not None and context.is_crud):
            info = _info(conn.connection)
            if info is not None:
                info[_WROTE] = True

    def do_commit(connection) -> None:
        _forget_mark(connection)
        commit(connection)

    def do_rollback(connection) -> None:
        # SQLAlchemy passes the pool's proxy: its .info lives as long as the DBAPI connection
        raw = getattr(connection, "dbapi_connection", None)
        if raw is None or _forget_mark(connection) or raw.info.transaction_status != TransactionStatus.INTRANS:
            rollback(connection)
            return
        try:
            raw.commit()
        except Error:
            rollback(connection)

    dialect.do_commit, dialect.do_rollback = do_commit, do_rollback


def _forget_mark(connection) -> bool:
    """Whether the connection's transaction wrote (or cannot tell); the mark ends with it."""
    info = _info(connection)
    return bool(info.pop(_WROTE, False)) if info is not None else True


def _info(connection) -> dict | None:
    """The pool's dict of a DBAPI connection; ``None`` for the one SQLAlchemy opens to
    learn the server's version, which has none."""
    try:
        return connection.info
    except NotImplementedError:
        return None
