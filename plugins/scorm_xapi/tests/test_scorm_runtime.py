"""A learner plays a SCO: the runtime page and the package's files answer to the launch's
token only; commits store every element (no cap on suspend_data), resume works, a beacon
on unload is taken, and completion and score map to the core's lesson completion."""

from __future__ import annotations

import json
import re

import pytest
from conftest import upload
from scorm_builders import PackageSpec, Sco, build

from lms_core import ServiceError, db
from lms_core.models import Enrollment, Event, LessonCompletion
from lms_scorm_xapi.scorm import runtime
from lms_scorm_xapi.scorm.models import ScormAttempt, ScormPackage

BIG = "x" * (64 * 1024)


def import_package(client, login, course, teacher, **spec):
    login(client, teacher)
    response = upload(client, f"/scorm/courses/{course.id}/packages", build(PackageSpec(**spec)))
    assert response.status_code == 303, response.get_data(as_text=True)
    client.post("/logout")
    return db.session.execute(db.select(ScormPackage).order_by(ScormPackage.id.desc())).scalars().first()


def launch(client, sco, method="get"):
    """Open the player (GET), or start a new attempt (POST, then the player it redirects to)."""
    page = getattr(client, method)(f"/scorm/scos/{sco.id}", follow_redirects=True)
    assert page.status_code == 200, page.get_data(as_text=True)
    frame = re.search(r'id="scorm-frame" src="([^"]+)"', page.get_data(as_text=True)).group(1)
    token = re.search(r"/scorm/run/([^/]+)/", frame).group(1)
    return token


def commit(client, token, data, seq=None, terminate=False, content_type="application/json"):
    query = []
    if seq is not None:
        query.append(f"seq={seq}")
    if terminate:
        query.append("terminate=1")
    url = f"/scorm/runtime/{token}/commit" + ("?" + "&".join(query) if query else "")
    return client.post(url, data=json.dumps(data), content_type=content_type)


@pytest.fixture
def played(client, login, scorm_course):
    teacher, course, learner = scorm_course
    package = import_package(client, login, course, teacher, version="1.2")
    login(client, learner)
    return package, package.scos[0], learner, course


def test_a_learner_commits_64_kb_of_suspend_data_and_resumes_later(client, played):
    package, sco, learner, _course = played
    token = launch(client, sco)
    state = client.get(f"/scorm/runtime/{token}/state").get_json()
    assert state["recorded"] is True
    assert state["data"]["cmi.core.entry"] == "ab-initio"
    assert state["data"]["cmi.core.student_name"] == "Learner, Lena"
    answer = commit(
        client,
        token,
        {
            "cmi.suspend_data": BIG,
            "cmi.core.lesson_location": "p3",
            "cmi.core.lesson_status": "incomplete",
            "cmi.core.exit": "suspend",
            "cmi.core.session_time": "00:02:30",
        },
        seq=1,
        terminate=True,
    )
    assert answer.get_json() == {"result": True, "errorCode": 0, "recorded": True}
    attempt = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert attempt.data["cmi.suspend_data"] == BIG
    assert (attempt.completion_status, attempt.suspended, attempt.session_seconds) == ("incomplete", True, 150)
    # The tab was closed; a new launch continues the same attempt.
    token = launch(client, sco)
    state = client.get(f"/scorm/runtime/{token}/state").get_json()["data"]
    assert state["cmi.suspend_data"] == BIG
    assert state["cmi.core.lesson_location"] == "p3"
    assert state["cmi.core.entry"] == "resume"
    assert "cmi.core.session_time" not in state
    assert db.session.execute(db.select(db.func.count()).select_from(ScormAttempt)).scalar() == 1


def test_suspend_data_larger_than_the_api_body_cap_is_kept(client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    huge = "z" * (3 * 1024 * 1024)
    assert commit(client, token, {"cmi.suspend_data": huge}, seq=1).status_code == 200
    assert db.session.execute(db.select(ScormAttempt)).scalar_one().data["cmi.suspend_data"] == huge


def test_a_beacon_sent_as_text_plain_is_taken_and_a_late_one_ignored(client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "p2"}, seq=2).status_code == 200
    late = commit(client, token, {"cmi.core.lesson_location": "p1"}, seq=1, content_type="text/plain")
    assert late.status_code == 200
    attempt = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert attempt.data["cmi.core.lesson_location"] == "p2"
    beacon = commit(client, token, {"cmi.core.lesson_location": "p9"}, seq=3, content_type="text/plain")
    assert beacon.get_json()["result"] is True
    db.session.expire_all()
    assert db.session.get(ScormAttempt, attempt.id).data["cmi.core.lesson_location"] == "p9"


