"""SMS (Twilio, SMS.ru), Telegram and Web Push against local servers that answer like
the providers; what the plugin sent is checked on the server's side."""

from __future__ import annotations

import base64
from datetime import timedelta

from lms_core import notify
from lms_core.models.base import utcnow
from lms_core.testing import login

TODAY = "notifications.course_starts_today"  # urgent; push, telegram, sms, email


def starts_today(user, course="Python 101"):
    return notify(
        user,
        TODAY,
        title=f"“{course}” starts today",
        url="/courses/python",
        params={"course": course, "starts_at": "10:00"},
    )


def test_a_learner_with_a_confirmed_phone_gets_the_sms_through_twilio(
    app, factory, sms_twilio, addresses, deliveries, run_jobs
):
    learner = factory.user(name="Ann")
    addresses.phone(learner, "+447700900123")
    starts_today(learner)
    run_jobs()
    [sent] = sms_twilio.of("twilio")
    assert sent["form"] == {"To": "+447700900123", "From": "+15005550006", "Body": "“Python 101” starts today, 10:00"}
    expected = base64.b64encode(f"{sms_twilio.TWILIO_SID}:{sms_twilio.TWILIO_TOKEN}".encode()).decode()
    assert sent["auth"] == f"Basic {expected}"
    [row] = deliveries()
    assert (row.channel, row.status, row.attempts) == ("sms", "sent", 1)
    assert row.provider_ref.startswith("SM") and row.address.endswith("0123") and "7700" not in row.address


def test_the_sms_goes_out_in_russian_through_sms_ru(app, factory, sms_smsru, addresses, deliveries, run_jobs):
    learner = factory.user(locale="ru")
    addresses.phone(learner, "+79161234567")
    starts_today(learner, course="Основы Python")
    run_jobs()
    [sent] = sms_smsru.of("smsru")
    assert sent["form"]["to"] == "79161234567" and sent["form"]["json"] == "1"
    assert sent["form"]["api_id"] == sms_smsru.SMSRU_API_ID
    assert sent["form"]["msg"] == "«Основы Python» начинается сегодня, 10:00"
    assert deliveries()[0].provider_ref == "000000-10000001"


def test_a_bad_credential_shows_on_the_admin_page_and_the_message_is_retried_until_it_goes_out(
    app, client, factory, sms_twilio, addresses, deliveries, send_now
):
    from lms_notifications import settings

    admin, learner = factory.user(role="admin"), factory.user()
    addresses.phone(learner)
    sms_twilio.mode["twilio"] = "bad_credential"
    before = utcnow()
    starts_today(learner)
    send_now(utcnow())
    [row] = deliveries()
    assert row.status == "retrying" and row.attempts == 1
    assert "Twilio 401: Authenticate (code 20003)" in row.error
    # The first back-off (60 s) counts from the failure; the times below count from it, not from
    # the clock, which a loaded machine moves on by any amount between two lines.
    retry_at = row.due_at
    assert before + timedelta(seconds=60) <= retry_at <= utcnow() + timedelta(seconds=60)
    login(client, admin)
    page = client.get("/notifications/admin").get_data(as_text=True)
    assert "A notification channel is failing" in page and "Twilio 401: Authenticate" in page

    # Nothing is sent before the back-off has passed; after it, with the credential fixed, exactly once.
    send_now(retry_at - timedelta(seconds=30))
    assert len(sms_twilio.of("twilio")) == 1
    sms_twilio.mode.clear()
    send_now(retry_at + timedelta(seconds=1))
    send_now(retry_at + timedelta(hours=5))
    [row] = deliveries()
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(sms_twilio.of("twilio")) == 2  # the refused one and the one that went out
    assert "sms" not in settings.provider_errors()
    assert "A notification channel is failing" not in client.get("/notifications/admin").get_data(as_text=True)


def test_a_provider_that_stays_down_is_given_up_and_the_next_channel_takes_over(
    app, factory, sms_twilio, telegram_bot, addresses, deliveries, send_now
):
    learner = factory.user()
    addresses.phone(learner)
    addresses.telegram(learner, "4242")
    from lms_notifications import scenarios

    scenarios.save_defaults(TODAY, ["sms", "telegram"], "immediately", False)
    app.config["NOTIFICATIONS_TWILIO_API_URL"] = "http://127.0.0.1:9"  # nothing listens there
    starts_today(learner)
    moment = utcnow()
    for step in (0, 61, 61 + 301, 61 + 301 + 1801, 61 + 301 + 1801 + 7201):
        send_now(moment + timedelta(seconds=step + 1))
    sms, telegram = deliveries()
    assert (sms.channel, sms.status, sms.attempts) == ("sms", "given_up", 5)
    assert "could not reach the service" in sms.error
    assert (telegram.channel, telegram.status) == ("telegram", "sent")
    [message] = [r for r in telegram_bot.of("telegram") if r["method"] == "sendMessage"]
    assert message["data"]["chat_id"] == "4242" and "starts today" in message["data"]["text"]


