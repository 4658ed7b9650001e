"""Permission checks reuse the enrolment a page already read, and never a stale one."""

from lms_core.defaults.permissions import is_enrolled
from lms_core.extensions import db
from lms_core.services import enrolment


def test_a_remembered_enrolment_answers_and_follows_its_status(factory, app):
    from sqlalchemy import event

    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    found = enrolment.find(student.id, course.id)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert is_enrolled(student, course) is True
        assert statements == []  # answered from the enrolment found above
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    found.status = "pending"
    assert is_enrolled(student, course) is False  # the live row's status, not a copy


def test_a_deleted_enrolment_is_not_trusted(factory):
    course = factory.course()
    student = factory.user()
    factory.enrol(student, course)
    found = enrolment.find(student.id, course.id)
    db.session.delete(found)
    db.session.commit()
    assert is_enrolled(student, course) is False
