"""A completed course gives exactly one certificate, however the events arrive, and
what goes wrong on the way is repaired."""

import hashlib
import threading

from lms_core import db
from lms_core.models import Notification
from lms_core.payloads import CourseInfo, EnrollmentInfo, UserInfo
from lms_core.testing import set_plugin_enabled
from lms_certificates import designs, issuing, jobs, numbers, storage
from lms_certificates.models import CertificateNumber


def notifications_of(user_id):
    return (
        db.session.execute(
            db.select(Notification).where(Notification.user_id == user_id, Notification.kind == "certificates.issued")
        )
        .scalars()
        .all()
    )


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def complete_while_the_plugin_is_off(graduation, course):
    set_plugin_enabled("certificates", False)
    student, enrollment = graduation.complete(course)
    set_plugin_enabled("certificates", True)
    assert graduation.certificates() == []
    return student, enrollment


def test_a_student_who_completes_a_course_is_notified_and_downloads_the_certificate(client, graduation, login):
    course = graduation.course(title="Astronomy")
    student, enrollment = graduation.complete(course, name="Anna Kuznetsova")

    [certificate] = graduation.certificates(student.id)
    assert (certificate.enrollment_id, certificate.learner_name, certificate.course_title, certificate.status) == (
        enrollment.id,
        "Anna Kuznetsova",
        "Astronomy",
        "valid",
    )
    assert numbers.parse(certificate.number).check_ok
    stored = (storage.root() / certificate.pdf_path).read_bytes()
    assert stored.startswith(b"%PDF-") and hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    [notification] = notifications_of(student.id)
    assert "Astronomy" in notification.title and notification.url == f"/certificates/{certificate.id}"

    login(client, student)
    download = f"/certificates/{certificate.id}.pdf"
    assert download in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert download in client.get("/dashboard").get_data(as_text=True)
    assert certificate.number in client.get(notification.url).get_data(as_text=True)
    response = client.get(download)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == stored


def test_replaying_the_event_or_retrying_the_job_issues_no_second_certificate(app, graduation, run_jobs):
    course = graduation.course()
    student, enrollment = graduation.complete(course)
    [first] = graduation.certificates()

    app.extensions["lms_plugins"].call_each(
        "on_course_completed",
        user=UserInfo.of(student),
        course=CourseInfo.of(course),
        enrollment=EnrollmentInfo.of(enrollment),
    )
    run_jobs()
    jobs.issue_job(enrollment.id)

    [again] = graduation.certificates()
    assert (again.id, again.number, again.pdf_sha256) == (first.id, first.number, first.pdf_sha256)
    assert count(CertificateNumber) == 1
    assert len(notifications_of(student.id)) == 1


def test_two_workers_issuing_the_same_completion_at_once_leave_one_certificate(app, graduation):
    course = graduation.course()
    student, enrollment = complete_while_the_plugin_is_off(graduation, course)
    workers, start, failures = 4, threading.Barrier(4), []

    def worker():
        with app.app_context():
            try:
                start.wait(timeout=10)
                jobs.issue_job(enrollment.id)
            except Exception as exc:  # reported below, with the worker's error
                failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    [certificate] = graduation.certificates()
    assert count(CertificateNumber) == 1
    assert len(notifications_of(student.id)) == 1
    pdfs = list((storage.root() / str(course.id)).glob("*.pdf"))
    assert [p.name for p in pdfs] == [certificate.pdf_path.split("/")[-1]]
    assert list((storage.root() / storage.TMP_FOLDER).glob("*.part")) == []


def test_a_completion_whose_event_could_not_be_handled_is_issued_when_the_event_log_redelivers_it(
    app, graduation, run_jobs, monkeypatch
):
    from datetime import timedelta

    from lms_core.testing import redeliver_due
    from lms_core.models import utcnow

    course = graduation.course()

    def queue_is_down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr("lms_core.enqueue", queue_is_down)  # what the hook calls
    student, enrollment = graduation.complete(course)
    monkeypatch.undo()
    assert graduation.certificates() == []

    assert redeliver_due(now=utcnow() + timedelta(seconds=15))["delivered"] == 1
    run_jobs()

    [certificate] = graduation.certificates(student.id)
    assert certificate.enrollment_id == enrollment.id and certificate.pdf_path
    assert len(notifications_of(student.id)) == 1
    assert jobs.repair_sweep() == {"rendered": 0, "notified": 0, "failed": 0}


