"""The plugin's own certificate design (the ``render_certificate`` fallback).

One A4 page: the course's background, a double frame in its colours, the logo, the
heading, the learner's name, the wording and the course title, the completion date
(and expiry), the signature block and, at the bottom right, the QR code of the
signed verification URL with the number under it. Long names and titles shrink to
fit. The faces come from ``fonts.font_set`` (prepared once per process); the QR code
is drawn as a 1-bit image, a few hundred bytes.
"""

from __future__ import annotations

from io import BytesIO

import qrcode
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF
from PIL import Image

from lms_certificates import fonts
from lms_certificates.payloads import CertificateInfo

PAGE_SIZES = {"landscape": (297.0, 210.0), "portrait": (210.0, 297.0)}
QR_PIXELS_PER_MODULE = 4  # crisp in viewers that smooth scaled images
QR_QUIET_ZONE = 2
# Every mask gives a standard QR code that every reader decodes; qrcode's search for
# the "best" one scores all eight in pure Python, a third of a certificate's time.
QR_MASK = 0


def labels() -> dict[str, str]:
    """The design's fixed texts in the current (forced) locale."""
    return {
        "heading": _("Certificate of completion"),
        "certifies": _("This is to certify that"),
        "wording": _("has successfully completed the course"),
        "completed": _("Completed on %(date)s"),
        "expires": _("Valid until %(date)s"),
        "number": _("Certificate No. %(number)s"),
        "verify": _("Scan or visit the link to verify"),
        "issued_by": _("Issued by"),
        "sample": _("SAMPLE"),
    }


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def qr_image(url: str) -> Image.Image:
    """The QR code of ``url`` with its quiet zone, as a 1-bit image."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=QR_QUIET_ZONE, mask_pattern=QR_MASK
    )
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (size, size), pixels)
    scaled = size * QR_PIXELS_PER_MODULE
    return image.resize((scaled, scaled), Image.Resampling.NEAREST).convert("1")


def render_pdf(certificate: CertificateInfo, faces: dict | None = None) -> bytes:
    """The PDF of ``certificate`` in the default design."""
    faces = faces or current_app.config.get("CERTIFICATES_FONTS")
    with force_locale(certificate.language):
        text = labels()
    pdf = new_document(certificate)
    fonts.font_set(drawn_text(certificate, text), faces).install(pdf)
    draw_page(pdf, certificate, text, qr_image(certificate.verification_url))
    return bytes(pdf.output())


def drawn_text(certificate: CertificateInfo, text: dict[str, str]) -> str:
    """Everything the page may draw, so the prepared faces can cover it."""
    design = certificate.template
    return " ".join(
        [
            *text.values(),
            text["heading"].upper(),
            design.heading.upper(),
            design.wording,
            design.signatory_name,
            design.signatory_title,
            certificate.number,
            printed_link(certificate.verification_url),
            certificate.learner_name,
            certificate.course_title,
            certificate.issuer,
            certificate.site_name,
            certificate.completed_on,
            certificate.issued_on,
            certificate.expires_on or "",
        ]
    )


def new_document(certificate: CertificateInfo) -> FPDF:
    orientation = "L" if certificate.template.orientation == "landscape" else "P"
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    # Metadata from the certificate only, so the same certificate gives the same bytes.
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_lang(certificate.language)
    pdf.set_title(f"{certificate.number} {certificate.learner_name}")
    pdf.set_author(certificate.issuer)
    pdf.set_subject(certificate.course_title)
    pdf.set_creator(certificate.site_name)
    return pdf


def draw_page(
    pdf: FPDF, certificate: CertificateInfo, text: dict[str, str], qr: Image.Image, family: str = fonts.FAMILY
) -> None:
    """Draw the certificate on a new page of ``pdf``, whose faces ``family`` (regular
    and bold) are already added. Shared with the benchmark's baseline."""
    design = certificate.template
    width, height = PAGE_SIZES[design.orientation]
    landscape = design.orientation == "landscape"
    primary, accent, ink = (hex_to_rgb(c) for c in (design.primary_color, design.accent_color, design.text_color))
    pdf.add_page()

    if design.background:
        pdf.image(BytesIO(design.background), x=0, y=0, w=width, h=height)
    pdf.set_draw_color(*primary)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, height - 16)
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.4)
    pdf.rect(11.5, 11.5, width - 23, height - 23)

    # Portrait pages have more height to share out: the same stack, spaced wider.
    y, gap = (24.0, 1.0) if landscape else (48.0, 1.6)
    if design.logo:
        pdf.image(BytesIO(design.logo), x=(width - 60) / 2, y=y, w=60, h=20, keep_aspect_ratio=True)
        y += 24 * gap
    else:
        y += 8 * gap
    content_width = width - 60

    pdf.set_text_color(*primary)
    _fitted_line(pdf, family, "B", 30, (design.heading or text["heading"]).upper(), content_width, y, 14)
    y += 20 * gap
    pdf.set_text_color(*ink)
    _fitted_line(pdf, family, "", 13, text["certifies"], content_width, y, 8)
    y += 11 * gap
    pdf.set_text_color(*primary)
    _fitted_line(pdf, family, "B", 34, certificate.learner_name, content_width, y, 16)
    y += 17
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.6)
    pdf.line(width / 2 - 45, y, width / 2 + 45, y)
    y += 7 * gap
    pdf.set_text_color(*ink)
    _fitted_line(pdf, family, "", 13, design.wording or text["wording"], content_width, y, 8)
    y += 10 * gap
    y = _fitted_block(pdf, family, "B", 20, certificate.course_title, content_width - 20, y, 2)
    y += 6 * gap
    pdf.set_font(family, "", 12)
    pdf.set_xy(30, y)
    pdf.cell(content_width, 7, text["completed"] % {"date": certificate.completed_on}, align="C")
    if certificate.expires_on:
        pdf.set_xy(30, y + 7)
        pdf.cell(content_width, 7, text["expires"] % {"date": certificate.expires_on}, align="C")

    _signature_block(pdf, family, certificate, text, width, height, ink, accent)
    _verification_block(pdf, family, certificate, text, qr, width, height, ink)
    if certificate.preview:
        _sample_mark(pdf, family, text["sample"], width, height)