def test_an_unreachable_bot_api_never_puts_the_bot_token_into_the_error(
    app, factory, telegram_bot, addresses, deliveries, send_now
):
    from lms_notifications import scenarios

    from .conftest import Providers

    learner = factory.user()
    addresses.telegram(learner, "4242")
    scenarios.save_defaults(TODAY, ["telegram"], "immediately", False)
    app.config["NOTIFICATIONS_TELEGRAM_API_URL"] = "http://127.0.0.1:9"  # nothing listens there
    starts_today(learner)
    send_now(utcnow() + timedelta(seconds=1))

    [telegram] = deliveries()
    assert "could not reach the service" in telegram.error
    assert Providers.BOT_TOKEN not in telegram.error  # the token is part of every Bot API address


def test_the_monthly_cap_stops_sms_and_the_admin_sees_length_and_cost(
    app, client, factory, sms_twilio, addresses, deliveries, run_jobs
):
    from lms_notifications import settings
    from lms_notifications.channels import sms

    settings.update("sms", monthly_cap=1)
    first, second = factory.user(), factory.user()
    addresses.phone(first, "+447700900001")
    addresses.phone(second, "+447700900002")
    starts_today(first)
    starts_today(second)
    run_jobs()
    assert [r["form"]["To"] for r in sms_twilio.of("twilio")] == ["+447700900001"]
    assert [(d.status, d.error) for d in deliveries()][1] == ("given_up", "SMS: this month's cap is reached")
    assert sms.usage().segments == 1

    assert sms.segments("a" * 160) == (1, "GSM-7") and sms.segments("a" * 161) == (2, "GSM-7")
    assert sms.segments("я" * 70) == (1, "UCS-2") and sms.segments("я" * 71) == (2, "UCS-2")
    login(client, factory.user(role="admin"))
    page = client.get(f"/notifications/admin/scenarios/{TODAY}").get_data(as_text=True)
    assert "As an SMS: 32 characters, 1 part(s) in UCS-2" in page and "cost 0.05 USD per message" in page