def test_commits_need_a_valid_token_not_a_cookie(app, client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    app.config["WTF_CSRF_ENABLED"] = True  # the site's check is on: the token is what counts
    fresh = app.test_client()  # no cookies at all, as on the content origin
    assert commit(fresh, token, {"cmi.core.lesson_location": "a"}).status_code == 200
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    answer = commit(fresh, forged, {"cmi.core.lesson_location": "b"})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "token_invalid"
    bad = fresh.post(f"/scorm/runtime/{token}/commit", data="{not json", content_type="text/plain")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_commit"
    bad = commit(fresh, token, {"window.location": "x"})
    assert bad.status_code == 400


def test_a_signed_in_browsers_commit_reads_no_session(app, client, played):
    """The runtime's endpoints are sessionless: the learner's cookie, sent along from the
    player's page, costs the commit no statement (the token says who commits)."""
    from lms_core.testing import count_sql

    _package, sco, _learner, _course = played
    token = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "a"}, seq=1).status_code == 200
    with count_sql(db.engine) as signed_in:
        assert commit(client, token, {"cmi.core.lesson_location": "b"}, seq=2).status_code == 200
    with count_sql(db.engine) as cookieless:
        assert commit(app.test_client(), token, {"cmi.core.lesson_location": "c"}, seq=3).status_code == 200
    assert signed_in.count == cookieless.count


def test_passing_completes_the_lesson_and_the_course(client, played):
    package, sco, learner, course = played
    token = launch(client, sco)
    commit(client, token, {"cmi.core.lesson_status": "incomplete"}, seq=1)
    assert db.session.execute(db.select(LessonCompletion)).first() is None
    commit(client, token, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}, seq=2, terminate=True)
    completion = db.session.execute(db.select(LessonCompletion)).scalar_one()
    assert (completion.user_id, completion.lesson_id) == (learner.id, sco.lesson_id)
    names = db.session.execute(db.select(Event.hook).order_by(Event.id)).scalars().all()
    assert names.count("on_lesson_completed") == 1 and "on_course_completed" in names
    enrollment = db.session.execute(db.select(Enrollment).where(Enrollment.user_id == learner.id)).scalar_one()
    assert enrollment.status == "completed"
    # A second commit completes nothing twice.
    commit(client, token, {"cmi.core.lesson_status": "passed"}, seq=3)
    assert db.session.execute(db.select(Event.hook)).scalars().all().count("on_lesson_completed") == 1
    items = runtime.gradebook_items(course.id)
    assert items[0]["key"] == f"scorm:sco:{sco.id}" and items[0]["scores"] == {learner.id: 85.0}
    # The attempt's learning records, once each, beside the course's own (xAPI half).
    from lms_scorm_xapi.xapi.models import Statement

    sco_verbs = (
        db.session.execute(
            db.select(Statement.verb).where(Statement.object_kind == "sco").order_by(Statement.order_key)
        )
        .scalars()
        .all()
    )
    assert sco_verbs == ["attempted", "completed", "passed"]


def test_the_manual_done_button_is_gone_for_a_sco_lesson(client, played):
    _package, sco, _learner, _course = played
    page = client.get(f"/lessons/{sco.lesson_id}").get_data(as_text=True)
    assert "complete-lesson" not in page and f"/scorm/scos/{sco.id}" in page
    assert client.post(f"/lessons/{sco.lesson_id}/complete").status_code == 403
    assert db.session.execute(db.select(LessonCompletion)).first() is None


