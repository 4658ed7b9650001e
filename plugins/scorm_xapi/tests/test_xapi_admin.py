"""The admin's xAPI pages: the LRS settings (errors at the field, in Russian too), the
statement log with its filters, pages and "Try again"; and the records other parts
send: SCO attempts from the SCORM player, live sessions attended."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode adds no test folder to the path
from xapi_fixtures import configure, lrs, ralph  # noqa: E402,F401  (fixtures)
from xapi_ralph import KEY, SECRET, free_port  # noqa: E402

from lms_core import db  # noqa: E402

pytestmark = pytest.mark.lms_config(SCORM_XAPI_RETRY_INTERVALS=(1,), SCORM_XAPI_READ_TIMEOUT=2.0)


def _rows():
    from lms_scorm_xapi.xapi.models import Statement

    db.session.expire_all()
    return db.session.execute(db.select(Statement).order_by(Statement.order_key)).scalars().all()


def test_an_admin_sets_the_lrs_on_the_settings_page(app, client, factory, login, ralph):
    from lms_scorm_xapi.xapi import settings

    admin = factory.user(role="admin")
    login(client, admin)
    page = client.get("/admin/xapi/settings")
    assert page.status_code == 200 and b'name="endpoint"' in page.data
    saved = client.post(
        "/admin/xapi/settings",
        data={
            "endpoint": ralph.endpoint.rstrip("/"),
            "key": KEY,
            "secret": SECRET,
            "version": "1.0.3",
            "actor": "account",
            "test": "1",
        },
    )
    assert saved.status_code == 303
    assert settings.lrs() == {
        "endpoint": ralph.endpoint,
        "key": KEY,
        "secret": SECRET,
        "version": "1.0.3",
        "actor": "account",
    }
    follow = client.get("/admin/xapi/settings")
    assert SECRET.encode() not in follow.data  # the secret is never shown back
    # an empty secret keeps the stored one
    client.post(
        "/admin/xapi/settings",
        data={"endpoint": ralph.endpoint, "key": KEY, "secret": "", "version": "2.0.0", "actor": "mbox"},
    )
    assert settings.lrs()["secret"] == SECRET and settings.lrs()["version"] == "2.0.0"


def test_bad_settings_are_refused_at_their_fields_in_russian_and_nothing_is_saved(app, client, factory, login):
    from lms_scorm_xapi.xapi import settings

    admin = factory.user(role="admin", locale="ru")
    login(client, admin)
    refused = client.post(
        "/admin/xapi/settings",
        data={"endpoint": "ftp://lrs.example.org/", "key": "k", "secret": "", "version": "0.9", "actor": "x"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Укажите адрес LRS" in html  # at the endpoint field
    assert html.count("Выберите одно из предложенных значений.") == 2  # version and actor
    assert 'aria-describedby="endpoint-error"' in html
    assert settings.stored() == {}
    unreachable = client.post(
        "/admin/xapi/settings",
        data={
            "endpoint": f"http://127.0.0.1:{free_port()}/xAPI/",
            "key": "",
            "secret": "",
            "version": "1.0.3",
            "actor": "account",
            "test": "1",
        },
    )
    assert unreachable.status_code == 400 and "LRS ответил не так, как ожидалось" in unreachable.get_data(as_text=True)
    assert settings.stored() == {}


def test_only_admins_see_the_xapi_pages(app, client, factory, login):
    teacher = factory.user(role="teacher")
    login(client, teacher)
    assert client.get("/admin/xapi/statements").status_code == 403
    assert client.post("/admin/xapi/statements/retry", data={"all": "1"}).status_code == 403


def test_the_statement_log_filters_pages_and_tries_again(app, client, factory, login, lrs, run_jobs):
    from lms_scorm_xapi.xapi import views

    admin = factory.user(role="admin")
    learners = [factory.user(email=f"learner{i}@example.org") for i in range(4)]
    courses = [factory.course(title=f"Course {i}") for i in range(20)]
    configure(f"http://127.0.0.1:{free_port()}/xAPI/")  # down: the first learner's enrolment fails
    factory.enrol(learners[0], courses[0])
    run_jobs()
    configure(lrs.endpoint)
    for learner in learners[1:]:
        for course in courses:
            factory.enrol(learner, course)
    run_jobs()
    login(client, admin)

    everything = client.get("/admin/xapi/statements")
    assert everything.status_code == 200
    assert everything.get_data(as_text=True).count("<tr class=\"status-") == views.PAGE_SIZE
    second = client.get("/admin/xapi/statements?page=2")
    assert second.get_data(as_text=True).count("<tr class=\"status-") == 61 - views.PAGE_SIZE
    failed = client.get("/admin/xapi/statements?status=failed").get_data(as_text=True)
    assert failed.count("<tr class=\"status-") == 1 and "learner0@example.org" in failed
    assert "could not be reached" in failed
    mine = client.get("/admin/xapi/statements?email=learner1@example.org&verb=registered").get_data(as_text=True)
    assert mine.count("<tr class=\"status-sent") == 20
    bad = client.get("/admin/xapi/statements?since=yesterday")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)

    (stuck,) = [r for r in _rows() if r.status == "failed"]
    again = client.post("/admin/xapi/statements/retry?status=failed", data={"statement": stuck.id})
    assert again.status_code == 303 and "status=failed" in again.headers["Location"]
    run_jobs()
    assert stuck.id in [s["id"] for s in lrs.statements()]
    retried = client.get("/admin/xapi/statements?status=retried").get_data(as_text=True)
    assert retried.count("<tr class=\"status-") == 1 and stuck.id in retried
    nothing = client.post("/admin/xapi/statements/retry", data={}, follow_redirects=True)
    assert "Nothing to send again." in nothing.get_data(as_text=True)


def test_the_scorm_player_records_sco_attempts_with_its_own_commit(app, factory, lrs, run_jobs):
    from lms_scorm_xapi.xapi import record_sco_attempt

    learner = factory.user()
    course = factory.course(title="Safety")
    ids = []
    for verb, completion in (("attempted", None), ("completed", True), ("passed", True)):
        ids.append(
            record_sco_attempt(
                user_id=learner.id,
                sco_id=7,
                sco_title="Fire drill",
                course_id=course.id,
                attempt_key="sco-attempt:99",
                verb=verb,
                score=8,
                max_score=10,
                success=True if verb == "passed" else None,
                completion=completion,
                duration_seconds=95,
            )
        )
    assert lrs.statements() == []  # nothing before the caller's commit
    db.session.commit()
    run_jobs()
    stored = lrs.statements()
    assert [s["id"] for s in stored] == ids
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in stored] == ["attempted", "completed", "passed"]
    assert stored[2]["result"]["score"] == {"raw": 8.0, "min": 0.0, "max": 10.0, "scaled": 0.8}
    assert stored[2]["result"]["duration"] == "PT01M35S"  # 95 s, as tincan writes ISO 8601
    assert stored[0]["object"]["id"] == "http://localhost/xapi/activities/sco/7"
    # the same record again (a resent commit) adds nothing
    record_sco_attempt(
        user_id=learner.id,
        sco_id=7,
        sco_title="Fire drill",
        course_id=course.id,
        attempt_key="sco-attempt:99",
        verb="completed",
        completion=True,
    )
    db.session.commit()
    run_jobs()
    assert len(_rows()) == 3 and len(lrs.statements()) == 3
    # work rolled back records nothing
    record_sco_attempt(user_id=learner.id, sco_id=8, sco_title="Other", course_id=None, attempt_key="sco-attempt:100")
    db.session.rollback()
    assert len(_rows()) == 3
    with pytest.raises(ValueError):
        record_sco_attempt(user_id=learner.id, sco_id=8, sco_title="x", course_id=None, attempt_key="k", verb="won")


@pytest.mark.lms_config(LMS_PLUGINS="scorm_xapi,zoom")
def test_a_live_session_attended_is_sent_when_the_live_lectures_plugin_fires_it(app, factory, lrs, run_jobs):
    """The live-lectures plugin declares ``on_live_session_attended`` (and fires it once
    a meeting's attendance is final, plugins/zoom/tests/test_attendance.py); its event
    is sent as "attended" with the minutes as duration."""
    from lms_core.events import commit, emit
    from lms_core.payloads import UserInfo

    learner = factory.user()
    course = factory.course(title="Live chemistry")
    emit(
        "on_live_session_attended",
        user=UserInfo.of(learner),
        session={"id": 3, "title": "Weekly lab", "course_id": course.id},
        occurrence={"id": 12},
        minutes=45,
    )
    commit()
    run_jobs()
    (stored,) = lrs.statements()
    assert stored["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attended"
    assert stored["object"]["id"] == "http://localhost/xapi/activities/meeting/12"
    assert stored["object"]["definition"]["name"] == {"en-US": "Weekly lab"}
    assert stored["result"]["duration"] == "PT45M00S"
    assert stored["context"]["contextActivities"]["parent"][0]["id"].endswith(f"/course/{course.id}")
