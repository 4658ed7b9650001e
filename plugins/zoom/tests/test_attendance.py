"""Attendance as the teacher sees it: minutes from merged intervals, corrections with a
reason and their history, the CSV export, attendance as a completion requirement, and
what the gradebook will read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from lms_core import db
from lms_core.testing import login


def _intervals(occurrence, user, *spans):
    from lms_zoom import attendance

    start = occurrence.starts_at
    for number, (a, b) in enumerate(spans):
        attendance.record_once(
            occurrence.id,
            user.id,
            f"test:{user.id}:{number}",
            start + timedelta(minutes=a),
            start + timedelta(minutes=b),
        )
    db.session.commit()


def test_overlapping_intervals_count_once():
    from datetime import datetime, timezone

    from lms_zoom.attendance import merged_minutes

    t = lambda m: datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc) + timedelta(minutes=m)  # noqa: E731
    assert merged_minutes([(t(0), t(30)), (t(20), t(40)), (t(50), t(55))]) == 45
    assert merged_minutes([(t(10), t(5))]) == 0


def test_the_teacher_sees_attendance_corrects_it_with_a_reason_and_exports_it(live, client, at):
    course, teacher, (anna, boris) = live.course(learners=2)
    boris.name = "=HYPERLINK(\"http://evil.example\")"  # a name a spreadsheet would run
    db.session.commit()
    session = live.schedule(course, teacher, at(minutes=2))
    occurrence = session.occurrences[0]
    _intervals(occurrence, anna, (0, 30), (20, 50))
    login(client, teacher)
    page = client.get(f"/zoom/occurrences/{occurrence.id}/attendance").get_data(as_text=True)
    assert f'data-user="{anna.id}"' in page and f'data-user="{boris.id}"' in page
    refused = client.post(
        f"/zoom/occurrences/{occurrence.id}/attendance", data={"user_id": boris.id, "minutes": "40", "reason": ""}
    )
    assert refused.status_code == 400 and 'data-field="reason"' in refused.get_data(as_text=True)
    assert (
        client.post(
            f"/zoom/occurrences/{occurrence.id}/attendance", data={"user_id": boris.id, "minutes": "-3", "reason": "x"}
        ).status_code
        == 400
    )
    client.post(
        f"/zoom/occurrences/{occurrence.id}/attendance",
        data={"user_id": boris.id, "minutes": "40", "reason": "Joined by phone; Zoom did not see him"},
    )
    client.post(
        f"/zoom/occurrences/{occurrence.id}/attendance",
        data={"user_id": boris.id, "minutes": "55", "reason": "Stayed after the end"},
    )
    page = client.get(f"/zoom/occurrences/{occurrence.id}/attendance").get_data(as_text=True)
    assert "Joined by phone" in page and "Stayed after the end" in page  # the history is kept
    exported = client.get(f"/zoom/occurrences/{occurrence.id}/attendance.csv")
    assert exported.mimetype == "text/csv"
    rows = {r[1]: r for r in csv.reader(io.StringIO(exported.get_data(as_text=True)))}
    assert rows[anna.email][5:8] == ["50", "50", "83"]
    assert rows[boris.email][5:9] == ["0", "55", "92", "Stayed after the end"]
    assert rows[boris.email][0].startswith("'=")
    client.post("/logout")
    login(client, anna)
    assert client.get(f"/zoom/occurrences/{occurrence.id}/attendance").status_code == 403
    assert client.get(f"/zoom/occurrences/{occurrence.id}/attendance.csv").status_code == 403


def test_attending_seventy_percent_of_a_lecture_completes_the_course(live, at):
    from lms_core.models import Enrollment

    from lms_zoom import attendance

    course, teacher, (anna, boris) = live.course(learners=2)
    session = live.schedule(course, teacher, at(minutes=2), counts_for_completion="1", completion_percent="70")
    occurrence = session.occurrences[0]
    _intervals(occurrence, anna, (0, 45))  # 75%
    _intervals(occurrence, boris, (0, 30))  # 50%
    from lms_core.payloads import CourseInfo, UserInfo

    reqs = attendance.requirements(UserInfo.of(anna), CourseInfo.of(course))
    assert [r.met for r in reqs] == [True] and "70%" in reqs[0].label
    assert [r.met for r in attendance.requirements(UserInfo.of(boris), CourseInfo.of(course))] == [False]
    attendance.recheck_completion(course.id, [anna.id, boris.id])
    status = dict(db.session.execute(db.select(Enrollment.user_id, Enrollment.status)).all())
    assert status[anna.id] == "completed" and status[boris.id] == "active"


def test_a_course_rule_asks_for_n_of_the_lectures(live, client, at):
    from lms_core.payloads import CourseInfo, UserInfo

    from lms_zoom import attendance

    course, teacher, (anna,) = live.course()
    first = live.schedule(course, teacher, at(minutes=2))
    second = live.schedule(course, teacher, at(minutes=3))
    login(client, teacher)
    assert client.post(f"/zoom/courses/{course.id}/rule", data={"sessions": "abc", "percent": "70"}).status_code == 303
    client.post(f"/zoom/courses/{course.id}/rule", data={"sessions": "2", "percent": "50"})
    _intervals(first.occurrences[0], anna, (0, 40))
    [req] = attendance.requirements(UserInfo.of(anna), CourseInfo.of(course))
    assert not req.met and "1/2" in req.label
    _intervals(second.occurrences[0], anna, (0, 31))
    [req] = attendance.requirements(UserInfo.of(anna), CourseInfo.of(course))
    assert req.met


def test_the_gradebook_reads_attendance_percentages(live, at):
    from lms_zoom import attendance

    course, teacher, (anna, boris) = live.course(learners=2)
    graded = live.schedule(course, teacher, at(minutes=2), in_gradebook="1", title="Graded")
    live.schedule(course, teacher, at(minutes=3), title="Not graded")
    later = live.schedule(course, teacher, at(days=3), in_gradebook="1", title="Next week")
    graded.occurrences[0].starts_at = at(minutes=-90)  # it took place
    db.session.commit()
    _intervals(graded.occurrences[0], anna, (0, 30))
    [item] = attendance.gradebook_items(course.id)  # only lectures that took place
    assert later.title not in item["title"]
    assert item["title"] == "Graded" and item["max_points"] == 100
    assert item["scores"] == {anna.id: 50, boris.id: 0}


def test_the_gradebook_failing_filter_follows_recorded_and_corrected_attendance(live, client, at):
    import re

    from lms_zoom import attendance

    course, teacher, (anna, boris) = live.course(learners=2)
    graded = live.schedule(course, teacher, at(minutes=2), in_gradebook="1", title="Graded")
    occurrence = graded.occurrences[0]
    occurrence.starts_at = at(minutes=-150)
    occurrence.ended_at = occurrence.starts_at + timedelta(minutes=60)  # over: its minutes settled
    db.session.commit()
    _intervals(occurrence, anna, (0, 30))
    login(client, teacher)

    def failing():
        page = client.get(f"/teach/courses/{course.id}/gradebook?show=failing").get_data(as_text=True)
        return [int(n) for n in re.findall(r'<tr data-user="(\d+)"', page)]

    assert failing() == [boris.id]  # Anna's 50 % is the pass mark; the summaries are computed now
    _intervals(live.fresh(graded).occurrences[0], boris, (0, 45))
    assert failing() == []
    attendance.correct(teacher, live.fresh(graded).occurrences[0], anna.id, "10", "Left after ten minutes")
    assert failing() == [anna.id]


def test_the_jitsi_page_heartbeat_records_the_learner_while_the_page_is_open(live, client, at):
    from lms_zoom import attendance

    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5))
    login(client, anna)
    page = client.get(f"/zoom/sessions/{session.id}").get_data(as_text=True)
    link = page.split('class="button zoom-join" href="')[1].split('"')[0]
    assert client.get(link).status_code == 200
    assert client.post(link + "/beat", json={}).json == {"ok": True}
    occurrence = live.fresh(session).occurrences[0]
    [row] = attendance.occurrence_rows(occurrence, [anna])
    assert row.joins == 1
    client.post("/logout")
    assert client.post(link + "/beat", json={}).status_code in (302, 401, 403)


def test_completion_reads_attendance_in_a_few_queries_however_many_dates(live, app, at):
    from sqlalchemy import event

    from lms_core.payloads import CourseInfo, UserInfo
    from lms_zoom import attendance

    course, teacher, (anna,) = live.course()
    start = at(days=1)
    series = live.schedule(
        course,
        teacher,
        start,
        repeat="weekly",
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        ends="count",
        count=30,
        counts_for_completion="1",
    )
    _intervals(series.occurrences[3], anna, (0, 50))
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        [req] = attendance.requirements(UserInfo.of(anna), CourseInfo.of(course))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert req.met and len(statements) <= 8  # not one per date


def test_a_teachers_page_of_learners_reads_attendance_once_however_many_learners(live, app, client, at):
    """The course's sessions, rule and every learner's minutes in a few statements for
    the whole page (each learner's requirement is asked in turn)."""
    from lms_core.testing import count_sql

    def statements_of_students_page(learners: int) -> int:
        course, teacher, people = live.course(learners=learners)
        session = live.schedule(course, teacher, at(minutes=2), counts_for_completion="1", completion_percent="70")
        for person in people:
            _intervals(session.occurrences[0], person, (0, 45))
        login(client, teacher)
        path = f"/teach/courses/{course.id}/students"
        assert client.get(path).status_code == 200
        db.session.remove()
        with count_sql(db.engine) as sql:
            html = client.get(path).get_data(as_text=True)
        assert html.count('class="student"') == learners
        return sql.count

    assert statements_of_students_page(2) == statements_of_students_page(6)


def test_hook_on_live_session_attended(live, app, at):
    """Once a meeting's attendance is final (after it, its report read), every learner
    who was there is announced once, with their minutes."""
    from lms_core import hookimpl
    from lms_core.testing import get_plugin_manager

    from lms_zoom import jobs

    heard = []

    class Listener:
        @hookimpl
        def on_live_session_attended(self, user, session, occurrence, minutes, event):
            heard.append((user.id, session["title"], session["course_id"], occurrence["id"], minutes, event.id))

    get_plugin_manager(app).register(Listener(), name="listener")
    course, teacher, (anna, boris) = live.course(learners=2)
    lecture = live.schedule(course, teacher, at(minutes=2), title="Week 1")
    occurrence = lecture.occurrences[0]
    occurrence.starts_at = at(minutes=-120)  # it took place
    db.session.commit()
    _intervals(occurrence, anna, (0, 45))  # boris never came

    jobs.after_occurrence(occurrence.id)
    jobs.after_occurrence(occurrence.id)  # a retried job tells nobody twice

    [(user_id, title, course_id, occurrence_id, minutes, event_id)] = heard
    assert (user_id, title, course_id, occurrence_id, minutes) == (anna.id, "Week 1", course.id, occurrence.id, 45)
    assert event_id


def test_heartbeats_of_a_lecture_still_being_measured_do_not_mark_the_gradebook(live, client, at):
    """While the occurrence has not settled its item's settles_at keeps the gradebook's
    summaries following it; once over, a recorded change marks the learner's row."""
    from lms_core.models import GradebookSummary
    from lms_zoom import attendance

    course, teacher, (anna,) = live.course()
    graded = live.schedule(course, teacher, at(minutes=2), in_gradebook="1", title="Graded")
    graded.occurrences[0].starts_at = at(minutes=-10)  # in progress
    db.session.commit()
    course_id, anna_id = course.id, anna.id
    login(client, teacher)
    assert client.get(f"/teach/courses/{course_id}/gradebook?show=failing").status_code == 200  # summaries made
    version = db.session.get(GradebookSummary, (course_id, anna_id)).version
    attendance.heartbeat(live.fresh(graded).occurrences[0], anna_id, "visit1")
    attendance.heartbeat(live.fresh(graded).occurrences[0], anna_id, "visit1")
    db.session.expire_all()
    row = db.session.get(GradebookSummary, (course_id, anna_id))
    assert (row.version, row.stale) == (version, False)

    occurrence = live.fresh(graded).occurrences[0]
    occurrence.ended_at = at(minutes=-1)  # over: settled
    db.session.commit()
    attendance.record_once(occurrence.id, anna_id, "test:late", at(minutes=-9), at(minutes=-2))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(GradebookSummary, (course_id, anna_id)).stale


def test_a_course_without_live_lectures_costs_its_page_one_statement_of_this_plugin(live, client, at):
    """The rule and whether the course has any session come in one statement; the
    sessions themselves (shared with the page's fragment) only when there are some."""
    from lms_core.payloads import CourseInfo, UserInfo
    from lms_core.testing import count_sql

    from lms_zoom import attendance

    course, teacher, (anna,) = live.course()

    def requirements():
        db.session.commit()  # a new transaction: nothing read before is reused
        learner, of_course = UserInfo.of(anna), CourseInfo.of(course)
        with count_sql(db.engine) as sql:
            found = attendance.requirements(learner, of_course)
        return found, sql.count

    assert requirements() == ([], 1)
    login(client, teacher)
    client.post(f"/zoom/courses/{course.id}/rule", data={"sessions": "2", "percent": "50"})
    [rule], count = requirements()
    assert count == 1 and not rule.met and "0/2" in rule.label  # a rule stands with no lecture yet
    live.schedule(course, teacher, at(minutes=2), counts_for_completion="1", completion_percent="70")
    found, count = requirements()
    assert len(found) == 2 and count > 1
