"""The SQL helpers plugins share through the facade (lms_core.sql)."""

import pytest

from lms_core.extensions import db
from lms_core.models import User


def test_a_search_condition_takes_the_text_literally(app, factory):
    from lms_core import contains

    for name in ("100% done", "100 percent done", "a_b", "axb", "back\\slash"):
        factory.user(name=name)

    def found(text):
        return sorted(db.session.execute(db.select(User.name).where(contains(User.name, text))).scalars())

    assert found("100%") == ["100% done"]
    assert found("a_b") == ["a_b"]
    assert found("\\") == ["back\\slash"]
    assert found("DONE") == ["100 percent done", "100% done"]


def test_a_read_sees_the_sessions_pending_changes_and_gives_rows(app, factory):
    """``read`` runs on the session's connection past the ORM's results, but flushes
    first, as ``db.session.execute`` would: a user added and not yet flushed is found."""
    from lms_core import read

    by_email = db.select(User.id, User.name).where(User.email == db.bindparam("email"))
    db.session.add(User(email="pending@example.org", name="Pending", password_hash="x"))
    row = read(by_email, {"email": "pending@example.org"}).one()
    assert row.name == "Pending" and row.id == db.session.execute(by_email, {"email": "pending@example.org"}).one().id
    with db.session.no_autoflush:  # ... and does not flush where the caller said not to
        db.session.add(User(email="later@example.org", name="Later", password_hash="x"))
        assert read(by_email, {"email": "later@example.org"}).first() is None
    db.session.rollback()


def test_one_of_finds_what_in_finds_and_is_not_expanded_on_every_run(app, factory):
    from lms_core import one_of

    for name in ("ann", "bob", "cid"):
        factory.user(name=name)
    names = ("ann", "cid", "nobody")
    statement = db.select(User.name).where(one_of(User.name, names)).order_by(User.name)
    assert list(db.session.execute(statement).scalars()) == ["ann", "cid"]
    assert list(db.session.execute(statement).scalars()) == list(
        db.session.execute(db.select(User.name).where(User.name.in_(names)).order_by(User.name)).scalars()
    )
    compiled = statement.compile(dialect=db.engine.dialect)
    assert "POSTCOMPILE" not in str(compiled)  # what an in_() list is: expanded on every execution
    for wrong in ([], ("ann", None)):  # no condition at all would match every row; NULL is no value
        with pytest.raises(ValueError):
            one_of(User.name, wrong)