@pytest.mark.parametrize(
    "grading, expected", [("highest", 90.0), ("last", 40.0), ("first", 60.0), ("average", 190 / 3)]
)
def test_attempts_are_limited_and_graded_by_the_rule(client, login, scorm_course, grading, expected):
    teacher, course, learner = scorm_course
    package = import_package(client, login, course, teacher, version="2004")
    package.completion_rule, package.pass_score, package.attempts_allowed, package.grading = "score", 95, 3, grading
    db.session.commit()
    sco = package.scos[0]
    login(client, learner)
    for number, scaled in enumerate(("0.6", "0.9", "0.4"), 1):
        token = launch(client, sco, "post" if number > 1 else "get")
        commit(
            client,
            token,
            {"cmi.score.scaled": scaled, "cmi.completion_status": "completed", "cmi.exit": "normal"},
            seq=1,
            terminate=True,
        )
    assert [a.score_percent for a in runtime.attempts_of(learner.id, sco.id)] == pytest.approx([60, 90, 40])
    refused = client.post(f"/scorm/scos/{sco.id}")
    assert refused.status_code == 409 and "all 3 attempts" in refused.get_data(as_text=True)
    assert runtime.gradebook_items(course.id)[0]["scores"][learner.id] == pytest.approx(round(expected, 2))
    assert db.session.execute(db.select(LessonCompletion)).first() is None  # 95 % never reached
    package.pass_score = 50
    db.session.commit()
    login(client, teacher)
    response = client.post(
        f"/scorm/packages/{package.id}",
        data={
            "action": "rules",
            "rules-completion_rule": "score",
            "rules-pass_score": "50",
            "rules-attempts_allowed": "3",
            "rules-grading": grading,
        },
    )
    assert response.status_code == 303
    completed = db.session.execute(db.select(LessonCompletion.user_id)).scalars().all()
    assert completed == ([learner.id] if expected >= 50 else [])  # the last attempt's 40 % is not enough


def test_viewed_completes_on_launch(client, login, scorm_course):
    teacher, course, learner = scorm_course
    package = import_package(client, login, course, teacher)
    package.completion_rule = "viewed"
    db.session.commit()
    login(client, learner)
    token = launch(client, package.scos[0])
    assert db.session.execute(db.select(LessonCompletion)).first() is None  # a GET changes nothing
    # Its runtime page starts the attempt once the content loads (it may never call the API).
    assert 'data-start-on-load="1"' in client.get(f"/scorm/run/{token}/").get_data(as_text=True)
    assert client.post(f"/scorm/runtime/{token}/initialize").get_json()["recorded"] is True
    assert db.session.execute(db.select(LessonCompletion)).scalar_one().user_id == learner.id


def test_staff_preview_records_nothing(client, login, scorm_course):
    teacher, course, _learner = scorm_course
    package = import_package(client, login, course, teacher)
    login(client, teacher)
    token = launch(client, package.scos[0])
    assert client.get(f"/scorm/runtime/{token}/state").get_json()["recorded"] is False
    assert commit(client, token, {"cmi.core.lesson_status": "passed"}).get_json()["recorded"] is False
    assert db.session.execute(db.select(ScormAttempt)).first() is None


def test_files_are_served_per_launch_with_their_types_and_a_policy(client, login, scorm_course):
    teacher, course, learner = scorm_course
    first = import_package(
        client, login, course, teacher, extra_files={"shared/data.json": b"{}", "shared/pic.svg": b"<svg/>"}
    )
    other = import_package(client, login, course, teacher, title="Other", scos=[Sco("o", "Other", "other/page.html")])
    login(client, learner)
    token = launch(client, first.scos[0])
    runtime_page = client.get(f"/scorm/run/{token}/")
    assert runtime_page.status_code == 200
    assert "frame-ancestors http://localhost" in runtime_page.headers["Content-Security-Policy"]
    assert 'data-launch-url="/scorm/run/' in runtime_page.get_data(as_text=True)
    for path, kind in [
        ("sco1/index.html", "text/html"),
        ("shared/sco.js", "text/javascript"),
        ("shared/data.json", "application/json"),
        ("shared/pic.svg", "image/svg+xml"),
    ]:
        answer = client.get(f"/scorm/run/{token}/content/{path}")
        assert answer.status_code == 200 and answer.mimetype == kind, path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'self' http://localhost" in answer.headers["Content-Security-Policy"]
    # This launch's token reads this package only.
    assert client.get(f"/scorm/run/{token}/content/other/page.html").status_code == 404
    assert client.get(f"/scorm/run/{token}/content/../../lms.sqlite3").status_code == 404
    other_token = launch(client, other.scos[0])
    assert client.get(f"/scorm/run/{other_token}/content/other/page.html").status_code == 200
    assert client.get("/scorm/run/not-a-token/content/sco1/index.html").status_code == 401


