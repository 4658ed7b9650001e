"""The public services a plugin builds course items with (``lms_core.add_course``,
``add_lesson``, ``revise_lesson``): checked as the authoring pages check them, and part
of the plugin's own transaction, so an import that fails leaves nothing behind."""

import pytest

import lms_core
from lms_core import ServiceError, db
from lms_core.models import Course, Lesson


def test_an_importer_adds_a_course_and_lessons_in_one_transaction(app, factory):
    teacher = factory.user(role="teacher")
    with app.test_request_context():
        course = lms_core.add_course(teacher, "Imported safety", default_language="en")
        first = lms_core.add_lesson(course, "  Ladders  ")
        second = lms_core.add_lesson(course, "Scaffolds", "Body", published=False)
        assert first.id and second.id  # flushed: ids for the plugin's own rows
        assert (first.title, first.position, second.position, second.published) == ("Ladders", 1, 2, False)
        lms_core.revise_lesson(first, body="Open the activity.")
        lms_core.revise_lesson(second, published=True)
        db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Course, course.id)
    assert [s.user_id for s in stored.staff] == [teacher.id] and not stored.published
    assert [(item.title, item.body, item.published) for item in sorted(stored.lessons, key=lambda x: x.position)] == [
        ("Ladders", "Open the activity.", True),
        ("Scaffolds", "Body", True),
    ]


def test_a_failed_import_rolls_back_everything_it_added(app, factory):
    teacher = factory.user(role="teacher")
    before = [db.session.execute(db.select(db.func.count()).select_from(m)).scalar() for m in (Course, Lesson)]
    with app.test_request_context():
        course = lms_core.add_course(teacher, "Half imported")
        lms_core.add_lesson(course, "One")
        with pytest.raises(ServiceError) as refused:
            lms_core.add_lesson(course, "   ")
        assert (refused.value.code, list(refused.value.fields)) == ("invalid", ["title"])
        with pytest.raises(ServiceError):
            lms_core.revise_lesson(course.lessons[0], title="x" * 201)
        db.session.rollback()
    after = [db.session.execute(db.select(db.func.count()).select_from(m)).scalar() for m in (Course, Lesson)]
    assert after == before
    assert db.session.execute(db.select(Course.id).where(Course.title == "Half imported")).first() is None


def test_a_taken_address_is_refused_without_spoiling_the_transaction(app, factory):
    teacher = factory.user(role="teacher")
    factory.course(teacher=teacher, title="Taken", slug="taken")
    with app.test_request_context():
        kept = lms_core.add_course(teacher, "Kept")
        with pytest.raises(ServiceError) as refused:
            lms_core.add_course(teacher, "Other", slug="taken")
        assert refused.value.code == "slug_taken"
        db.session.commit()
    assert db.session.get(Course, kept.id).title == "Kept"
