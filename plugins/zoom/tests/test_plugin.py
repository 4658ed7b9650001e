"""The plugin's contract with the rest of the LMS: the notification scenarios it
declares for the notifications plugin, and the admin's page of video services."""

from __future__ import annotations

from jinja2 import Environment, StrictUndefined

from lms_core.testing import login


def test_the_four_scenarios_render_with_their_sample_in_english_and_russian(app):
    from flask_babel import force_locale

    from lms_zoom import messages

    scenarios = messages.scenarios()
    assert [s["name"] for s in scenarios] == [
        "zoom.session_scheduled",
        "zoom.session_moved",
        "zoom.session_cancelled",
        "zoom.session_starting",
    ]
    env = Environment(undefined=StrictUndefined)
    with app.test_request_context():
        for language, word in (("en", "lecture"), ("ru", "лекция")):
            with force_locale(language):
                for scenario in scenarios:
                    assert scenario["audience"] == "learner" and scenario["frequency"] == "immediately"
                    params = dict(
                        scenario["sample"], url="https://lms.example/zoom/sessions/1", user_name="Anna", site_name="LMS"
                    )
                    subject = env.from_string(str(scenario["templates"]["subject"])).render(params)
                    short = env.from_string(str(scenario["templates"]["short"])).render(params)
                    assert "Python 101: loops" in subject and len(short) <= 160
                    assert word in str(scenario["label"]).lower()


def test_the_admin_sees_which_video_services_are_configured(app, client, factory):
    admin = factory.user(role="admin")
    teacher = factory.user(role="teacher")
    app.config.update(ZOOM_BBB_URL="https://bbb.example/bigbluebutton/api", ZOOM_BBB_SECRET="s" * 40)
    login(client, teacher)
    assert client.get("/zoom/admin").status_code == 403
    client.post("/logout")
    login(client, admin)
    page = client.get("/zoom/admin").get_data(as_text=True)
    rows = {
        name: page.split(f'data-provider="{name}"')[1].split("</tr>")[0]
        for name in ("jitsi", "zoom", "teams", "bigbluebutton")
    }
    assert rows["bigbluebutton"].count("yes") == 2 and rows["zoom"].count("no") == 2
    assert "default" in rows["jitsi"]
    assert "/zoom/webhooks/zoom" in page


def test_bad_input_gets_a_clear_answer_never_a_server_error(app, client, live, at, zoom_server):
    import hashlib
    import hmac
    import time

    course, teacher, (anna,) = live.course()
    session = live.schedule(course, teacher, at(minutes=5))
    login(client, teacher)
    occurrence = session.occurrences[0]
    assert client.get("/zoom/join/not-a-token").status_code == 404
    assert (
        client.post(
            f"/zoom/occurrences/{occurrence.id}/attendance", data={"user_id": "abc", "minutes": "5", "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/zoom/occurrences/{occurrence.id}/attendance",
            data={"user_id": str(teacher.id), "minutes": "5", "reason": "x"},
        ).status_code
        == 400
    )
    odd = live.form(
        at(days=1),
        start_time="25:61",
        duration="1e3",
        repeat="weekly",
        weekdays=["x"],
        ends="until",
        until="someday",
        passcode="toolongpasscode!",
    )
    answer = client.post(f"/zoom/courses/{course.id}/new", data=odd)
    assert answer.status_code == 400 and 'id="zoom-error"' in answer.get_data(as_text=True)
    assert client.get("/zoom/courses/999999/").status_code == 404
    assert client.get("/zoom/sessions/999999").status_code == 404
    timestamp = str(int(time.time()))
    for raw in (b"not json", b"\xff\xfe", b'{"no": "event"}'):
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = "x"
        signature = (
            "v0=" + hmac.new(b"hook-secret-token", f"v0:{timestamp}:{text}".encode(), hashlib.sha256).hexdigest()
        )
        reply = client.post(
            "/zoom/webhooks/zoom",
            data=raw,
            content_type="application/json",
            headers={"x-zm-request-timestamp": timestamp, "x-zm-signature": signature},
        )
        assert reply.status_code in (400, 401) and reply.json["error"]["code"] in ("invalid_body", "bad_signature")
    assert client.post("/zoom/webhooks/bbb/garbage/analytics", data=b"{}").status_code == 401
