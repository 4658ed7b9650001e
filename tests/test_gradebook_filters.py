"""The gradebook's "failing" and "missing" filters (issue 11) read a per-learner summary
instead of computing every learner's total on each view: whatever changes (attempts,
overrides, a plugin's grades, weights, drop-lowest, the pass mark, items coming and
going), a filtered page lists exactly the learners the full computation keeps, and once
the summary is fresh a filtered page costs the same statements for any number of
learners."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from lms_core import GradebookItem, gradebook_changed, hookimpl
from lms_core.cli import main
from lms_core.extensions import db
from lms_core.models import Course, GradebookSummary, Quiz, User, utcnow
from lms_core.services import gradebook as books
from lms_core.testing import count_sql
from tests.plugin_helpers import register_plugin

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="")


def quiz_of(factory, course, title, points=(1, 1)):
    return factory.quiz(
        course,
        title=title,
        questions=[
            {"kind": "single", "text": f"Q{n}", "points": p, "choices": [("right", True), ("wrong", False)]}
            for n, p in enumerate(points)
        ],
    )


def some_right(quiz, chooser):
    answers = {}
    for question in quiz.questions:
        right = chooser.random() < 0.5
        answers[str(question.id)] = [str(next(c.id for c in question.choices if c.correct == right))]
    return answers


class Visits:
    """A plugin's graded items: museum visits, points per learner kept here; like a real
    plugin it says ``gradebook_changed`` in the transaction that records a grade."""

    def __init__(self):
        self.items: dict[str, float] = {"visits:visit:1": 10.0}
        self.scores: dict[str, dict[int, float]] = {"visits:visit:1": {}}

    def grade(self, course_id, key, user_id, points):
        self.scores.setdefault(key, {})[user_id] = points
        gradebook_changed(course_id, [user_id])
        db.session.commit()

    def plugin(self):
        visits = self

        @hookimpl
        def lms_gradebook_items(course, user_ids):
            wanted = None if user_ids is None else set(user_ids)
            return [
                GradebookItem(
                    key,
                    f"Visit {key}",
                    maximum,
                    {u: p for u, p in visits.scores.get(key, {}).items() if wanted is None or u in wanted},
                    tracked=True,
                )
                for key, maximum in visits.items.items()
            ]

        return lms_gradebook_items


def full_computation(course_id: int, show: str) -> list[int]:
    """The learners the filter keeps, computed from every learner's grades now."""
    course = db.session.get(Course, course_id)
    return [
        row.user.id
        for book in books.all_pages(course)
        for row in book.rows
        if (row.passed is False if show == "failing" else bool(row.missing))
    ]


def filtered(course_id: int, show: str) -> list[int]:
    """The learners of every page of the filtered gradebook, in page order."""
    found: list[int] = []
    page = 1
    while True:
        book = books.book_page(db.session.get(Course, course_id), page=page, per_page=4, show=show)
        found += [row.user.id for row in book.rows]
        assert book.total_learners == len(full_computation(course_id, show))
        if page >= book.pages:
            return found
        page += 1


def same_as_full_computation(course_id: int) -> dict[str, list[int]]:
    seen = {}
    for show in ("failing", "missing"):
        assert filtered(course_id, show) == full_computation(course_id, show), show
        seen[show] = filtered(course_id, show)
    return seen


