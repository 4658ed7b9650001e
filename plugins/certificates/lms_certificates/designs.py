"""Per-course certificate designs: validation, image normalisation, saving.

Uploaded images are decoded with Pillow (anything that is not a real PNG or JPEG is
refused), shrunk to what an A4 page needs and re-encoded, so a 20 MB photo does not
end up in every certificate of the course.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from lms_core import ServiceError, db
from lms_certificates.models import IMAGE_KINDS, ORIENTATIONS, CertificateTemplate, TemplateImage
from lms_certificates.payloads import TemplateInfo

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
IMAGE_BOXES = {"background": (1754, 1754), "logo": (800, 400), "signature": (800, 300)}
MAX_VALIDITY_MONTHS = 600
TEXT_LIMITS = {"heading": 120, "wording": 300, "issuer_name": 200, "signatory_name": 120, "signatory_title": 120}
DEFAULTS = {
    "enabled": True,
    "orientation": "landscape",
    "primary_color": "#1f3a68",
    "accent_color": "#b08d2f",
    "text_color": "#1d2430",
    "issuer_name": "",
    "signatory_name": "",
    "signatory_title": "",
    "validity_months": None,
}


@dataclass
class NormalisedImage:
    data: bytes
    content_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def template_of(course_id: int) -> CertificateTemplate | None:
    return db.session.execute(
        db.select(CertificateTemplate).where(CertificateTemplate.course_id == course_id)
    ).scalar_one_or_none()


def editable_template(course_id: int) -> CertificateTemplate:
    """The course's template, or a new (unsaved) one with the default design."""
    template = template_of(course_id)
    if template is None:
        template = CertificateTemplate(course_id=course_id, heading={}, wording={}, version=0, **DEFAULTS)
    return template


def normalise_image(kind: str, raw: bytes) -> NormalisedImage:
    """A PNG (logo, signature: transparency kept) or JPEG (background) sized for A4."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ServiceError(
            "image_too_large",
            _("The image is too large (5 MB at most)."),
            400,
            {kind: _("The image is too large (5 MB at most).")},
        )
    try:
        with Image.open(BytesIO(raw)) as probe:
            if probe.format not in ("PNG", "JPEG") or probe.width * probe.height > MAX_SOURCE_PIXELS:
                raise ValueError(probe.format)
            probe.verify()
        image = Image.open(BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, ValueError, OSError, Image.DecompressionBombError):
        message = _("Upload a PNG or JPEG image.")
        raise ServiceError("invalid_image", message, 400, {kind: message}) from None
    image.thumbnail(IMAGE_BOXES[kind])
    out = BytesIO()
    if kind == "background":
        image.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
        return NormalisedImage(out.getvalue(), "image/jpeg")
    image.convert("RGBA").save(out, "PNG", optimize=True)
    return NormalisedImage(out.getvalue(), "image/png")


def validate(values: dict) -> dict:
    """Clean the editor's values; raises ``ServiceError`` with a message per field."""
    languages = current_app.config["LMS_LANGUAGES"]
    errors, clean = {}, {}
    clean["enabled"] = bool(values.get("enabled"))
    orientation = values.get("orientation") or "landscape"
    if orientation not in ORIENTATIONS:
        errors["orientation"] = _("Choose landscape or portrait.")
    clean["orientation"] = orientation
    for name in ("primary_color", "accent_color", "text_color"):
        color = (values.get(name) or "").strip()
        if not COLOR_RE.match(color):
            errors[name] = _("Enter a colour as #rrggbb, for example #1f3a68.")
        clean[name] = color.lower()
    for name in ("issuer_name", "signatory_name", "signatory_title"):
        text = (values.get(name) or "").strip()
        if len(text) > TEXT_LIMITS[name]:
            errors[name] = _("At most %(n)d characters.", n=TEXT_LIMITS[name])
        clean[name] = text
    for name in ("heading", "wording"):
        texts = {}
        for language in languages:
            text = ((values.get(name) or {}).get(language) or "").strip()
            if len(text) > TEXT_LIMITS[name]:
                errors[f"{name}_{language}"] = _("At most %(n)d characters.", n=TEXT_LIMITS[name])
            if text:
                texts[language] = text
        clean[name] = texts
    months = values.get("validity_months")
    if months in (None, ""):
        clean["validity_months"] = None
    else:
        try:
            months = int(months)
        except (TypeError, ValueError):
            months = 0
        if not 1 <= months <= MAX_VALIDITY_MONTHS:
            errors["validity_months"] = _(
                "Enter a number of months between 1 and %(n)d, or leave it empty.", n=MAX_VALIDITY_MONTHS
            )
        clean["validity_months"] = months
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    return clean


def save(course_id: int, values: dict, uploads: dict[str, bytes], remove: set[str]) -> CertificateTemplate:
    """Validate and store a course's design; bumps its version."""
    clean = validate(values)
    images = {kind: normalise_image(kind, raw) for kind, raw in uploads.items() if raw}
    template = template_of(course_id)
    if template is None:
        template = CertificateTemplate(course_id=course_id, version=0)
        db.session.add(template)
    for name, value in clean.items():
        setattr(template, name, value)
    for kind in IMAGE_KINDS:
        current = template.image(kind)
        if current is not None and (kind in remove or kind in images):
            template.images.remove(current)
    db.session.flush()  # the old image rows go before the new ones take their (template, kind)
    for kind, image in images.items():
        template.images.append(
            TemplateImage(kind=kind, content_type=image.content_type, data=image.data, sha256=image.sha256)
        )
    template.version = (template.version or 0) + 1
    db.session.commit()
    return template


def template_info(
    template: CertificateTemplate | None,
    language: str,
    overrides: dict | None = None,
    images: dict[str, bytes | None] | None = None,
) -> TemplateInfo:
    """The design in ``language``; ``overrides`` and ``images`` show unsaved editor values."""
    source = dict(DEFAULTS, heading={}, wording={})
    if template is not None:
        source.update({name: getattr(template, name) for name in (*DEFAULTS, "heading", "wording")})
    source.update(overrides or {})
    stored = {
        kind: (template.image(kind).data if template is not None and template.image(kind) else None)
        for kind in IMAGE_KINDS
    }
    stored.update(images or {})
    return TemplateInfo(
        orientation=source["orientation"],
        primary_color=source["primary_color"],
        accent_color=source["accent_color"],
        text_color=source["text_color"],
        heading=(source["heading"] or {}).get(language, ""),
        wording=(source["wording"] or {}).get(language, ""),
        signatory_name=source["signatory_name"],
        signatory_title=source["signatory_title"],
        background=stored["background"],
        logo=stored["logo"],
        signature=stored["signature"],
        version=template.version if template is not None else 0,
    )
