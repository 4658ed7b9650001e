"""The SQL helpers plugins share through the facade (lms_core.sql)."""

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