def test_filtered_pages_match_the_full_computation_through_every_kind_of_change(app, factory):
    chooser = random.Random(11)
    visits = Visits()
    register_plugin(app, "visits", visits.plugin())
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    course_id = course.id
    quizzes = [quiz_of(factory, course, f"Quiz {n}", points=(1, 2)) for n in range(4)]
    quiz_ids = [q.id for q in quizzes]
    learners = []
    for n in range(14):
        learner = factory.user(name=f"Learner {n:02d}")
        factory.enrol(learner, course)
        learners.append(learner.id)
        for quiz in quizzes:
            if chooser.random() < 0.7:
                factory.attempt(learner, quiz, answers=some_right(quiz, chooser))
        if chooser.random() < 0.6:
            visits.grade(course_id, "visits:visit:1", learner.id, float(chooser.randint(0, 10)))
    course = db.session.get(Course, course_id)
    tests = books.save_category(course, "Tests", 60, 1)  # the lowest quiz of each learner dropped
    tests_id = tests.id
    books.save_category(db.session.get(Course, course_id), "Homework", 40, 0)
    books.place_items(db.session.get(Course, course_id), {f"quiz:{i}": tests_id for i in quiz_ids[:3]})
    first = same_as_full_computation(course_id)
    assert first["failing"] and first["missing"]  # both filters keep someone, and not everyone
    assert len(first["missing"]) < len(learners)
    assert db.session.execute(db.select(db.func.count()).select_from(GradebookSummary)).scalar_one() == len(learners)

    def changed_by(step):
        step()
        db.session.remove()
        return same_as_full_computation(course_id)

    teacher_id = teacher.id

    def course_of():
        return db.session.get(Course, course_id)

    def by():
        return db.session.get(User, teacher_id)

    # an override gives a missing grade; another replaces a grade with 0
    changed_by(lambda: books.override(course_of(), learners[0], f"quiz:{quiz_ids[3]}", "3", "Oral exam", by()))
    changed_by(lambda: books.override(course_of(), learners[1], "visits:visit:1", "0", "Absent", by()))
    # a new attempt, a plugin's grade
    changed_by(
        lambda: factory.attempt(db.session.get(User, learners[0]), db.session.get(Quiz, quiz_ids[2]), correct=True)
    )
    changed_by(lambda: visits.grade(course_id, "visits:visit:1", learners[2], 10.0))
    # the course's structure, with no call: weights, drop-lowest, pass mark, placements
    changed_by(
        lambda: books.save_category(course_of(), "Tests", 10, 2, db.session.get(books.GradebookCategory, tests_id))
    )
    changed_by(lambda: books.save_settings(course_of(), 75, 0, ""))
    changed_by(lambda: books.place_items(course_of(), {"visits:visit:1": tests_id, f"quiz:{quiz_ids[0]}": None}))
    # a plugin's new item (missing for everyone), a quiz unpublished, a maximum changed
    visits.items["visits:visit:2"] = 5.0
    after_new_item = changed_by(lambda: None)
    assert after_new_item["missing"] == full_computation(course_id, "missing") and len(after_new_item["missing"]) == 14

    def unpublish():
        db.session.get(Quiz, quiz_ids[1]).published = False
        db.session.commit()

    changed_by(unpublish)
    visits.items["visits:visit:1"] = 20.0
    changed_by(lambda: None)
    # a new learner, one who leaves and comes back
    newcomer_id = factory.user(name="Learner 99").id
    changed_by(lambda: factory.enrol(db.session.get(User, newcomer_id), course_of()))
    from lms_core.services import enrolment

    leaver = enrolment.find(learners[3], course_id)
    changed_by(lambda: enrolment.withdraw(leaver.id))
    assert learners[3] not in full_computation(course_id, "missing") + full_computation(course_id, "failing")


