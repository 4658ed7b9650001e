"""The interface in English and Russian; course content with per-language translations."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms_core.extensions import db
from lms_core.services import courses

ROOT = Path(__file__).resolve().parents[1]


def catalogues():
    """(package folder, babel config, Russian .po) for the core and every plugin."""
    yield ROOT / "lms_core", ROOT / "babel.cfg", ROOT / "lms_core/translations/ru/LC_MESSAGES/messages.po"
    for po in sorted(ROOT.glob("plugins/*/lms_*/translations/ru/LC_MESSAGES/messages.po")) + sorted(
        ROOT.glob("examples/*/lms_*/translations/ru/LC_MESSAGES/messages.po")
    ):
        package = po.parents[3]
        config = package.parent / "babel.cfg"
        yield package, config, po


@pytest.mark.parametrize("package, config, po", list(catalogues()), ids=lambda v: getattr(v, "name", str(v)))
def test_every_interface_string_has_a_russian_translation(package, config, po, tmp_path):
    pot = tmp_path / "messages.pot"
    mapping = ["-F", str(config)] if config.exists() else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            *mapping,
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(pot),
            str(package.name),
        ],
        capture_output=True,
        cwd=package.parent,
        check=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    # A babel.cfg whose patterns match no file extracts nothing, and everything would pass.
    assert len(wanted) >= 3, f"{config} extracted {len(wanted)} strings from {package.name}: check its patterns"
    with po.open("rb") as f:
        catalogue = read_po(f)
    translated = {
        m.id for m in catalogue if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(str(w) for w in wanted - translated)
    assert not missing, f"{len(missing)} strings without Russian translation in {po}: {missing[:20]}"
    # Babel keeps one of two entries for the same text silently (gettext's msgfmt
    # refuses the file): catalogues appended to by several branches must not repeat one.
    ids = re.findall(r'^msgid "(.*)"\n(?=msgstr|msgid_plural)', po.read_text(encoding="utf-8"), re.M)
    repeated = sorted({i for i in ids if ids.count(i) > 1 and i})
    assert not repeated, f"{po} translates these twice: {repeated}"


def test_the_browser_language_is_used_until_the_user_chooses(client):
    assert 'lang="ru"' in client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    client.post("/language", data={"language": "ru", "next": "/"})
    page = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert 'lang="ru"' in page and "Каталог" in page


def test_a_logged_in_users_choice_is_kept_on_the_account(client, factory, login):
    student = factory.user()
    login(client, student)
    client.post("/language", data={"language": "ru"})
    db.session.refresh(student)
    assert student.locale == "ru"
    fresh = type(client)(client.application)
    login(fresh, student)
    assert 'lang="ru"' in fresh.get("/dashboard").get_data(as_text=True)


def test_course_content_falls_back_to_the_course_language_field_by_field(client, factory, login):
    course = factory.course(title="Astronomy", summary="Stars and planets")
    lesson = factory.lesson(course, title="The Sun", body="Our star.")
    courses.set_translation(course, course, "title", "ru", "Астрономия")
    courses.set_translation(course, lesson, "title", "ru", "Солнце")
    db.session.commit()
    client.post("/language", data={"language": "ru"})
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Астрономия" in page and "Stars and planets" in page  # summary not translated: fallback
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    login(client, student)
    page = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "Солнце" in page and "Our star." in page


def test_completion_requirements_name_lessons_and_quizzes_in_the_readers_language(client, factory, login):
    course = factory.course(title="Astronomy")
    lesson = factory.lesson(course, title="The Sun")
    quiz = factory.quiz(course, title="Moons")
    courses.set_translation(course, lesson, "title", "ru", "Солнце")
    db.session.commit()  # the quiz keeps its English title: the course's fallback
    student = factory.user(locale="ru")
    factory.enrol(student, course)
    login(client, student)
    requirements = {r["label"] for r in client.get(f"/api/v1/courses/{course.id}/progress").get_json()["requirements"]}
    assert requirements == {"Прочитать урок «Солнце»", f"Сдать тест «{quiz.title}»"}
    dashboard = client.get("/dashboard").get_data(as_text=True)  # many courses at once: the same words
    assert "Прочитать урок «Солнце»" in dashboard


def test_the_editors_content_fields_say_and_carry_the_courses_language(client, factory, login):
    teacher = factory.user(role="teacher", locale="en")
    course = factory.course(teacher=teacher, title="Камни", default_language="ru")
    lesson = factory.lesson(course)
    login(client, teacher)
    page = client.get(f"/teach/lessons/{lesson.id}").get_data(as_text=True)
    assert "In Russian, the course’s language." in page
    assert re.search(r'<input[^>]*id="title"[^>]*lang="ru"|<input[^>]*lang="ru"[^>]*id="title"', page)
    assert re.search(r'<textarea[^>]*lang="ru"[^>]*id="body"|<textarea[^>]*id="body"[^>]*lang="ru"', page)


def test_the_translation_report_lists_missing_and_outdated_fields(factory):
    course = factory.course(title="Astronomy", summary="Stars")
    courses.set_translation(course, course, "title", "ru", "Астрономия")
    db.session.commit()
    report = courses.translation_report(course)["ru"]
    assert [(o.id, f) for o, f in report["missing"]] == [(course.id, "summary")]
    assert report["outdated"] == []
    course.title = "Astronomy for beginners"
    db.session.commit()
    report = courses.translation_report(course)["ru"]
    assert [(o.id, f) for o, f in report["outdated"]] == [(course.id, "title")]


def test_dates_are_formatted_for_the_locale(client, factory, login):
    student = factory.user(locale="ru")
    course = factory.course()
    factory.enrol(student, course)
    login(client, student)
    page = client.get("/dashboard").get_data(as_text=True)
    import re

    assert re.search(r"\d{1,2} [а-я]{3,}\.? \d{4}", page), "a Russian date such as '27 нояб. 2026'"


def test_numbers_dates_and_deadlines_formatted_once_follow_the_language_and_the_zone(app):
    """The filters keep what they formatted (a page of 50 learners shows the same few
    values again and again, and the next page the same ones), per language: never across
    a change of language within the request (a mail rendered in its reader's language),
    nor across time zones (a moment is turned into the reader's zone first)."""
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from flask import g, render_template_string
    from flask_babel import force_locale, refresh

    page = "{{ n|number }} {{ p|percent }} {{ d|date }} {{ d|deadline }}"
    moment = datetime(2026, 3, 5, 22, 30, tzinfo=timezone.utc)
    with app.test_request_context("/"):
        english = render_template_string(page, n=1234.5, p=50, d=moment)
        with force_locale("ru"):
            russian = render_template_string(page, n=1234.5, p=50, d=moment)
        assert english == "1,234.5 50% Mar 5, 2026 Mar 5, 2026, 10:30\u202fPM (UTC)"
        assert russian == "1\xa0234,5 50% 5 мар. 2026\u202fг. 5 мар. 2026\u202fг., 22:30 (UTC)"
        assert app.extensions["lms_formatted"]  # kept...
        assert render_template_string(page, n=1234.5, p=50, d=moment) == english  # ...and used again
        assert render_template_string("{{ n|number }} {{ d|date }}", n=2, d=moment.replace(day=6)) == "2 Mar 6, 2026"
    with app.test_request_context("/"):  # the next request, from Moscow: its own day and time
        g.user = SimpleNamespace(timezone="Europe/Moscow", locale=None)
        refresh()  # as the app does once it knows the user
        assert render_template_string("{{ d|date }} {{ d|deadline }}", d=moment) == (
            "Mar 6, 2026 Mar 6, 2026, 1:30\u202fAM (Europe/Moscow)"
        )


def test_the_templates_translations_follow_every_change_of_language_within_a_request(app):
    """``_`` and ``ngettext`` in templates find the catalogue by the locale chosen for the
    request (a lookup of its own, cheaper than Flask-Babel's); a forced locale (a mail in
    its reader's language), the language restored after it and a new choice of language
    in the same request (``refresh``) each give their own language's text."""
    import flask_babel
    from flask import render_template_string, session
    from flask_babel import force_locale, gettext

    page = (
        "{{ _('Log in') }}|{{ _('Pass mark of the course total (%%)') }}|{{ ngettext('%(num)d point', "
        "'%(num)d points', 5) }}|{{ _('Your enrolment is on hold: %(reason)s', reason='<b>') }}|"
        "{{ _('Log in', message='any name may be a variable') }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        english = render_template_string(page)
        assert (
            english == "Log in|Pass mark of the course total (%)|5 points|Your enrolment is on hold: &lt;b&gt;|Log in"
        )
        with force_locale("ru"):
            assert render_template_string(page) == (
                "Войти|Проходной балл итога курса (%)|5 баллов|Ваша запись приостановлена: &lt;b&gt;|Войти"
            )
            assert gettext("Log in") == "Войти"  # Python code asks the same catalogues
        assert render_template_string(page) == english and gettext("Log in") == "Log in"
        session["locale"] = "ru"
        flask_babel.refresh()
        assert render_template_string("{{ _('Log in') }}") == "Войти"
