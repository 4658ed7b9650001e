"""The course page's points box shows the same rank as the course's leaderboard, and
costs the page one query of its own (besides the permission check)."""

import itertools

from sqlalchemy import event

from lms_core import db

from lms_gamification import ledger, privacy
from lms_gamification.leaderboard import view

_causes = itertools.count(1)


def give(user, points, course):
    ledger.publish([ledger.record(user.id, course.id, "quiz_pass", f"fragment-test:{next(_causes)}", points)])


def learners(factory, course, points_by_name):
    people = {}
    for name, points in points_by_name.items():
        people[name] = factory.user(name=name)
        factory.enrol(people[name], course)
        give(people[name], points, course)
    return people


def course_page(client, login, user, course) -> str:
    client.post("/logout")
    login(client, user)
    return client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_the_course_page_shows_the_leaderboards_rank_with_ties_and_for_a_hidden_student(factory, client, login):
    course = factory.course()
    factory.lesson(course)
    people = learners(factory, course, {"Ann": 50, "Bob": 30, "Cid": 30, "Dan": 10})
    privacy.set_hidden(people["Ann"].id, True)

    for name, rank in [("Bob", 1), ("Cid", 1), ("Dan", 3), ("Ann", 1)]:
        assert view(people[name], course)["me"]["rank"] == rank  # the leaderboard
        assert f"rank {rank}<" in course_page(client, login, people[name], course), name


def test_a_turned_off_board_shows_points_but_no_rank(factory, client, login):
    course = factory.course()
    factory.lesson(course)
    people = learners(factory, course, {"Eve": 40})
    privacy.set_course_mode(course.id, "off")

    page = course_page(client, login, people["Eve"], course)

    assert "Your points in this course: 40" in page and "rank " not in page


def test_the_points_box_reads_the_scores_in_one_query(factory, client, login):
    course = factory.course()
    factory.lesson(course)
    people = learners(factory, course, {"Fay": 20, "Gus": 10})
    login(client, people["Gus"])
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert "Your points in this course: 10" in page and "rank 2<" in page
    assert len([s for s in seen if "gamification_scores" in s]) == 1


def test_someone_not_enrolled_is_told_how_to_earn_points_not_shown_an_empty_box(factory, client, login):
    course = factory.course()
    visitor = factory.user()
    page = course_page(client, login, visitor, course)
    box = page[page.index('id="gamification-course"') :]
    assert "Enrol to earn points and badges in this course." in box[: box.index("</section>")]
    factory.enrol(visitor, course)
    assert "Enrol to earn points" not in course_page(client, login, visitor, course)