def test_a_learner_s_row_is_stale_after_their_grade_changes_until_the_next_filtered_view(app, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz = quiz_of(factory, course, "Quiz")
    ann = factory.user(name="Ann")
    factory.enrol(ann, course)
    course_id, ann_id = course.id, ann.id
    books.book_page(course, show="failing")
    row = db.session.get(GradebookSummary, (course_id, ann_id))
    assert (row.stale, row.passed, row.missing_count) == (False, False, 1)
    version = row.version

    factory.attempt(db.session.get(User, ann_id), db.session.get(Quiz, quiz.id), correct=True)

    db.session.expire_all()
    row = db.session.get(GradebookSummary, (course_id, ann_id))
    assert row.stale and row.version == version + 1  # marked in the attempt's own transaction
    assert books.book_page(db.session.get(Course, course_id), show="failing").rows == []
    db.session.expire_all()
    row = db.session.get(GradebookSummary, (course_id, ann_id))
    assert (row.stale, row.passed, row.missing_count, row.total) == (False, True, 0, 100.0)


def test_a_summary_computed_before_a_grade_change_does_not_overwrite_the_stale_mark(app, factory):
    """The write of a recomputed row is conditional on the version read with it: when a
    grade changes between the read and the write (another request), the row stays stale."""
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    quiz_of(factory, course, "Quiz")
    ann = factory.user(name="Ann")
    factory.enrol(ann, course)
    course_id, ann_id = course.id, ann.id
    real_build = books.build
    calls = []

    def build_while_a_grade_changes(course, users, *args, **kwargs):
        book = real_build(course, users, *args, **kwargs)
        if users and not calls:  # between reading Ann's row and writing it back
            calls.append(1)
            with app.app_context():  # another request, its own session and transaction
                gradebook_changed(course_id, [ann_id])
                db.session.commit()
        return book

    books.build = build_while_a_grade_changes
    try:
        books.refresh_summaries(db.session.get(Course, course_id))
    finally:
        books.build = real_build
    db.session.remove()
    row = db.session.get(GradebookSummary, (course_id, ann_id))
    assert row.stale and row.version == 2
    assert books.refresh_summaries(db.session.get(Course, course_id)) == 1  # picked up next time
    db.session.expire_all()
    assert not db.session.get(GradebookSummary, (course_id, ann_id)).stale


def test_an_attendance_still_being_measured_changes_the_layout_every_minute_until_it_settles(app, factory):
    course = factory.course(teacher=factory.user(role="teacher"))
    book = books.build(course, [])
    now = utcnow().replace(second=30, microsecond=0)
    live = books.Column("zoom:occurrence:1", "Lecture", 100, None, None, "plugin", now + timedelta(minutes=30))
    book.columns.append(live)

    assert books.layout_of(book, now) == books.layout_of(book, now + timedelta(seconds=20))
    assert books.layout_of(book, now) != books.layout_of(book, now + timedelta(minutes=1))
    settled = books.layout_of(book, now + timedelta(hours=1))
    assert settled == books.layout_of(book, now + timedelta(days=3))  # settled: stable
    live.settles_at = now + timedelta(minutes=45)  # the lecture was made longer
    assert books.layout_of(book, now + timedelta(hours=1)) != settled


def test_lms_gradebook_summarise_fills_the_summaries_ahead_of_the_first_filtered_view(app, factory):
    course = factory.course(teacher=factory.user(role="teacher"))
    quiz_of(factory, course, "Quiz")
    for n in range(3):
        factory.enrol(factory.user(name=f"L{n}"), course)
    course_id = course.id

    result = app.test_cli_runner().invoke(main, ["gradebook", "summarise"])

    assert result.exit_code == 0, result.output
    assert f"course {course_id}: 3 learners summarised" in result.output
    again = app.test_cli_runner().invoke(main, ["gradebook", "summarise", "--course", str(course_id)])
    assert again.exit_code == 0 and again.output == ""  # nothing out of date
    missing = app.test_cli_runner().invoke(main, ["gradebook", "summarise", "--course", "999999"])
    assert missing.exit_code != 0 and "no course 999999" in missing.output


def test_a_filtered_page_costs_the_same_statements_for_four_times_the_learners(app, client, login, factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    course_id = course.id
    quiz_ids = [quiz_of(factory, course, f"Quiz {n}").id for n in range(3)]
    login(client, teacher)

    def add_learners(n):
        for _ in range(n):
            learner = factory.user(name="Learner")
            factory.enrol(learner, db.session.get(Course, course_id))
            factory.attempt(learner, db.session.get(Quiz, quiz_ids[learner.id % 3]), correct=learner.id % 2 == 0)

    def statements(query):
        url = f"/teach/courses/{course_id}/gradebook{query}"
        app.extensions["lms_plugins"].forget_enabled_state()
        client.get(url)  # brings the summaries up to date, as the first view after a change does
        db.session.remove()
        with count_sql(db.engine) as sql:
            assert client.get(url).status_code == 200
        return sql.count

    add_learners(5)
    small = {q: statements(q) for q in ("?show=failing", "?show=missing", "?show=missing&q=learner&page=2")}
    add_learners(40)  # nine times as many: more than one page, more than a chunk of the old scan
    books_scan = books.SCAN_CHUNK
    books.SCAN_CHUNK = 7  # the old scan's cost grew with chunks; the summary's does not
    try:
        assert {q: statements(q) for q in small} == small
    finally:
        books.SCAN_CHUNK = books_scan
    assert small["?show=failing"] == statements("") + 1  # + the learners whose summary is due (none)


def test_an_untracked_plugin_item_is_followed_live_without_gradebook_changed(app, factory):
    """A plugin that never calls gradebook_changed (``tracked`` left False) still gets
    filters that follow its points: at most a minute behind."""
    scores: dict[int, float] = {}

    @hookimpl
    def lms_gradebook_items(course, user_ids):
        return [GradebookItem("quiet:item:1", "Quiet", 10, {u: p for u, p in scores.items()})]

    register_plugin(app, "quiet", lms_gradebook_items)
    course = factory.course(teacher=factory.user(role="teacher"))
    ann = factory.user(name="Ann")
    factory.enrol(ann, course)
    course_id, ann_id = course.id, ann.id
    assert [r.user.id for r in books.book_page(course, show="failing").rows] == [ann_id]
    scores[ann_id] = 10.0  # no gradebook_changed
    real_now = books.utcnow
    books.utcnow = lambda: real_now() + timedelta(seconds=books.LIVE_LAYOUT_SECONDS)
    try:
        assert books.book_page(db.session.get(Course, course_id), show="failing").rows == []
    finally:
        books.utcnow = real_now


def test_a_row_the_version_guard_left_stale_is_computed_in_the_filtered_view(app, factory):
    visits = Visits()
    register_plugin(app, "visits", visits.plugin())
    course = factory.course(teacher=factory.user(role="teacher"))
    ann = factory.user(name="Ann")
    factory.enrol(ann, course)
    course_id, ann_id = course.id, ann.id
    visits.grade(course_id, "visits:visit:1", ann_id, 0.0)
    assert [r.user.id for r in books.book_page(course, show="failing").rows] == [ann_id]
    gradebook_changed(course_id, [ann_id])
    db.session.commit()
    real_build = books.build
    calls = []

    def build_while_a_grade_changes(course, users, *args, **kwargs):
        book = real_build(course, users, *args, **kwargs)
        if users and not calls:  # the refresh read Ann's row: another request grades her
            calls.append(1)
            with app.app_context():
                visits.grade(course_id, "visits:visit:1", ann_id, 10.0)
        return book

    books.build = build_while_a_grade_changes
    try:
        page = books.book_page(db.session.get(Course, course_id), show="failing")
    finally:
        books.build = real_build
    assert calls and page.rows == [] and page.total_learners == 0  # not Ann's old failing row
    assert db.session.get(GradebookSummary, (course_id, ann_id)).stale  # the next view recomputes it


def test_a_plugin_s_bad_settles_at_is_dropped_with_a_warning(app, factory, caplog):
    from datetime import datetime

    @hookimpl
    def lms_gradebook_items(course, user_ids):
        return [
            GradebookItem("bad:naive", "Naive", 10, {}, settles_at=datetime(2030, 1, 1), tracked=True),
            GradebookItem("bad:text", "Text", 10, {}, settles_at="tomorrow", tracked=True),
        ]

    register_plugin(app, "bad", lms_gradebook_items)
    course = factory.course(teacher=factory.user(role="teacher"))
    factory.enrol(factory.user(name="Ann"), course)
    book = books.book_page(course, show="missing")
    assert [r.user.name for r in book.rows] == ["Ann"]
    assert [c.settles_at for c in book.columns] == [None, None]
    assert "settles_at that is not an aware datetime" in caplog.text


def test_deactivating_a_learner_marks_their_summaries_stale(app, factory):
    from lms_core.services import people

    admin = factory.user(role="admin")
    course = factory.course(teacher=factory.user(role="teacher"))
    quiz_of(factory, course, "Quiz")
    ann = factory.user(name="Ann")
    factory.enrol(ann, course)
    course_id, ann_id = course.id, ann.id
    books.book_page(course, show="failing")
    assert not db.session.get(GradebookSummary, (course_id, ann_id)).stale
    people.update_user(admin, db.session.get(User, ann_id), "student", False)
    db.session.expire_all()
    assert db.session.get(GradebookSummary, (course_id, ann_id)).stale
