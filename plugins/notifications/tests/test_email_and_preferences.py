"""E-mail through the core's mail service to a real SMTP server (aiosmtpd), and what
each user chose: one-click unsubscribe, refused addresses, digests, quiet hours,
locks, the rate limit, and a retried job that never sends twice."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from lms_core import db, notify, notify_many
from lms_core.models import Notification
from lms_core.models.base import utcnow
from lms_core.testing import login

TOMORROW = "notifications.course_starts_tomorrow"  # email, telegram, push; not urgent
TODAY = "notifications.course_starts_today"  # urgent


def starts_tomorrow(user, course="Python 101"):
    return notify(
        user,
        TOMORROW,
        title=f"“{course}” starts tomorrow",
        url="/courses/python",
        params={"course": course, "starts_at": "2 Dec 2026, 10:00"},
    )


def test_the_email_has_text_html_and_a_one_click_unsubscribe(app, client, factory, smtp_server, deliveries, run_jobs):
    learner = factory.user(name="Ann", locale="ru")
    starts_tomorrow(learner, course="Основы Python")
    run_jobs()
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == learner.email and mail["Subject"].strip() == "«Основы Python» начинается завтра"
    text = mail.get_body(("plain",)).get_content()
    assert "Здравствуйте, Ann!" in text and "Курс «Основы Python» начинается 2 Dec 2026, 10:00." in text
    assert "<p>Здравствуйте, Ann!</p>" in mail.get_body(("html",)).get_content()
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail["List-Unsubscribe"].strip().strip("<>")
    assert url.startswith("http://localhost/notifications/unsubscribe/") and url in text
    assert deliveries()[0].status == "sent"

    path = urlsplit(url).path
    assert client.post(path[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    # The mail client's one-click POST: no session, no CSRF token (RFC 8058).
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    starts_tomorrow(learner, course="SQL")
    notify(learner, TODAY, title="Today", params={"course": "SQL", "starts_at": "10:00"})
    run_jobs()
    assert smtp_server.wait_for(2)[1]["Subject"].strip() == "«SQL» начинается сегодня в 10:00"
    assert len(smtp_server.messages) == 2  # the unsubscribed scenario sent nothing more
    page = client.get(path).get_data(as_text=True)
    assert "Больше не получать «Курс начинается завтра» по почте?" in page


def test_a_permanent_refusal_stops_mail_until_the_user_confirms_the_address(
    app, client, factory, smtp_server, deliveries, run_jobs
):
    learner = factory.user()
    smtp_server.refuse(learner.email, "550 5.1.1 No such mailbox")
    starts_tomorrow(learner)
    run_jobs()
    [row] = deliveries()
    assert row.status == "given_up" and "550" in row.error and "No such mailbox" in row.error
    starts_tomorrow(learner, course="SQL")  # no second try at a failing address
    run_jobs()
    assert len(deliveries()) == 1 and smtp_server.messages == []

    login(client, learner)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "so we stopped sending it" in page and "No such mailbox" in page
    # Confirming needs the address to take mail again: a link is mailed to it.
    client.post("/notifications/email/confirm")
    assert "still refuses" in client.get("/notifications/preferences").get_data(as_text=True)
    smtp_server.refusals.clear()
    assert client.post("/notifications/email/confirm").status_code == 303
    [confirmation] = smtp_server.wait_for(1)
    client.post("/notifications/email/confirm")  # clicking on and on opens no SMTP connection
    assert "Please wait" in client.get("/notifications/preferences").get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    link = confirmation.get_body(("plain",)).get_content().split("http://localhost", 1)[1].split()[0]
    assert client.get(link[:-2] + "xx").status_code == 303
    assert "so we stopped sending it" in client.get("/notifications/preferences").get_data(as_text=True)
    assert client.get(link).status_code == 303
    starts_tomorrow(learner, course="Go")
    run_jobs()
    assert [m["Subject"] for m in smtp_server.wait_for(2)][1] == "“Go” starts tomorrow"


def test_a_server_that_is_down_is_shown_to_the_admin_and_the_mail_goes_out_later_once(
    app, client, factory, smtp_server, deliveries, send_now
):
    learner, admin = factory.user(), factory.user(role="admin")
    port = app.extensions["mailman"].port
    app.extensions["mailman"].port = 9  # nothing listens there
    starts_tomorrow(learner)
    send_now(utcnow())
    [row] = deliveries()
    assert row.status == "retrying" and row.error.startswith("SMTP: ")
    login(client, admin)
    page = client.get("/notifications/admin/deliveries?status=retrying").get_data(as_text=True)
    assert "A notification channel is failing" in page and learner.email in page
    assert learner.email not in client.get("/notifications/admin/deliveries?status=sent").get_data(as_text=True)
    assert learner.email not in client.get("/notifications/admin/deliveries?channel=sms").get_data(as_text=True)
    app.extensions["mailman"].port = port
    send_now(utcnow() + timedelta(seconds=61))
    send_now(utcnow() + timedelta(hours=3))
    assert [m["To"] for m in smtp_server.wait_for(1)] == [learner.email]
    assert (deliveries()[0].status, deliveries()[0].attempts) == ("sent", 2)
    assert "A notification channel is failing" not in client.get("/notifications/admin").get_data(as_text=True)


def test_a_retried_job_never_sends_twice(app, factory, smtp_server, deliveries, run_jobs):
    from lms_notifications import delivery, jobs

    learner = factory.user()
    notification = starts_tomorrow(learner)
    run_jobs()
    # The core's delivery job, rq's retry and the periodic sweep may all see it again.
    jobs.deliver_notification(notification.id)
    delivery.send([d.id for d in deliveries()], utcnow() + timedelta(days=1))
    jobs.dispatch()
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    assert len(deliveries()) == 1


def test_a_daily_digest_gathers_the_messages_into_one_mail_the_next_morning(
    app, factory, addresses, smtp_server, deliveries, send_now
):
    learner = factory.user(timezone="Europe/Moscow")
    addresses.choose(learner, TOMORROW, "email", "daily")
    starts_tomorrow(learner, "Python 101")
    starts_tomorrow(learner, "SQL")
    send_now(utcnow())
    assert smtp_server.messages == []
    rows = deliveries()
    assert [r.frequency for r in rows] == ["daily", "daily"] and {r.status for r in rows} == {"queued"}
    due = rows[0].due_at.astimezone(timezone(timedelta(hours=3)))
    assert (due.hour, due.minute) == (8, 0) and due > utcnow()
    send_now(rows[0].due_at + timedelta(minutes=1))
    [digest] = smtp_server.wait_for(1)
    assert digest["Subject"] == "Your digest: 2 notifications"
    text = digest.get_body(("plain",)).get_content()
    assert "“Python 101” starts tomorrow" in text and "“SQL” starts tomorrow" in text
    assert {r.status for r in deliveries()} == {"sent"}


def test_quiet_hours_hold_a_message_until_morning_but_not_an_urgent_one(
    app, factory, smtp_server, deliveries, send_now
):
    from lms_notifications import delivery, preferences

    learner = factory.user(timezone="Europe/Moscow")
    preferences.set_quiet_hours(learner.id, "22:00", "07:00")
    night = datetime(2026, 12, 1, 20, 30, tzinfo=timezone.utc)  # 23:30 in Moscow
    # Stored in the inbox only; planned below as if it were 23:30 in Moscow.
    [quiet] = notify_many(
        [learner.id], TOMORROW, "Tomorrow", params={"course": "Python", "starts_at": "10:00"}
    ).values()
    [urgent] = notify_many([learner.id], TODAY, "Today", params={"course": "SQL", "starts_at": "10:00"}).values()
    quiet, urgent = db.session.get(Notification, quiet), db.session.get(Notification, urgent)
    delivery.send(delivery.plan(quiet.id, now=night), now=night)
    delivery.send(delivery.plan(urgent.id, now=night), now=night)
    waiting, sent = deliveries()
    assert sent.status == "sent" and waiting.status == "queued"
    assert waiting.due_at == datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc)  # 07:00 in Moscow
    send_now(datetime(2026, 12, 2, 3, 59, tzinfo=timezone.utc))
    assert deliveries()[0].status == "queued"
    send_now(datetime(2026, 12, 2, 4, 0, tzinfo=timezone.utc))
    assert deliveries()[0].status == "sent"
    assert len(smtp_server.wait_for(2)) == 2


def test_a_user_turns_a_scenario_off_but_cannot_change_a_locked_one(
    app, client, factory, smtp_server, deliveries, run_jobs
):
    from lms_notifications import scenarios

    learner = factory.user(locale="ru")
    scenarios.save_defaults(TODAY, ["email"], "immediately", locked=True)
    login(client, learner)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Курс начинается завтра" in page and "задано администраторами" in page
    response = client.post("/notifications/preferences", data={f"{TOMORROW}:email": "off"})
    assert response.status_code == 303
    refused = client.post("/notifications/preferences", data={f"{TOMORROW}:email": "sometimes"})
    assert refused.status_code == 400 and "Выберите одно из предложенных значений." in refused.get_data(as_text=True)
    from lms_notifications import preferences

    assert preferences.explicit(learner.id) == {(TOMORROW, "email"): "off"}
    try:
        preferences.save(learner.id, {(TODAY, "email"): "off"})
        raise AssertionError("a locked scenario was changed")
    except Exception as exc:  # ServiceError
        assert list(getattr(exc, "fields", {})) == [f"{TODAY}:email"]
    starts_tomorrow(learner)
    notify(learner, TODAY, title="Today", params={"course": "SQL", "starts_at": "10:00"})
    run_jobs()
    assert [d.scenario for d in deliveries()] == [TODAY]


def test_the_rate_limit_keeps_a_bug_from_flooding_anyone(app, client, factory, smtp_server, deliveries, run_jobs):
    app.config["NOTIFICATIONS_RATE_LIMIT"] = 2
    learner = factory.user()
    for n in range(4):
        starts_tomorrow(learner, course=f"Course {n}")
    run_jobs()
    assert [d.status for d in deliveries()] == ["sent", "sent", "skipped", "skipped"]
    assert deliveries()[2].error == "rate limit reached for this person and channel"
    assert len(smtp_server.wait_for(3, timeout=0.5)) == 2
    login(client, factory.user(role="admin", locale="ru"))
    page = client.get("/notifications/admin/deliveries?status=skipped").get_data(as_text=True)
    assert page.count("Достигнут предел сообщений для этого человека и канала.") == 2


def test_the_user_sees_what_was_sent_where(app, client, factory, smtp_server, run_jobs):
    learner = factory.user()
    starts_tomorrow(learner)
    run_jobs()
    login(client, learner)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "Course starts tomorrow: sent by E-mail at" in page
    assert '<th scope="col">E-mail</th>' in page and '<th scope="col">SMS</th>' not in page  # no SMS provider here
    account = client.get("/account").get_data(as_text=True)
    assert "/notifications/preferences" in account and "Notification settings" in account


def test_a_weekly_digest_waits_for_monday_morning(app, factory, addresses, smtp_server, deliveries):
    from lms_notifications import delivery, preferences

    learner = factory.user(timezone="Asia/Tokyo")
    addresses.choose(learner, TOMORROW, "email", "weekly")
    thursday = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)  # Thursday, 21:00 in Tokyo
    [notification_id] = notify_many([learner.id], TOMORROW, "x", params={"course": "SQL", "starts_at": "1"}).values()
    delivery.plan(notification_id, now=thursday)
    [row] = deliveries()
    assert row.due_at == datetime(2026, 12, 6, 23, 0, tzinfo=timezone.utc)  # Monday 08:00 in Tokyo
    assert delivery.digest_groups(row.due_at - timedelta(minutes=1)) == []
    assert delivery.send_digest(learner.id, "email", row.due_at) == 1
    assert smtp_server.wait_for(1)[0]["Subject"].strip() == "Your digest: 1 notification"
    assert preferences.digest_due(learner, "daily", thursday) == datetime(2026, 12, 3, 23, 0, tzinfo=timezone.utc)
