"""A teacher schedules live lectures on Jitsi (the default, no account needed); the
learners are told, see them on the course page in their own time zone, get reminded
once, and join through a link made for them alone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from lms_core import db
from lms_core.testing import login


def test_a_teacher_schedules_a_weekly_lecture_and_the_learners_are_told(live, client, notifications, run_jobs, at):
    from lms_zoom.models import LiveSession

    course, teacher, (anna, boris) = live.course(learners=2)
    login(client, teacher)
    start = at(days=3)
    form = live.form(
        start,
        timezone="Europe/Berlin",
        repeat="weekly",
        weekdays=[start.weekday(), (start.weekday() + 2) % 7],
        ends="count",
        count=4,
        title="Weekly seminar",
    )
    response = client.post(f"/zoom/courses/{course.id}/new", data=form)
    assert response.status_code == 302
    run_jobs()
    session = db.session.execute(db.select(LiveSession)).scalar_one()
    assert session.state == "ready" and session.provider == "jitsi"
    assert len(session.occurrences) == 4
    # The room name is unguessable: 96 random bits after the title.
    assert session.meeting["room"].startswith("weekly-seminar-") and len(session.meeting["room"].split("-")[-1]) == 24
    local_times = {o.starts_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") for o in session.occurrences}
    assert local_times == {start.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")}
    told = notifications("zoom.session_scheduled")
    assert sorted(n.user_id for n in told) == sorted([anna.id, boris.id])
    assert told[0].params["title"] == "Weekly seminar" and told[0].params["course"] == course.title
    # Told once, even when the job runs again.
    from lms_zoom import jobs

    jobs.tell_learners(session.id, "scheduled", "scheduled")
    assert len(notifications("zoom.session_scheduled")) == 2


def test_occurrences_keep_the_wall_clock_time_across_a_daylight_saving_change():
    from datetime import datetime

    from lms_zoom.sessions import occurrence_times

    zone = ZoneInfo("Europe/Berlin")
    first = datetime(2026, 10, 19, 10, 0, tzinfo=zone)  # Monday; clocks go back on 25 October
    times = occurrence_times(first, "Europe/Berlin", {"weekdays": [0], "until": "2026-11-02"})
    assert [t.astimezone(zone).strftime("%d %H:%M") for t in times] == ["19 10:00", "26 10:00", "02 10:00"]
    assert [t.hour for t in times] == [8, 9, 9]  # UTC moves, the lecture does not


def test_a_form_with_mistakes_says_what_is_wrong_in_russian_and_saves_nothing(live, client, at):
    from lms_zoom.models import LiveSession

    course, teacher, _ = live.course()
    teacher.locale = "ru"
    db.session.commit()
    login(client, teacher)
    form = live.form(
        at(days=-2),
        title="",
        duration="2",
        repeat="weekly",
        ends="count",
        count="500",
        timezone="Mars/Olympus",
        provider="zoom",
    )
    response = client.post(f"/zoom/courses/{course.id}/new", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for code in ("title", "timezone", "duration", "weekdays", "count", "provider"):
        assert f'data-field="{code}"' in page
    assert "Дайте занятию название" in page
    assert db.session.execute(db.select(LiveSession)).first() is None


def test_a_learner_cannot_schedule_and_sees_only_ready_sessions(live, client):

    course, teacher, (anna,) = live.course()
    login(client, anna)
    assert client.post(f"/zoom/courses/{course.id}/new", data=live.form()).status_code == 403
    session = live.schedule(course, teacher)
    session.state = "pending"
    db.session.commit()
    assert client.get(f"/zoom/sessions/{session.id}").status_code in (403, 404)
    assert "Loops and lists" not in client.get(f"/zoom/courses/{course.id}/").get_data(as_text=True)


def test_rescheduling_and_cancelling_tell_the_learners(live, client, notifications, run_jobs, at):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(days=2))
    login(client, teacher)
    moved_to = at(days=4, hours=3)
    response = client.post(f"/zoom/sessions/{session.id}/edit", data=live.form(moved_to, title="Loops, moved"))
    assert response.status_code == 302
    run_jobs()
    session = live.fresh(session)
    assert session.occurrences[0].starts_at == moved_to and session.title == "Loops, moved"
    moved = notifications("zoom.session_moved", anna)
    assert len(moved) == 1 and "Loops, moved" in moved[0].title
    # Saving again without moving anything tells nobody.
    client.post(f"/zoom/sessions/{session.id}/edit", data=live.form(moved_to, title="Loops, renamed"))
    run_jobs()
    assert len(notifications("zoom.session_moved", anna)) == 1

    assert client.post(f"/zoom/sessions/{session.id}/cancel").status_code == 302
    run_jobs()
    assert live.fresh(session).state == "cancelled"
    assert len(notifications("zoom.session_cancelled", anna)) == 1
    assert "Loops" not in client.get(f"/zoom/courses/{course.id}/").get_data(as_text=True)


def test_the_reminder_goes_out_once_fifteen_minutes_before(live, notifications, at):
    from lms_zoom import jobs

    course, teacher, (anna, boris) = live.course(learners=2)
    soon = live.schedule(course, teacher, at(minutes=10), title="Soon")
    live.schedule(course, teacher, at(hours=3), title="Later")
    assert jobs.send_reminders() == 2
    assert jobs.send_reminders() == 0  # the next run tells nobody twice
    told = notifications("zoom.session_starting")
    assert sorted(n.user_id for n in told) == sorted([anna.id, boris.id])
    assert all("Soon" in n.title for n in told) and told[0].url == f"/zoom/sessions/{soon.id}"
    # Moved by ten minutes after the reminder went out: reminded again, once.
    soon.occurrences[0].starts_at = at(minutes=12)
    db.session.commit()
    assert jobs.send_reminders() == 2 and jobs.send_reminders() == 0


def test_the_join_link_is_for_its_learner_only_and_opens_shortly_before_the_start(live, client, factory, at):
    course, teacher, (anna, boris) = live.course(learners=2)
    later = live.schedule(course, teacher, at(hours=5))
    now_on = live.schedule(course, teacher, at(minutes=5), title="Now")
    login(client, anna)
    page = client.get(f"/zoom/sessions/{later.id}").get_data(as_text=True)
    assert "zoom-join-later" in page and "/zoom/join/" not in page
    page = client.get(f"/zoom/sessions/{now_on.id}").get_data(as_text=True)
    link = page.split('class="button zoom-join" href="')[1].split('"')[0]
    room = client.get(link)
    assert room.status_code == 200 and now_on.meeting["room"] in room.get_data(as_text=True)
    # The same link opened by another account is refused.
    client.post("/logout")
    other = factory.app.test_client()
    login(other, boris)
    refused = other.get(link)
    assert refused.status_code == 403
    assert "another account" in refused.get_data(as_text=True)
    assert other.get(link.replace(link[-6:], "abcdef")).status_code in (403, 404)


def test_the_course_page_and_dashboard_show_upcoming_lectures_in_the_viewers_time_zone(live, client, at):
    course, teacher, (anna,) = live.course()
    anna.timezone = "Asia/Tokyo"
    db.session.commit()
    session = live.schedule(course, teacher, at(days=1).replace(hour=1, minute=30))
    login(client, anna)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "course-live-sessions" in page and session.title in page
    tokyo = session.starts_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%-I:%M")
    assert tokyo in page
    dashboard = client.get("/dashboard").get_data(as_text=True)
    coming = dashboard[dashboard.index('id="upcoming-deadlines"') :]
    assert 'data-kind="live_session"' in coming and session.title in coming and tokyo in coming
    assert f'href="/zoom/sessions/{session.id}"' in coming


def test_a_teachers_dashboard_lists_the_lectures_they_teach(live, client, at):
    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(days=1), title="Rock cycle")
    login(client, teacher)

    dashboard = client.get("/dashboard").get_data(as_text=True)

    coming = dashboard[dashboard.index('id="upcoming-deadlines"') :]
    coming = coming[: coming.index("</section>")]
    assert 'data-kind="live_session"' in coming and "Rock cycle" in coming and "You teach" in coming
    assert f'href="/zoom/sessions/{session.id}"' in coming
    login(client, anna)
    mine = client.get("/dashboard").get_data(as_text=True)
    assert "Rock cycle" in mine and "You teach" not in mine


def test_calendar_feeds_for_a_user_and_for_a_course(live, client, at):
    from icalendar import Calendar

    course, teacher, (anna,) = live.course()
    session = live.schedule(
        course, teacher, at(days=1), repeat="weekly", weekdays=[at(days=1).weekday()], ends="count", count=3
    )
    login(client, anna)
    page = client.get("/zoom/calendar").get_data(as_text=True)
    feed = page.split('id="feed-url" readonly value="')[1].split('"')[0]
    client.post("/logout")
    answer = client.get(feed.replace("http://localhost", ""))
    assert answer.status_code == 200 and answer.mimetype == "text/calendar"
    events = Calendar.from_ical(answer.data).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [o.starts_at for o in session.occurrences]
    assert client.get("/zoom/calendar/not-a-token.ics").status_code == 404
    login(client, teacher)
    course_page = client.get(f"/zoom/courses/{course.id}/").get_data(as_text=True)
    course_feed = course_page.split('id="course-calendar" href="')[1].split('"')[0].replace("http://localhost", "")
    assert len(Calendar.from_ical(client.get(course_feed).data).walk("VEVENT")) == 3
    assert client.get(course_feed.replace(".ics", "x.ics")).status_code == 404


def test_a_lecture_announced_in_english_is_read_in_russian_in_the_readers_time_zone(live, client, notifications, at):
    from datetime import datetime, timezone

    from lms_core.testing import inbox_read_in

    from lms_core import set_translation

    course, teacher, (anna,) = live.course(learners=1)
    anna.locale, anna.timezone = "en", "Europe/Moscow"
    set_translation(course, course, "title", "ru", "Питон для всех")
    db.session.commit()
    live.schedule(course, teacher, datetime(2031, 3, 4, 9, 30, tzinfo=timezone.utc), title="Loops")
    [stored] = notifications("zoom.session_scheduled", anna)
    assert (
        stored.title == "Live lecture scheduled: “Loops”"
        and "Mar 4, 2031, 12:30\u202fPM (Europe/Moscow)" in stored.body
    )

    title, body = inbox_read_in(client, anna, "ru")["zoom.session_scheduled"]
    assert title == "Назначена онлайн-лекция «Loops»"
    assert "назначена на 4 мар. 2031\u202fг., 12:30 (Europe/Moscow)" in body
    assert "«Питон для всех»" in body and f"“{course.title}”" in stored.body  # the course as each reads it
