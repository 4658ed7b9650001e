"""The catalogue (issue 11): a search in the reader's language, a content language
filter, pages, course pictures and the teachers' names on each card."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from lms_core.extensions import db
from lms_core.models import CourseImage
from lms_core.services import ServiceError, courses
from lms_core.testing import count_sql


def picture(kind="PNG", size=(1600, 1200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 80, 40, 255) if mode == "RGBA" else (200, 80, 40)).save(out, kind)
    return out.getvalue()


def cards(html: str) -> list[str]:
    """The course titles on a catalogue page, in order."""
    return re.findall(r'<h2><a href="/courses/[^"]+">([^<]+)</a></h2>', html)


def test_a_search_finds_courses_by_title_or_summary_in_the_readers_language(client, factory):
    rocks = factory.course(title="Rocks and minerals", summary="Granite, basalt and quartz.")
    factory.course(title="Birds", summary="Feathers.")
    factory.translate(rocks, rocks, "title", "ru", "Камни и минералы")
    factory.translate(rocks, rocks, "summary", "ru", "Гранит, базальт и кварц.")
    courses.course_changed()

    assert cards(client.get("/?q=QUARTZ").get_data(as_text=True)) == ["Rocks and minerals"]
    assert cards(client.get("/?q=granite+rocks").get_data(as_text=True)) == ["Rocks and minerals"]  # every word
    assert cards(client.get("/?q=granite+feathers").get_data(as_text=True)) == []

    client.post("/language", data={"language": "ru"})
    # A Russian reader searches what they read, in any case; an untranslated course
    # is found by its own words (the fallback).
    assert cards(client.get("/?q=КВАРЦ").get_data(as_text=True)) == ["Камни и минералы"]
    assert cards(client.get("/?q=feathers").get_data(as_text=True)) == ["Birds"]
    empty = client.get("/?q=quartz").get_data(as_text=True)
    assert cards(empty) == [] and "Ни один курс не подходит" in empty


def test_the_search_form_works_without_javascript_and_the_pages_keep_the_search(client, factory):
    teacher = factory.user(role="teacher")
    for n in range(courses.CATALOGUE_PAGE_SIZE + 3):
        factory.course(title=f"Geology {n:02d}", teacher=teacher)
    factory.course(title="Astronomy", teacher=teacher)

    page = client.get("/").get_data(as_text=True)
    assert '<form method="get" action="/"' in page and 'name="q"' in page
    first = client.get("/?q=geology").get_data(as_text=True)
    assert len(cards(first)) == courses.CATALOGUE_PAGE_SIZE and "Astronomy" not in first
    assert f"{courses.CATALOGUE_PAGE_SIZE + 3} courses found" in first
    assert 'href="/?q=geology&amp;page=2" rel="next"' in first
    second = client.get("/?q=geology&page=2").get_data(as_text=True)
    assert cards(second) == ["Geology 24", "Geology 25", "Geology 26"]
    assert 'value="geology"' in second
    # Nonsense in the query string is no error: the nearest page, the whole catalogue.
    assert client.get("/?page=999&q=geology").status_code == 200
    assert client.get("/?page=abc&language=xx").status_code == 200
    assert len(cards(client.get("/?q=" + "x" * 5000).get_data(as_text=True))) == 0


def test_the_language_filter_keeps_courses_with_content_in_that_language(client, factory):
    english = factory.course(title="Rocks")
    translated = factory.course(title="Stars")
    factory.lesson(translated, title="The Sun")
    factory.translate(translated, translated.lessons[0], "title", "ru", "Солнце")
    factory.course(title="Звёзды", default_language="ru")
    courses.course_changed()

    page = client.get("/").get_data(as_text=True)
    assert 'name="language"' in page and '<option value="ru"' in page
    assert sorted(cards(client.get("/?language=ru").get_data(as_text=True))) == ["Stars", "Звёзды"]
    assert sorted(cards(client.get("/?language=en").get_data(as_text=True))) == ["Rocks", "Stars"]
    assert english.title not in cards(client.get("/?language=ru&q=s").get_data(as_text=True))


def test_each_card_names_the_courses_teachers_and_a_rename_shows(client, factory):
    ada = factory.user(role="teacher", name="Ada Lovelace")
    course = factory.course(teacher=ada, title="Engines")
    grace = factory.user(role="teacher", name="Grace Hopper", email="grace@example.org")
    courses.add_staff(course, "grace@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "Teachers: Ada Lovelace, Grace Hopper" in html

    from lms_core.services import accounts

    accounts.update_profile(grace, name="Rear Admiral Hopper")
    assert "Ada Lovelace, Rear Admiral Hopper" in client.get("/").get_data(as_text=True)
    courses.remove_staff(course, grace.id)
    assert "Teacher: Ada Lovelace<" in client.get("/").get_data(as_text=True)


def test_the_catalogue_costs_the_same_statements_with_a_search_and_many_courses(client, factory, login):
    teacher = factory.user(role="teacher")
    for n in range(3):
        course = factory.course(title=f"Course {n}", teacher=teacher)
        courses.set_course_image(course, picture(size=(200, 120)))
    client.get("/")
    with count_sql(db.engine) as few:
        client.get("/?q=course&language=en")
    for n in range(9):
        factory.course(title=f"More {n}", teacher=factory.user(role="teacher"))
    client.get("/")
    with count_sql(db.engine) as many:
        client.get("/?q=course&language=en&page=1")
    assert few.count == many.count <= 2


def test_a_teacher_uploads_a_picture_that_is_shrunk_and_shown_on_the_card(app, client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Volcanoes")
    assert 'class="course-image placeholder"' in client.get("/").get_data(as_text=True)

    login(client, teacher)
    response = client.post(
        f"/teach/courses/{course.id}/image",
        data={"image": (io.BytesIO(picture("JPEG", (3000, 2000))), "holiday.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    stored = db.session.get(CourseImage, course.id)
    assert (stored.width, stored.height) == (810, 540) and stored.content_type == "image/jpeg"
    settings = client.get(f"/teach/courses/{course.id}/settings").get_data(as_text=True)
    assert "Remove the picture" in settings

    anonymous = app.test_client()
    html = anonymous.get("/").get_data(as_text=True)
    src = re.search(r'<img class="course-image" src="([^"]+)"', html).group(1)
    assert src == f"/courses/{course.slug}/image?v={stored.sha256}"
    image = anonymous.get(src)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert "immutable" in image.headers["Cache-Control"] and image.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(image.data)).size == (810, 540)
    assert anonymous.get(src, headers={"If-None-Match": f'"{stored.sha256}"'}).status_code == 304

    assert client.post(f"/teach/courses/{course.id}/image/remove").status_code == 303
    assert anonymous.get(src).status_code == 404
    assert 'class="course-image placeholder"' in anonymous.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "x.png", "must be a PNG"),
        (b"GIF89a" + b"\0" * 40, "x.gif", "must be a PNG"),
        (picture(size=(30, 30)), "tiny.png", "too small"),
        (b"\xff" * (courses.IMAGE_MAX_BYTES + 10), "big.jpg", "too large"),
        (b"", "empty.png", "Choose a picture"),
    ],
)
def test_a_file_that_is_not_a_usable_picture_is_refused_at_its_field(client, factory, login, data, name, message):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    response = client.post(
        f"/teach/courses/{course.id}/image",
        data={"image": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 413)
    assert html.count('id="image-error"') == 1 and message in html
    assert db.session.get(CourseImage, course.id) is None


def test_a_transparent_picture_stays_a_png_and_a_drafts_picture_is_private(app, client, factory, login):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, published=False)
    record = courses.set_course_image(course, picture("PNG", (400, 400), "RGBA"))
    assert record.content_type == "image/png" and (record.width, record.height) == (400, 400)
    assert app.test_client().get(f"/courses/{course.slug}/image?v={record.sha256}").status_code in (302, 403, 404)
    login(client, teacher)
    own = client.get(f"/courses/{course.slug}/image?v={record.sha256}")
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-cache"
    first_sha = record.sha256
    replaced = courses.set_course_image(course, picture(size=(200, 120)))  # the same row, rewritten
    assert replaced.sha256 != first_sha and replaced.content_type != "image/png"
    assert db.session.query(CourseImage).filter_by(course_id=course.id).count() == 1
    with pytest.raises(ServiceError) as refused:
        courses.set_course_image(course, b"not a picture")
    assert refused.value.code == "invalid_image" and "image" in refused.value.fields
