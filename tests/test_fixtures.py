"""The test fixtures themselves: what one test leaves behind, the next does not see."""

import pytest
from sqlalchemy import inspect

from lms_core import testing
from lms_core.extensions import db
from lms_core.models import Course, Lesson, User


def test_the_tables_a_test_wrote_to_are_emptied_and_their_ids_start_again_at_one(app, factory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("on SQLite every test starts from a copy of a freshly migrated file")
    teacher = factory.user("teacher")
    course = factory.course(teacher)
    factory.lesson(course)  # a lesson refers to its course, which refers to its teacher
    db.session.commit()
    assert (teacher.id, course.id) != (None, None)
    db.session.remove()

    tables = [t for t in inspect(db.engine).get_table_names() if not t.endswith("alembic_version")]
    testing._empty_postgresql_tables(tables)

    assert [db.session.query(model).count() for model in (User, Course, Lesson)] == [0, 0, 0]
    again = User(email="again@example.org", name="Again", password_hash="-", role="student")
    db.session.add(again)
    db.session.commit()
    assert again.id == 1


def test_every_url_of_the_app_is_built_as_werkzeug_builds_it_without_reuse(app):
    """The fixtures keep Werkzeug's compiled URL builders between applications (most of
    ``create_app``'s time); a reused builder must build what a fresh one builds, for
    every rule of every plugin."""
    from werkzeug.routing.converters import NumberConverter
    from werkzeug.routing.rules import Rule

    fresh_compile = Rule._compile_builder._lms_original
    checked = 0
    for rule in app.url_map.iter_rules():
        values = {name: 1 if isinstance(c, NumberConverter) else "x1" for name, c in rule._converters.items()}
        values = {k: v for k, v in values.items() if k not in (rule.defaults or {})}
        for append_unknown in (False, True):
            reused = rule._build_unknown if append_unknown else rule._build
            fresh = fresh_compile(rule, append_unknown).__get__(rule, None)
            extra = {"page": 2} if append_unknown else {}
            assert reused(**values, **extra) == fresh(**values, **extra), rule.rule
            checked += 1
    assert checked > 400  # the core's and every plugin's rules


def test_screenshots_are_kept_per_pass_file_and_test_and_start_empty(request, tmp_path, monkeypatch):
    """The ``screenshots`` fixture: under LMS_TEST_ARTIFACTS, one folder per database
    pass, test file and test; what an earlier run left there is gone when a test starts."""
    from lms_core import testing

    monkeypatch.setenv(testing.ARTIFACTS_ENV, str(tmp_path / "artefacts"))
    for kind in ("sqlite", "postgresql"):
        folder = testing.screenshots.__wrapped__(request, {"kind": kind})
        assert folder == tmp_path / "artefacts" / "screenshots" / kind / "tests" / "test_fixtures" / request.node.name
        (folder / "old.png").write_bytes(b"png")
        again = testing.screenshots.__wrapped__(request, {"kind": kind})
        assert again == folder and list(folder.iterdir()) == []
