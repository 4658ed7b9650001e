"""The PDF a Russian-speaking learner downloads: their name and the course in
Russian, the date in Russian, the number, and a QR code that a phone reads and that
leads to the verification page."""

import shutil
import subprocess
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import zxingcpp
from babel.dates import format_date
from PIL import Image
from pypdf import PdfReader

from lms_core import set_translation, db

NAME = "Анна Сергеевна Кузнецова"


def rendered_page(pdf: bytes, tmp_path) -> Image.Image:
    """The first page as pixels, drawn by poppler as a PDF viewer would."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (scripts/test.sh does)")
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")], check=True, timeout=60
    )
    return Image.open(tmp_path / "page.png")


def test_the_pdf_reads_in_russian_and_its_qr_code_leads_to_the_verification_page(client, graduation, login, tmp_path):
    course = graduation.course(title="Introduction to Astronomy")
    set_translation(course, course, "title", "ru", "Введение в астрономию")
    db.session.commit()
    student, enrollment = graduation.complete(course, name=NAME, locale="ru")
    [certificate] = graduation.certificates(student.id)
    login(client, student)

    pdf = client.get(f"/certificates/{certificate.id}.pdf").data
    assert len(pdf) < 50 * 1024
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    completed_on = format_date(enrollment.completed_at.date(), format="long", locale="ru")
    for expected in (NAME, "Введение в астрономию", "СЕРТИФИКАТ ОБ ОКОНЧАНИИ КУРСА", completed_on, certificate.number):
        assert expected in text, expected

    codes = zxingcpp.read_barcodes(rendered_page(pdf, tmp_path))
    assert [code.format for code in codes] == [zxingcpp.BarcodeFormat.QRCode]
    url = urlsplit(codes[0].text)
    assert f"{url.scheme}://{url.netloc}" == "http://localhost"
    assert url.path == f"/certificates/verify/{certificate.number}" and url.query.startswith("s=")

    client.post("/logout")
    page = client.get(f"{url.path}?{url.query}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-status="valid"' in page and NAME in page and "Введение в астрономию" in page


def test_a_portrait_design_gives_a_portrait_page(graduation):
    from lms_certificates import designs, storage

    course = graduation.course()
    designs.save(course.id, dict(designs.DEFAULTS, orientation="portrait", heading={}, wording={}), {}, set())
    student, _ = graduation.complete(course)
    [certificate] = graduation.certificates(student.id)

    page = PdfReader(BytesIO((storage.root() / certificate.pdf_path).read_bytes())).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert height > width and round(width) == 595  # A4 in points


def test_names_in_other_scripts_are_drawn_too(graduation):
    from lms_certificates import storage

    course = graduation.course()
    names = ["Արամ Խաչատրյան", "Ελένη Παπαδοπούλου", "Nguyễn Thị Minh Khai"]
    for name in names:
        graduation.complete(course, name=name)

    for name, certificate in zip(names, graduation.certificates()):
        text = PdfReader(BytesIO((storage.root() / certificate.pdf_path).read_bytes())).pages[0].extract_text()
        assert name in text