def test_completions_while_the_plugin_was_off_get_certificates_when_the_admin_replays_them(app, graduation, run_jobs):
    from datetime import timedelta

    from lms_core.models import utcnow
    from lms_core.testing import lms_command as main

    since = (utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    course = graduation.course()
    student, enrollment = complete_while_the_plugin_is_off(graduation, course)

    result = app.test_cli_runner().invoke(main, ["events", "replay", "--plugin", "certificates", "--since", since])
    run_jobs()

    assert result.exit_code == 0, result.output
    [certificate] = graduation.certificates(student.id)
    assert certificate.enrollment_id == enrollment.id
    assert len(notifications_of(student.id)) == 1


def test_a_certificate_whose_pdf_was_never_drawn_is_drawn_and_announced_by_the_sweep(graduation):
    course = graduation.course()
    student, enrollment = complete_while_the_plugin_is_off(graduation, course)
    issuing.issue(enrollment.id)  # the job's first step, then the worker died
    [certificate] = graduation.certificates()
    assert certificate.pdf_path is None and notifications_of(student.id) == []

    assert jobs.repair_sweep() == {"rendered": 1, "notified": 0, "failed": 0}

    [certificate] = graduation.certificates()
    assert storage.read_verified(certificate.pdf_path, certificate.pdf_sha256) is not None
    assert len(notifications_of(student.id)) == 1


def test_an_altered_or_lost_pdf_is_drawn_again_before_it_is_served(client, graduation, login):
    course = graduation.course()
    student, _enrollment = graduation.complete(course)
    [certificate] = graduation.certificates()
    path = storage.root() / certificate.pdf_path
    original = path.read_bytes()
    login(client, student)

    path.write_bytes(original.replace(certificate.number.encode(), b"LMS-0000-0000-00"))
    assert client.get(f"/certificates/{certificate.id}.pdf").data == original

    path.unlink()
    response = client.get(f"/certificates/{certificate.id}.pdf")
    [certificate] = graduation.certificates()
    stored = (storage.root() / certificate.pdf_path).read_bytes()
    assert response.data == stored and hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256


def test_a_course_with_a_validity_period_issues_certificates_that_expire(graduation):
    course = graduation.course()
    designs.save(course.id, dict(designs.DEFAULTS, validity_months="24", heading={}, wording={}), {}, set())
    _student, enrollment = graduation.complete(course)

    [certificate] = graduation.certificates()
    completed = enrollment.completed_at
    assert certificate.expires_at.date() == completed.replace(year=completed.year + 2).date()


def test_a_course_whose_teacher_switched_certificates_off_issues_none(graduation):
    course = graduation.course()
    designs.save(course.id, dict(designs.DEFAULTS, enabled=False, heading={}, wording={}), {}, set())

    graduation.complete(course)

    assert graduation.certificates() == []


def test_titles_follow_the_learners_language_with_the_courses_fallback(graduation, client, login):
    from lms_core import set_translation
    from lms_core.testing import inbox_read_in

    translated, untranslated = graduation.course(title="Astronomy"), graduation.course(title="Geology")
    set_translation(translated, translated, "title", "ru", "Астрономия")
    db.session.commit()
    student, _enrollment = graduation.complete(translated, locale="ru")
    graduation.complete(untranslated, student=student)
    issued = {c.course_id: c for c in graduation.certificates(student.id)}
    # the documents: in the learner's language, the course's own title where it has no Russian one
    assert issued[translated.id].language == issued[untranslated.id].language == "ru"
    assert issued[translated.id].course_title == "Астрономия" and issued[untranslated.id].course_title == "Geology"
    assert notifications_of(student.id)[0].title == "Ваш сертификат по курсу «Астрономия» готов"

    shown = inbox_read_in(client, student, "en")  # the learner switches to English: the pages follow
    assert shown["certificates.issued"][0].startswith("Your certificate for “")
    # the course named as the English reader reads it (the certificate states it in Russian)
    titles = {item["title"] for item in client.get("/api/v1/notifications?per_page=100").get_json()["items"]}
    assert "Your certificate for “Astronomy” is ready" in titles
    page = client.get("/certificates/").get_data(as_text=True)
    assert "Astronomy" in page and "Астрономия" not in page and "Geology" in page
    show = client.get(f"/certificates/{issued[translated.id].id}").get_data(as_text=True)
    assert "Astronomy" in show


def test_the_course_page_says_where_the_learners_certificate_stands(client, graduation, login, factory):
    """Nothing before completion; the certificate with its number once issued, "revoked"
    once revoked, "being prepared" while a completion has none yet; the course's staff
    see the links to its certificates and design. The fragment reads all it shows of the
    learner in one statement."""
    import re

    from lms_core.testing import count_sql

    from lms_certificates import fragments

    teacher = factory.user(role="teacher")
    course = graduation.course(title="Astronomy", teacher=teacher)
    page = f"/courses/{course.slug}"

    def fragment(user):
        login(client, user)
        html = client.get(page).get_data(as_text=True)
        found = re.search(
            r'<section class="card certificate-fragment" id="course-certificate">.*?</section>', html, re.S
        )
        return found.group(0) if found else None

    learner = factory.user()
    factory.enrol(learner, course)
    assert fragment(learner) is None

    student, _enrollment = graduation.complete(course)
    [certificate] = graduation.certificates(student.id)
    issued = fragment(student)
    assert certificate.number in issued and f"/certificates/{certificate.id}.pdf" in issued

    issuing.revoke(certificate, teacher, "issued by mistake")
    revoked = fragment(student)
    assert "was revoked" in revoked and ".pdf" not in revoked

    db.session.delete(graduation.certificates(student.id)[0])  # as before the issuing job has run
    db.session.commit()
    assert 'id="certificate-pending"' in fragment(student)

    staff = fragment(teacher)
    assert f"/certificates/courses/{course.id}" in staff and "Your certificate" not in staff

    with client.application.test_request_context(page):
        learner_info, course_info = UserInfo.of(student), CourseInfo.of(course)
        with count_sql(db.engine) as sql:
            fragments.course_page(learner_info, course_info)
    assert sql.count == 1, sql.statements