def test_with_a_content_origin_the_content_answers_only_there(app, client, played):
    _package, sco, _learner, _course = played
    app.config["SCORM_CONTENT_ORIGIN"] = "http://content.localhost"
    page = client.get(f"/scorm/scos/{sco.id}").get_data(as_text=True)
    frame = re.search(r'id="scorm-frame" src="([^"]+)"', page).group(1)
    assert frame.startswith("http://content.localhost/scorm/run/")
    path = frame.removeprefix("http://content.localhost")
    assert client.get(path).status_code == 404  # not next to the site's cookies
    assert client.get(path, base_url="http://content.localhost").status_code == 200
    # Nothing of the site answers on the content origin: no log-in page a package could
    # send the learner to (a session on its own origin), no API, no pages.
    for other in ("/login", "/", "/dashboard", "/api/v1/courses", f"/scorm/scos/{sco.id}"):
        assert client.get(other, base_url="http://content.localhost").status_code == 404, other
    assert client.get("/scorm/static/runtime.js", base_url="http://content.localhost").status_code == 200
    assert client.get("/login").status_code == 200  # the site itself is untouched


def test_a_scos_score_is_a_column_of_the_course_gradebook(client, login, played):
    """Through the core's gradebook hook (lms_gradebook_items), by the package's rule."""
    _package, sco, learner, course = played
    token = launch(client, sco)
    commit(client, token, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}, seq=1, terminate=True)
    from lms_core.testing import get_plugin_manager

    [item] = [
        i
        for items in get_plugin_manager().pm.hook.lms_gradebook_items(course=course, user_ids=[learner.id])
        for i in items
    ]
    assert (item.key, item.max_points, item.scores) == (f"scorm:sco:{sco.id}", 100.0, {learner.id: 85.0})
    assert (
        get_plugin_manager().pm.hook.lms_gradebook_items(course=course, user_ids=[learner.id + 999])[0][0].scores == {}
    )


def test_the_gradebook_filters_follow_a_scos_score(app, client, login, played, scorm_course):
    """A commit that changes the score marks the learner's gradebook summary stale in its
    own transaction: the teacher's "missing" and "failing" filters follow at once."""
    _package, sco, learner, course = played
    teacher = scorm_course[0]
    staff = app.test_client()
    login(staff, teacher)

    def kept(show):
        page = staff.get(f"/teach/courses/{course.id}/gradebook?show={show}").get_data(as_text=True)
        return [int(n) for n in re.findall(r'<tr data-user="(\d+)"', page)]

    assert kept("missing") == [learner.id] and kept("failing") == [learner.id]
    token = launch(client, sco)
    commit(client, token, {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "30"}, seq=1)
    assert kept("missing") == [] and kept("failing") == [learner.id]
    commit(client, token, {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}, seq=2, terminate=True)
    assert kept("failing") == []


def test_opening_the_player_stores_nothing_until_the_sco_initializes(client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    launch(client, sco)
    assert "Attempt 1" in client.get(f"/scorm/scos/{sco.id}").get_data(as_text=True)
    state = client.get(f"/scorm/runtime/{token}/state").get_json()
    assert state["recorded"] is True and state["data"]["cmi.core.lesson_mode"] == "normal"
    assert db.session.execute(db.select(ScormAttempt)).first() is None
    assert client.post(f"/scorm/runtime/{token}/initialize").status_code == 200
    assert client.post(f"/scorm/runtime/{token}/initialize").status_code == 200  # once only
    attempt = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert (attempt.number, attempt.commits) == (1, 0)
    # The next GET continues that attempt; a commit of the first launch lands in it.
    again = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "p1"}, seq=1).status_code == 200
    assert commit(client, again, {"cmi.core.lesson_location": "p2"}, seq=1).status_code == 200
    db.session.expire_all()
    assert db.session.execute(db.select(ScormAttempt)).scalar_one().data["cmi.core.lesson_location"] == "p2"