def test_a_learner_confirms_their_phone_with_the_code_sent_by_sms(app, client, factory, sms_smsru):
    from lms_notifications.preferences import profile_of

    learner = factory.user(locale="ru")
    login(client, learner)
    bad = client.post("/notifications/phone", data={"phone": "12345"})
    assert bad.status_code == 400 and "+79161234567" in bad.get_data(as_text=True)
    assert client.post("/notifications/phone", data={"phone": "+7 916 123-45-67"}).status_code == 303
    [sent] = sms_smsru.of("smsru")
    code = sent["form"]["msg"].rsplit(" ", 1)[1]
    assert sent["form"]["to"] == "79161234567" and sent["form"]["msg"].startswith("Код LMS:")
    wrong = client.post("/notifications/phone/verify", data={"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "Это не тот код" in wrong.get_data(as_text=True)
    assert profile_of(learner.id).phone_verified_at is None
    assert client.post("/notifications/phone/verify", data={"code": code}).status_code == 303
    assert profile_of(learner.id).phone_verified_at is not None
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert "+79161234567" in page and '<th scope="col">SMS</th>' in page


def test_a_phone_code_that_cannot_be_sent_is_a_clear_error(app, client, factory, sms_twilio):
    sms_twilio.mode["twilio"] = "bad_credential"
    login(client, factory.user())
    response = client.post("/notifications/phone", data={"phone": "+447700900123"})
    assert response.status_code == 502
    assert "The code could not be sent by SMS: Twilio 401: Authenticate" in response.get_data(as_text=True)


def test_a_user_links_telegram_through_the_one_time_deep_link(app, client, factory, telegram_bot, deliveries, run_jobs):
    from lms_notifications import jobs
    from lms_notifications.preferences import profile_of

    learner = factory.user(name="Ann")
    login(client, learner)
    response = client.post("/notifications/telegram/link")
    assert response.status_code == 303
    link = response.headers["Location"]
    assert link.startswith(f"https://t.me/{telegram_bot.BOT_USERNAME}?start=")
    token = link.split("start=", 1)[1]
    telegram_bot.updates.append(
        {
            "update_id": 501,
            "message": {"message_id": 1, "chat": {"id": 98765, "type": "private"}, "text": f"/start {token}"},
        }
    )
    assert jobs.telegram_updates() == 1
    assert profile_of(learner.id).telegram_chat_id == "98765"
    assert jobs.telegram_updates() == 0  # the update was consumed (offset), the token is spent
    telegram_bot.updates.append({"update_id": 502, "message": {"chat": {"id": 1111}, "text": f"/start {token}"}})
    jobs.telegram_updates()
    assert profile_of(learner.id).telegram_chat_id == "98765"

    starts_today(learner)
    run_jobs()
    sent = [r for r in telegram_bot.of("telegram") if r["method"] == "sendMessage"]
    assert [m["data"]["chat_id"] for m in sent] == [98765, "98765"]  # the greeting, then the notification
    assert sent[1]["data"]["text"] == "“Python 101” starts today, 10:00\nhttp://localhost/courses/python"
    assert deliveries()[0].status == "sent"


def test_the_bot_webhook_needs_its_secret(app, client, factory, telegram_bot):
    from lms_notifications.channels import telegram
    from lms_notifications.preferences import profile_of

    learner = factory.user()
    token = telegram.link_url(learner.id).split("start=")[1]
    update = {"update_id": 9, "message": {"chat": {"id": 5}, "text": f"/start {token}"}}
    assert client.post("/notifications/telegram/webhook", json=update).status_code == 403
    secret = telegram.bot()["webhook_secret"]
    ok = client.post(
        "/notifications/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    assert ok.status_code == 200 and profile_of(learner.id).telegram_chat_id == "5"


def test_a_bad_bot_token_is_refused_on_the_admin_page(app, client, factory, providers):
    login(client, factory.user(role="admin", locale="ru"))
    response = client.post("/notifications/admin", data={"part": "telegram", "token": "wrong"})
    assert response.status_code == 400
    assert "Telegram не принял токен: Telegram 401: Unauthorized" in response.get_data(as_text=True)


def test_web_push_is_encrypted_for_the_browser_and_a_gone_subscription_is_deleted(
    app, client, factory, providers, browser_subscription, deliveries, run_jobs
):
    from lms_notifications.channels import push

    learner = factory.user()
    browser = browser_subscription()
    login(client, learner)
    key = client.get("/notifications/push/key").get_json()["public_key"]
    assert client.post(
        "/notifications/push/subscribe", json={"endpoint": browser.endpoint, "keys": browser.keys}
    ).get_json() == {"subscribed": True}
    # The same browser subscribing again is still one subscription.
    client.post("/notifications/push/subscribe", json={"endpoint": browser.endpoint, "keys": browser.keys})
    assert len(push.subscriptions_of(learner.id)) == 1
    assert client.post("/notifications/push/subscribe", json={"endpoint": 5}).status_code == 400

    starts_today(learner)
    run_jobs()
    [received] = providers.of("push")
    assert received["headers"]["content-encoding"] == "aes128gcm"
    assert f"k={key}" in received["headers"]["authorization"] and received["headers"]["authorization"].startswith(
        "vapid "
    )
    assert browser.decrypt(received["body"]) == {
        "title": "“Python 101” starts today at 10:00",
        "body": "“Python 101” starts today, 10:00",
        "url": "http://localhost/courses/python",
    }
    assert deliveries()[0].status == "sent"

    providers.push_status = 410
    starts_today(learner, course="SQL")
    run_jobs()
    assert push.subscriptions_of(learner.id) == []
    assert deliveries()[1].status == "given_up"


def test_a_user_who_blocked_the_bot_is_unlinked_and_the_next_channel_takes_over(
    app, factory, telegram_bot, addresses, smtp_server, deliveries, run_jobs
):
    from lms_notifications import scenarios
    from lms_notifications.preferences import profile_of

    learner = factory.user()
    addresses.telegram(learner, "31337")
    scenarios.save_defaults(TODAY, ["telegram", "email"], "immediately", False)
    telegram_bot.mode["telegram"] = "blocked"
    starts_today(learner)
    run_jobs()
    bot, mail = deliveries()
    assert (bot.channel, bot.status) == ("telegram", "given_up") and "bot was blocked by the user" in bot.error
    assert (mail.channel, mail.status) == ("email", "sent")
    assert profile_of(learner.id).telegram_chat_id is None
    assert [m["To"] for m in smtp_server.wait_for(1)] == [learner.email]


def test_the_admin_sets_up_sms_and_bad_values_are_refused_field_by_field(app, client, factory):
    from lms_notifications import settings

    login(client, factory.user(role="admin", locale="ru"))
    bad = client.post(
        "/notifications/admin",
        data={"part": "sms", "provider": "smsru", "cost_per_segment": "nan", "monthly_cap": "١٠"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Введите цену, например 0.05." in page and "Введите целое число" in page
    assert settings.get("sms") == {}
    ok = client.post(
        "/notifications/admin",
        data={
            "part": "sms",
            "provider": "smsru",
            "smsru_api_id": "key",
            "cost_per_segment": "2.5",
            "currency": "RUB",
            "monthly_cap": "1000",
        },
    )
    assert ok.status_code == 303
    assert (settings.get("sms")["provider"], settings.get("sms")["monthly_cap"]) == ("smsru", 1000)
    # An empty secret keeps the stored one.
    client.post(
        "/notifications/admin",
        data={"part": "sms", "provider": "smsru", "cost_per_segment": "2.5", "monthly_cap": "1000"},
    )
    assert settings.get("sms")["smsru_api_id"] == "key"
