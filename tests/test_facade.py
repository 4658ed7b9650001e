"""The public facade plugin authors import from: every name it promises resolves."""

import lms_core


def test_every_name_in_the_facade_resolves():
    for name in lms_core.__all__:
        assert getattr(lms_core, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        lms_core.no_such_thing  # noqa: B018


def test_courses_by_id_reads_only_the_courses_the_session_lacks(app, factory):
    from lms_core import courses_by_id
    from lms_core.extensions import db
    from lms_core.models import Course
    from lms_core.testing import count_sql

    teacher = factory.user(role="teacher")
    first, second = factory.course(teacher=teacher), factory.course(teacher=teacher)
    ids = [first.id, second.id]
    db.session.expunge_all()
    held = db.session.get(Course, first.id)  # the page has read this one
    with count_sql(db.engine) as sql:
        found = courses_by_id([*ids, 999_999])
    assert found == {first.id: held, second.id: found[second.id]} and found[second.id].id == second.id
    assert sql.count == 1
    with count_sql(db.engine) as sql:
        assert courses_by_id(ids) == found
    assert sql.count == 0