def test_commits_to_an_attempt_that_is_over_are_refused(client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    done = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}
    assert commit(client, token, done, seq=1, terminate=True).status_code == 200
    assert commit(client, token, done, seq=1, terminate=True).status_code == 200  # a retried request: ignored
    for later in (
        commit(client, token, {"cmi.core.lesson_status": "failed"}, seq=2),
        client.post(f"/scorm/runtime/{token}/initialize"),
    ):
        assert later.status_code == 409
        assert later.get_json()["error"]["code"] == "attempt_finished"
    attempt = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert (attempt.completion_status, attempt.commits) == ("passed", 1)
    # Opening the player again starts attempt 2 (when the SCO initializes).
    fresh = launch(client, sco)
    assert commit(client, fresh, {"cmi.core.lesson_status": "incomplete"}, seq=1).status_code == 200
    assert [a.number for a in runtime.attempts_of(attempt.user_id, sco.id)] == [1, 2]


def test_a_suspended_attempt_takes_commits_again_from_its_next_launch_only(client, played):
    _package, sco, _learner, _course = played
    token = launch(client, sco)
    suspend = {"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend"}
    assert commit(client, token, suspend, seq=1, terminate=True).status_code == 200
    assert commit(client, token, {"cmi.core.lesson_location": "x"}, seq=2).status_code == 409  # after its Terminate
    resumed = launch(client, sco)
    assert commit(client, resumed, {"cmi.core.lesson_location": "y"}, seq=1).status_code == 200
    assert db.session.execute(db.select(db.func.count()).select_from(ScormAttempt)).scalar() == 1


@pytest.mark.parametrize("change", ["hold", "withdraw"])
def test_a_learner_no_longer_enrolled_cannot_commit_with_a_live_token(client, played, change):
    from lms_core.services import enrolment

    _package, sco, learner, course = played
    token = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "a"}, seq=1).status_code == 200
    fresh = launch(client, sco)
    enrollment = db.session.execute(db.select(Enrollment).where(Enrollment.user_id == learner.id)).scalar_one()
    enrolment.hold(enrollment.id, "refund") if change == "hold" else enrolment.withdraw(enrollment.id)
    for answer in (
        commit(client, token, {"cmi.core.lesson_location": "b"}, seq=2),
        client.post(f"/scorm/runtime/{fresh}/initialize"),
    ):
        assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "not_enrolled"
    db.session.expire_all()
    attempts = db.session.execute(db.select(ScormAttempt)).scalars().all()
    assert [a.data.get("cmi.core.lesson_location") for a in attempts] == ["a"]


def run_at_once(app, calls, prepare=None):
    """Each call in its own thread (its own test client, session and connection), all
    released together by a barrier once ``prepare(client)`` has run; returns their results."""
    import threading

    barrier, results, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def work(index, call):
        with app.app_context():
            try:
                other = app.test_client()
                if prepare is not None:
                    prepare(other)
                barrier.wait(timeout=10)
                results[index] = call(other)
            except Exception as error:  # reported by the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n, c)) for n, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)
    return results


def test_two_first_commits_at_once_make_one_attempt(app, client, played):
    """Two tabs opened together, both SCOs committing first at the same moment."""
    _package, sco, learner, _course = played
    tokens = [launch(client, sco) for _ in range(4)]

    def first_commit(token):
        return lambda other: commit(other, token, {"cmi.core.lesson_location": "x"}, seq=1).status_code

    def initialize(token):
        return lambda other: other.post(f"/scorm/runtime/{token}/initialize").status_code

    answers = run_at_once(app, [(first_commit if n % 2 else initialize)(t) for n, t in enumerate(tokens)])
    assert answers == [200, 200, 200, 200]
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert (attempt.number, attempt.commits) == (1, 2)


