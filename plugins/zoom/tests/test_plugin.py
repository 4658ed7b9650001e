"""The plugin's contract with the rest of the LMS: the notification scenarios it
declares for the notifications plugin, and the admin's page of video services."""
from __future__ import annotations

from jinja2 import Environment, StrictUndefined

from lms_core.testing import login


def test_the_four_scenarios_render_with_their_sample_in_english_and_russian(app):
    from flask_babel import force_locale

    from lms_zoom import messages

    scenarios = messages.scenarios()
    assert [s["name"] for s in scenarios] == ["zoom.session_scheduled", "zoom.session_moved",
                                              "zoom.session_cancelled", "zoom.session_starting"]
    env = Environment(undefined=StrictUndefined)
    with app.test_request_context():
        for language, word in (("en", "lecture"), ("ru", "лекция")):
            with force_locale(language):
                for scenario in scenarios:
                    assert scenario["audience"] == "learner" and scenario["frequency"] == "immediately"
                    params = dict(scenario["sample"], url="https://lms.example/zoom/sessions/1", user_name="Anna",
                                  site_name="LMS")
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
    rows = {name: page.split(f'data-provider="{name}"')[1].split("</tr>")[0] for name in
            ("jitsi", "zoom", "teams", "bigbluebutton")}
    assert rows["bigbluebutton"].count("yes") == 2 and rows["zoom"].count("no") == 2
    assert "default" in rows["jitsi"]
    assert "/zoom/webhooks/zoom" in page
