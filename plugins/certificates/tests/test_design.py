"""A teacher designs the course's certificate, previews it, re-generates the PDFs
already issued and downloads them all as one ZIP."""

import hashlib
import zipfile
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader

from lms_core import db
from lms_certificates import designs, storage


def png(size=(1200, 600), color=(200, 30, 30, 255)) -> bytes:
    out = BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


def design_form(**changes):
    form = {
        "enabled": "y",
        "orientation": "landscape",
        "primary_color": "#1f3a68",
        "accent_color": "#b08d2f",
        "text_color": "#1d2430",
        "issuer_name": "",
        "signatory_name": "",
        "signatory_title": "",
        "validity_months": "",
        "heading_en": "",
        "heading_ru": "",
        "wording_en": "",
        "wording_ru": "",
        "action": "save",
    }
    form.update(changes)
    return form


def pdf_text(data: bytes) -> str:
    return PdfReader(BytesIO(data)).pages[0].extract_text()


@pytest.fixture
def teacher(factory):
    return factory.user(role="teacher", name="Tom Teacher")


@pytest.fixture
def course(graduation, teacher):
    return graduation.course(title="Astronomy", teacher=teacher)


def test_a_teacher_saves_a_design_and_previews_it(client, login, teacher, course):
    login(client, teacher)
    editor = client.get(f"/certificates/courses/{course.id}/template")
    assert editor.status_code == 200
    html = editor.get_data(as_text=True)
    # each language's field says what an empty field prints in that language, and is marked as that language
    assert "Empty: “Certificate of completion”." in html and "Empty: “Сертификат об окончании курса”." in html
    assert 'id="heading_ru" lang="ru"' in html or ('name="heading_ru"' in html and 'lang="ru"' in html)
    response = client.post(
        f"/certificates/courses/{course.id}/template",
        data=design_form(
            orientation="portrait",
            primary_color="#004400",
            heading_en="Diploma of the Night Sky",
            heading_ru="Диплом ночного неба",
            signatory_name="Dr. Vera Rubin",
            signatory_title="Director",
            validity_months="24",
            logo=(BytesIO(png()), "logo.png"),
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303

    template = designs.template_of(course.id)
    assert (template.orientation, template.primary_color, template.validity_months, template.version) == (
        "portrait",
        "#004400",
        24,
        1,
    )
    assert template.heading == {"en": "Diploma of the Night Sky", "ru": "Диплом ночного неба"}
    logo = Image.open(BytesIO(template.image("logo").data))
    assert logo.format == "PNG" and logo.size == (800, 400)

    preview = client.get(f"/certificates/courses/{course.id}/template/preview.pdf?language=ru")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    page = PdfReader(BytesIO(preview.data)).pages[0]
    assert float(page.mediabox.height) > float(page.mediabox.width)
    text = page.extract_text()
    assert "ДИПЛОМ НОЧНОГО НЕБА" in text and "Dr. Vera Rubin" in text and "ОБРАЗЕЦ" in text


def test_the_preview_of_unsaved_changes_saves_nothing(client, login, teacher, course):
    login(client, teacher)
    response = client.post(
        f"/certificates/courses/{course.id}/template",
        data=design_form(action="preview", wording_en="has mastered the stars"),
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "has mastered the stars" in pdf_text(response.data)
    assert designs.template_of(course.id) is None


def test_wrong_values_are_explained_and_nothing_is_stored(client, login, teacher, course):
    login(client, teacher)
    response = client.post(
        f"/certificates/courses/{course.id}/template",
        data=design_form(
            primary_color="red", validity_months="0", signature=(BytesIO(b"<svg>not a picture</svg>"), "sign.png")
        ),
        content_type="multipart/form-data",
        headers={"Accept-Language": "ru"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Укажите цвет в виде #rrggbb" in html and "Укажите число месяцев от 1 до 600" in html
    assert designs.template_of(course.id) is None

    response = client.post(
        f"/certificates/courses/{course.id}/template",
        data=design_form(signature=(BytesIO(b"<svg>not a picture</svg>"), "sign.png")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Upload a PNG or JPEG image." in response.get_data(as_text=True)
    assert designs.template_of(course.id) is None


def test_re_generating_gives_every_certificate_the_new_design_with_progress(
    client, login, run_jobs, teacher, course, graduation
):
    for name in ("Anna", "Boris", "Chen"):
        graduation.complete(course, name=name)
    before = {c.id: c.pdf_sha256 for c in graduation.certificates()}
    login(client, teacher)
    client.post(f"/certificates/courses/{course.id}/template", data=design_form(wording_en="has charted the sky"))

    assert client.post(f"/certificates/courses/{course.id}/regenerate").status_code == 303
    run_jobs()

    certificates = graduation.certificates()
    assert all(c.pdf_sha256 != before[c.id] and c.template_version == 1 for c in certificates)
    assert all("has charted the sky" in pdf_text(storage.read_verified(c.pdf_path, c.pdf_sha256)) for c in certificates)
    page = client.get(f"/certificates/courses/{course.id}").get_data(as_text=True)
    batch_url = page.split('data-url="')[1].split('"')[0]
    assert client.get(batch_url).get_json() == {
        "id": certificates[0].batch_id,
        "total": 3,
        "done": 3,
        "failed": 0,
        "percent": 100,
        "finished": True,
    }


def test_the_teacher_downloads_every_valid_certificate_as_one_zip(client, login, teacher, course, graduation, factory):
    from lms_certificates import issuing

    for name in ("Anna", "Boris", "Chen"):
        graduation.complete(course, name=name)
    anna, boris, chen = graduation.certificates()
    issuing.revoke(boris, factory.user(role="admin"), "Duplicate account")
    login(client, teacher)

    response = client.get(f"/certificates/courses/{course.id}/certificates.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(BytesIO(response.data))
    assert sorted(archive.namelist()) == [f"Anna {anna.number}.pdf", f"Chen {chen.number}.pdf"]
    for certificate in (anna, chen):
        data = archive.read(f"{certificate.learner_name} {certificate.number}.pdf")
        db.session.refresh(certificate)
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256


def test_a_regeneration_whose_jobs_all_died_is_closed_by_the_sweep(client, login, teacher, course):
    from datetime import timedelta

    from lms_core.models import utcnow
    from lms_certificates import jobs
    from lms_certificates.models import RegenerationBatch

    batch = RegenerationBatch(course_id=course.id, total=5, created_at=utcnow() - timedelta(hours=2))
    db.session.add(batch)
    db.session.commit()
    login(client, teacher)
    assert 'id="regenerate" disabled' in client.get(f"/certificates/courses/{course.id}").get_data(as_text=True)

    jobs.repair_sweep()

    db.session.refresh(batch)
    assert batch.finished_at is not None
    assert 'id="regenerate" disabled' not in client.get(f"/certificates/courses/{course.id}").get_data(as_text=True)


def test_the_course_s_certificates_are_listed_a_page_at_a_time_with_their_learners_in_one_query(
    client, login, teacher, course, graduation, monkeypatch
):
    import re

    from lms_certificates import views
    from lms_core.testing import count_sql

    monkeypatch.setattr(views, "CERTIFICATES_PER_PAGE", 2)
    for name in ("Anna", "Boris"):
        graduation.complete(course, name=name)
    login(client, teacher)

    def listed(path) -> tuple[list[str], str, int]:
        client.get(path)
        db.session.remove()  # each request on a fresh session, as in production
        with count_sql(db.engine) as sql:
            html = client.get(path).get_data(as_text=True)
        return re.findall(r"<tr><td>([^<]+)<br>", html), html, sql.count

    names, html, _count = listed(f"/certificates/courses/{course.id}")
    assert names == ["Boris", "Anna"] and 'id="certificate-pages"' not in html
    graduation.complete(db.session.merge(course), name="Chen")
    names, html, two_learners = listed(f"/certificates/courses/{course.id}")
    assert names == ["Chen", "Boris"] and "Page 1 of 2" in html
    names, html, one_learner = listed(f"/certificates/courses/{course.id}?page=2")
    assert names == ["Anna"] and 'rel="prev"' in html
    assert two_learners == one_learner  # the learners of a page: one query, however many
    assert listed(f"/certificates/courses/{course.id}?page=9")[0] == ["Anna"]  # the last page
    client.post("/language", data={"language": "ru"})
    assert "Страница 2 из 2" in listed(f"/certificates/courses/{course.id}?page=2")[1]