def test_two_new_attempt_requests_at_once_start_one(app, client, login, played):
    _package, sco, learner, _course = played
    token = launch(client, sco)
    commit(client, token, {"cmi.core.lesson_status": "completed"}, seq=1)

    def new_attempt(other):
        return other.post(f"/scorm/scos/{sco.id}", data={"after": "1"}).status_code

    assert run_at_once(app, [new_attempt, new_attempt], prepare=lambda other: login(other, learner)) == [303, 303]
    db.session.expire_all()
    assert [a.number for a in runtime.attempts_of(learner.id, sco.id)] == [1, 2]
    # The same form sent again later (a double click, a reload) starts nothing more.
    assert client.post(f"/scorm/scos/{sco.id}", data={"after": "1"}).status_code == 303
    assert len(runtime.attempts_of(learner.id, sco.id)) == 2


@pytest.mark.parametrize("after", ["5", str(2**31), "9" * 5000, "x", None])
def test_a_new_attempt_follows_the_highest_whatever_the_form_says(client, played, after):
    """``after`` is the learner's own form field: above their highest attempt, not a
    number, or missing, the new attempt is still the next one; attempts left count
    attempt numbers, the rule that refuses them."""
    package, sco, learner, _course = played
    package.attempts_allowed = 3
    db.session.commit()
    token = launch(client, sco)
    commit(client, token, {"cmi.core.lesson_status": "completed"}, seq=1)
    response = client.post(f"/scorm/scos/{sco.id}", data={} if after is None else {"after": after})
    assert response.status_code == 303
    db.session.expire_all()
    assert [a.number for a in runtime.attempts_of(learner.id, sco.id)] == [1, 2]
    assert runtime.attempts_left(learner.id, sco) == 1
    # An earlier attempt's form (another tab, a reload) gives the attempt after it.
    assert runtime.start_new_attempt(learner, sco, 0).number == 1
    assert runtime.start_new_attempt(learner, sco, -7).number == 1
    assert len(runtime.attempts_of(learner.id, sco.id)) == 2


def test_the_report_is_paginated_and_its_statements_do_not_grow_with_learners(
    client, login, factory, played, monkeypatch
):
    from lms_core.testing import count_sql
    from lms_scorm_xapi.scorm import reports

    package, sco, learner, course = played
    teacher = db.session.get(type(learner), package.created_by)

    def play_as(user):
        login(client, user)
        commit(client, launch(client, sco), {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "70"}, seq=1)

    def report_statements(url):
        login(client, teacher)
        with count_sql(db.engine) as sql:
            assert client.get(url).status_code == 200
        return sql.count, sql.statements

    play_as(learner)
    few, first_statements = report_statements(f"/scorm/packages/{package.id}")
    for n in range(4):
        other = factory.user(name=f"Zed {n}")
        factory.enrol(other, course)
        play_as(other)
    count, statements = report_statements(f"/scorm/packages/{package.id}")
    assert count == few, (first_statements, statements)
    page = reports.package_report(package, page=2, per_page=2)
    assert (page.pages, page.learners, [r.user.name for r in page.rows]) == (3, 5, ["Zed 1", "Zed 2"])
    monkeypatch.setattr(reports, "PER_PAGE", 2)
    login(client, teacher)
    body = client.get(f"/scorm/packages/{package.id}?page=3").get_data(as_text=True)
    assert "Zed 3" in body and "Lena Learner" not in body and "Page 3 of 3" in body


def test_a_commit_that_only_saves_progress_is_two_statements(app, client, played):
    """The hottest path of the plugin (bench/scorm.py): the token's one SELECT (SCO,
    package, version, attempt, enrolment) and the attempt's UPDATE."""
    from lms_core.testing import count_sql

    _package, sco, _learner, _course = played
    token = launch(client, sco)
    fresh = app.test_client()
    body = {"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend", "cmi.suspend_data": "x" * 2000}
    assert commit(fresh, token, body, seq=1).status_code == 200
    for seq in (2, 3):
        body["cmi.core.lesson_location"] = f"page-{seq}"
        db.session.remove()
        with count_sql(db.engine) as sql:
            assert commit(fresh, token, body, seq=seq, content_type="text/plain").status_code == 200
        assert sql.count == 2, sql.statements