def _fitted_line(pdf, family, style, size, value, max_width, y, line_height):
    """One centred line, its font made smaller until it fits ``max_width``."""
    pdf.set_font(family, style, size)
    while size > 9 and pdf.get_string_width(value) > max_width:
        size -= 1
        pdf.set_font(family, style, size)
    pdf.set_xy((pdf.w - max_width) / 2, y)
    pdf.cell(max_width, line_height, value, align="C")


def _fitted_block(pdf, family, style, size, value, max_width, y, max_lines) -> float:
    """Centred text wrapped on at most ``max_lines`` lines; returns the y below it."""
    while True:
        pdf.set_font(family, style, size)
        lines = pdf.multi_cell(max_width, size * 0.5, value, align="C", dry_run=True, output="LINES")
        if len(lines) <= max_lines or size <= 9:
            break
        size -= 1
    pdf.set_xy((pdf.w - max_width) / 2, y)
    pdf.multi_cell(max_width, size * 0.5, value, align="C")
    return pdf.get_y()


def _signature_block(pdf, family, certificate, text, width, height, ink, accent):
    design = certificate.template
    left, block_width = 28.0, 80.0
    line_y = height - 38
    if design.signature:
        pdf.image(BytesIO(design.signature), x=left, y=line_y - 20, w=block_width, h=18, keep_aspect_ratio=True)
    pdf.set_draw_color(*accent)
    pdf.set_line_width(0.3)
    pdf.line(left, line_y, left + block_width, line_y)
    pdf.set_text_color(*ink)
    y = line_y + 1.5
    for style, size, value in (
        ("B", 11, design.signatory_name),
        ("", 9, design.signatory_title),
        ("", 9, f"{text['issued_by']}: {certificate.issuer}"),
        ("", 9, certificate.site_name if certificate.site_name != certificate.issuer else ""),
    ):
        if not value:
            continue
        pdf.set_font(family, style, size)
        while size > 6 and pdf.get_string_width(value) > block_width:
            size -= 0.5
            pdf.set_font(family, style, size)
        pdf.set_xy(left, y)
        pdf.cell(block_width, 5, value, align="L")
        y += 5


def _verification_block(pdf, family, certificate, text, qr, width, height, ink):
    size = 32.0
    x, y = width - 28 - size, height - 26 - size
    pdf.image(qr, x=x, y=y, w=size, h=size)
    pdf.set_text_color(*ink)
    pdf.set_font(family, "B", 9)
    pdf.set_xy(x - 40, y + size + 0.5)
    pdf.cell(size + 40, 4.5, text["number"] % {"number": certificate.number}, align="R")
    pdf.set_font(family, "", 7)
    pdf.set_xy(x - 40, y + size + 5)
    pdf.cell(size + 40, 3.5, text["verify"], align="R")
    # The link itself beside the code, for a reader without a camera (without the
    # signature: the page checks the number, the QR code's link also the signature).
    pdf.set_font(family, "", 6.5)
    pdf.set_xy(x - 62, y + size - 11)
    pdf.multi_cell(60, 3, printed_link(certificate.verification_url), align="R")


def printed_link(url: str) -> str:
    """The verification link as printed: without its query (the signature)."""
    return url.split("?", 1)[0]


def _sample_mark(pdf, family, label, width, height):
    pdf.set_text_color(180, 40, 40)
    pdf.set_font(family, "B", 90)
    with pdf.local_context(fill_opacity=0.18), pdf.rotation(30, x=width / 2, y=height / 2):
        pdf.set_xy(0, height / 2 - 20)
        pdf.cell(width, 40, label, align="C")
