"""lms_core.connections: on PostgreSQL a transaction that only read ends with COMMIT (its
prepared statements survive), and every kind of write is still rolled back."""

import pytest
from sqlalchemy import text

from lms_core.connections import only_reads
from lms_core.extensions import db
from lms_core.models import User


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT users.id FROM users WHERE users.id = %(id)s",
        "  (SELECT 1) UNION (SELECT 2)",
        "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
        "select count(*) from event_deliveries where delivered_at is null",
        "SELECT updated_at, deleted_by, settings FROM courses",  # words that only contain one
    ],
)
def test_reads(statement):
    assert only_reads(statement)


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (email) VALUES (%(email)s)",
        "UPDATE users SET name = 'x'",
        "DELETE FROM users",
        "WITH gone AS (DELETE FROM users RETURNING id) SELECT count(*) FROM gone",
        "WITH t AS (INSERT INTO notes (x) VALUES (1) RETURNING x) SELECT x FROM t",
        "SELECT * INTO copy_of_users FROM users",
        "SELECT id FROM users WHERE id = 1 FOR UPDATE",
        "SELECT nextval('users_id_seq')",
        "SELECT set_config('search_path', 'other', false)",
        "SELECT pg_notify('channel', 'payload')",
        "SELECT pg_advisory_lock(1)",
        "SELECT lo_create(0)",
        "SET LOCAL synchronous_commit TO OFF",
        "SAVEPOINT sa_savepoint_1",
        "CREATE TABLE x (id int)",
        "TRUNCATE users",
        "COPY users FROM STDIN",
        "VACUUM",
        "",
    ],
)
def test_anything_else_counts_as_a_write(statement):
    assert not only_reads(statement)


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's prepared statements and the COMMIT of reads are PostgreSQL's")
    return db.engine


def _prepared(conn) -> int:
    return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()


def _prepare_a_statement(conn) -> None:
    """Eight read-only rounds of one statement, each ended by a rollback: it is prepared."""
    for number in range(8):
        assert conn.execute(text("SELECT CAST(:n AS integer) + 1"), {"n": number}).scalar() == number + 1
        conn.rollback()
    assert _prepared(conn) >= 1
    conn.rollback()


def test_a_read_only_transaction_keeps_its_prepared_statements(postgresql):
    """psycopg prepares a statement on its fifth use and forgets all of them on ROLLBACK;
    a read-only transaction now ends with COMMIT, so a request's statements stay prepared
    for the next one (with a ROLLBACK each round the count stays at zero)."""
    with postgresql.connect() as conn:
        _prepare_a_statement(conn)


_COLUMNS = "(email, name, password_hash, role, active, created_at)"
_COPIED = "name, password_hash, role, active, created_at FROM users LIMIT 1"


def _users() -> int:
    return db.session.execute(text("SELECT count(*) FROM users")).scalar()


@pytest.mark.parametrize(
    "write",
    [
        lambda: db.session.add(User(email="orm@example.org", name="ORM", password_hash="x")) or db.session.flush(),
        lambda: db.session.execute(text(f"INSERT INTO users {_COLUMNS} SELECT 'text@example.org', {_COPIED}")),
        lambda: db.session.execute(
            text(
                f"WITH made AS (INSERT INTO users {_COLUMNS} SELECT 'cte@example.org', {_COPIED} RETURNING id) "
                "SELECT count(*) FROM made"
            )
        ),
    ],
    ids=["orm-flush", "text-insert", "insert-in-a-select"],
)
def test_every_kind_of_write_is_still_rolled_back(postgresql, factory, write):
    factory.user()
    db.session.commit()
    before = _users()
    db.session.execute(db.select(User.id)).all()  # a read first: the mark is per transaction
    write()
    assert _users() == before + 1
    db.session.rollback()
    assert _users() == before


def test_a_write_inside_a_committed_savepoint_is_rolled_back_with_its_transaction(postgresql, factory):
    factory.user()
    db.session.commit()
    before = _users()
    with db.session.begin_nested():
        db.session.add(User(email="nested@example.org", name="Nested", password_hash="x"))
    db.session.rollback()
    assert _users() == before


def test_set_and_select_into_are_undone_by_the_rollback(postgresql):
    with postgresql.connect() as conn:
        path = conn.execute(text("SHOW search_path")).scalar()
        conn.rollback()
        conn.execute(text("SET search_path TO pg_catalog"))
        conn.rollback()
        assert conn.execute(text("SHOW search_path")).scalar() == path
        conn.rollback()
        conn.execute(text("SELECT 1 AS x INTO TEMP TABLE made_by_select_into"))
        conn.rollback()
        assert conn.execute(text("SELECT to_regclass('made_by_select_into')")).scalar() is None
        conn.rollback()


def test_a_transaction_in_error_gets_a_real_rollback_and_the_connection_goes_on(postgresql):
    """A COMMIT of a failed transaction would also end it, but psycopg would not know: only
    a ROLLBACK (which forgets the prepared statements) is right for it."""
    from sqlalchemy.exc import ProgrammingError

    with postgresql.connect() as conn:
        _prepare_a_statement(conn)
        with pytest.raises(ProgrammingError):
            conn.execute(text("SELECT no_such_column FROM users"))
        conn.rollback()
        assert _prepared(conn) == 0
        assert conn.execute(text("SELECT 2")).scalar() == 2
        conn.rollback()


def test_a_raw_connection_is_not_watched_and_always_rolled_back(postgresql, factory):
    factory.user()
    db.session.commit()
    before = _users()
    raw = postgresql.raw_connection()
    try:
        raw.cursor().execute(f"INSERT INTO users {_COLUMNS} SELECT 'raw@example.org', {_COPIED}")
    finally:
        raw.close()  # back to the pool, which resets it
    assert _users() == before


def test_wrote_tells_a_transaction_that_changed_something(app, factory):
    from lms_core.connections import wrote

    factory.user()
    db.session.commit()
    db.session.execute(db.select(User.id)).all()
    assert not wrote(db.session.connection())
    db.session.execute(text("UPDATE users SET name = name"))
    assert wrote(db.session.connection())
    db.session.rollback()
    db.session.execute(db.select(User.id)).all()
    assert not wrote(db.session.connection())
    db.session.rollback()