def test_a_first_commit_starts_its_attempt_and_records_its_statement_in_seven_statements(app, client, played):
    """The burst when a class opens a SCO together (bench/scorm.py's first second): the
    launch's SELECT (the course's title with it), one INSERT of the attempt that does
    nothing if another tab made it first (no savepoint), its UPDATE, the LRS settings,
    the xAPI statement and its sending slot, the gradebook's mark."""
    from lms_core.testing import count_sql
    from lms_scorm_xapi.xapi.models import Statement

    _package, sco, _learner, course = played
    token = launch(client, sco)
    fresh = app.test_client()
    db.session.remove()
    with count_sql(db.engine) as sql:
        assert (
            commit(
                fresh, token, {"cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "10"}, seq=1
            ).status_code
            == 200
        )
    text = "\n".join(str(s) for s in sql.statements)
    assert "SAVEPOINT" not in text and "FROM courses \nWHERE" not in text, text
    assert sql.count == 7, text
    [statement] = db.session.execute(db.select(Statement).where(Statement.object_kind == "sco")).scalars().all()
    assert statement.verb == "attempted" and course.title in json.dumps(statement.body)


def test_a_commit_read_before_another_tab_finished_the_attempt_does_not_reopen_it(app, client, played):
    """Two tabs on one attempt: tab B reads the attempt, tab A completes and terminates
    it, then B's write comes. B's write finds the row changed since its read, reads it
    again and is then judged on it: the attempt is over, so B is refused, and A's status
    and score stay (B's stale copy of them is never written back)."""
    _package, sco, learner, _course = played
    tab_a = launch(client, sco)
    assert (
        commit(client, tab_a, {"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend"}, seq=1).status_code
        == 200
    )
    tab_b = launch(client, sco)  # the suspended attempt, continued in another tab
    with app.test_request_context(), runtime.commit_connection() as connection:
        stale = runtime.read_commit(tab_b, connection)
        finished = {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "80", "cmi.core.exit": ""}
        assert commit(client, tab_a, finished, seq=2, terminate=True).status_code == 200
        with pytest.raises(ServiceError) as refused:
            runtime.commit(stale, {"cmi.core.lesson_location": "page-9"}, connection, seq=1)
        assert refused.value.code == "attempt_finished"
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert (attempt.finished, attempt.completion_status, attempt.score_percent) == (True, "completed", 80.0)
    assert attempt.commits == 2
    assert "cmi.core.lesson_location" not in attempt.data


def test_a_progress_commit_read_before_another_tabs_score_keeps_it_and_merges(app, client, played):
    """Tab B reads, tab A reports "passed" with a score (which marks the gradebook),
    then B's progress-only commit lands: on A's row, B's elements merged into A's, the
    status and score from the merged data, the gradebook's mark not undone."""
    from lms_core.models import GradebookSummary

    _package, sco, learner, course = played
    tab_a = launch(client, sco)
    assert commit(client, tab_a, {"cmi.core.lesson_status": "incomplete"}, seq=1).status_code == 200
    tab_b = launch(client, sco)
    with app.test_request_context(), runtime.commit_connection() as connection:
        stale = runtime.read_commit(tab_b, connection)
        passed = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "80", "cmi.suspend_data": "from-a"}
        assert commit(client, tab_a, passed, seq=2).status_code == 200
        progress = {"cmi.core.lesson_location": "page-9", "cmi.suspend_data": "from-b"}
        assert runtime.commit(stale, progress, connection, seq=1) is True
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert (attempt.completion_status, attempt.success_status, attempt.score_percent) == ("passed", "passed", 80.0)
    assert (attempt.data["cmi.core.lesson_location"], attempt.data["cmi.suspend_data"]) == ("page-9", "from-b")
    assert attempt.data["cmi.core.score.raw"] == "80" and attempt.commits == 3
    summary = db.session.execute(
        db.select(GradebookSummary).where(
            GradebookSummary.course_id == course.id, GradebookSummary.user_id == learner.id
        )
    ).scalar_one()
    assert summary.stale is True


def test_a_dropped_older_commit_has_no_side_effects(app, client, played):
    """The launch's older commit (seq 2, reporting "failed" with 10) read before the
    newer (seq 3) landed: dropped whole, its xAPI "failed" statement and the gradebook's
    mark with it (the newer one already marked the gradebook: the mark is read after)."""
    from lms_core.models import GradebookSummary
    from lms_scorm_xapi.xapi.models import Statement as XapiStatement

    _package, sco, learner, course = played
    token = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "page-1"}, seq=1).status_code == 200
    with app.test_request_context(), runtime.commit_connection() as connection:
        older = runtime.read_commit(token, connection)
        assert commit(client, token, {"cmi.core.lesson_location": "page-3"}, seq=3).status_code == 200
        table = GradebookSummary.__table__
        db.session.execute(table.update().values(stale=False))
        db.session.commit()
        statements = db.session.execute(db.select(db.func.count(XapiStatement.id))).scalar()
        dropped = {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "10"}
        assert runtime.commit(older, dropped, connection, seq=2) is True
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert (attempt.data["cmi.core.lesson_location"], attempt.completion_status, attempt.score_percent) == (
        "page-3",
        "not attempted",
        None,
    )
    assert db.session.execute(db.select(db.func.count(XapiStatement.id))).scalar() == statements
    assert not db.session.execute(
        db.select(GradebookSummary.user_id).where(GradebookSummary.course_id == course.id, GradebookSummary.stale)
    ).first()


def test_a_commit_holds_one_pool_connection_at_a_time(app, client, played):
    """A first commit, one that changes the status and a progress-only one: each uses
    one connection of the pool at a time (threads of a small pool never wait on each
    other holding one)."""
    from sqlalchemy import event

    _package, sco, _learner, _course = played
    token = launch(client, sco)
    fresh = app.test_client()
    pool = db.engine.pool
    out, most = [0], [0]

    def checkout(*_args):
        out[0] += 1
        most[0] = max(most[0], out[0])

    def checkin(*_args):
        out[0] -= 1

    for seq, body in enumerate(
        ({"cmi.core.lesson_location": "a"}, {"cmi.core.lesson_status": "passed"}, {"cmi.core.lesson_location": "b"}),
        start=1,
    ):
        db.session.remove()
        out[0] = most[0] = 0
        event.listen(pool, "checkout", checkout)
        event.listen(pool, "checkin", checkin)
        try:
            assert commit(fresh, token, body, seq=seq).status_code == 200
        finally:
            event.remove(pool, "checkout", checkout)
            event.remove(pool, "checkin", checkin)
        assert most[0] == 1, (seq, most[0])


@pytest.mark.parametrize("seq", [str(2**31), "99999999999", "-1", "x", "", "1.5", "٣"])
def test_a_commit_with_a_sequence_number_out_of_range_is_refused(client, played, seq):
    _package, sco, learner, _course = played
    token = launch(client, sco)
    response = client.post(
        f"/scorm/runtime/{token}/commit?seq={seq}", data=json.dumps({"cmi.core.lesson_location": "a"})
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_commit"
    assert runtime.attempts_of(learner.id, sco.id) == []
    assert commit(client, token, {"cmi.core.lesson_location": "a"}, seq=2**31 - 1).status_code == 200
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert attempt.launch_seq == 2**31 - 1


def test_an_older_commit_of_a_launch_never_lands_over_a_newer_one(app, client, played):
    """The runtime sends Commit and then Terminate without waiting: when both read the
    attempt before either writes, the older one (seq 2) must not undo the newer (seq 3)."""
    _package, sco, learner, _course = played
    token = launch(client, sco)
    assert commit(client, token, {"cmi.core.lesson_location": "page-1"}, seq=1).status_code == 200
    with app.test_request_context(), runtime.commit_connection() as connection:
        older = runtime.read_commit(token, connection)
        newer = {"cmi.core.lesson_location": "page-3", "cmi.core.lesson_status": "passed", "cmi.core.exit": ""}
        assert commit(client, token, newer, seq=3, terminate=True).status_code == 200
        runtime.commit(
            older, {"cmi.core.lesson_location": "page-2", "cmi.core.lesson_status": "incomplete"}, connection, seq=2
        )
    db.session.expire_all()
    [attempt] = runtime.attempts_of(learner.id, sco.id)
    assert (attempt.data["cmi.core.lesson_location"], attempt.completion_status) == ("page-3", "passed")
    assert (attempt.finished, attempt.launch_seq, attempt.commits) == (True, 3, 2)
