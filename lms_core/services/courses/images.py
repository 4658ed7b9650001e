"""A course's picture in the catalogue: checked by its content, re-encoded, size-bounded.

Pillow decodes what was uploaded (its name and declared type are ignored), so anything
that is not a real PNG, JPEG, GIF or WebP picture is refused; the picture is shrunk to
``IMAGE_BOX`` and re-encoded (JPEG, or PNG where it has transparency), which keeps only
the pixels: no metadata, no script in a polyglot file, no animation.
"""

from __future__ import annotations

import hashlib
import io

from flask_babel import gettext as _

from lms_core.extensions import db
from lms_core.models import Course, CourseImage
from lms_core.services import ServiceError
from lms_core.services.courses.catalogue import course_changed

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_PIXELS = 40_000_000  # decompression bombs are refused before they are decoded
IMAGE_MIN_SIDE = 64
IMAGE_BOX = (960, 540)  # a card is at most about 400 px wide; twice that for sharp screens
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def _refuse(code: str, message: str, status: int = 400):
    return ServiceError(code, message, status, {"image": message})


def normalise_course_image(data: bytes) -> tuple[bytes, str, int, int]:
    """The picture to store: (bytes, content type, width, height). Raises
    ``ServiceError`` (``invalid_image``, ``image_too_large``) with the field ``image``."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise _refuse("invalid_image", _("Choose a picture to upload."))
    if len(data) > IMAGE_MAX_BYTES:
        raise _refuse("image_too_large", _("The picture is too large (5 MB at most)."), 413)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            if kind not in IMAGE_FORMATS:
                raise ValueError(kind)
            if width * height > IMAGE_MAX_PIXELS:
                raise _refuse("image_too_large", _("The picture is too large (40 megapixels at most)."), 413)
            probe.verify()
        if min(width, height) < IMAGE_MIN_SIDE:
            raise _refuse(
                "invalid_image", _("The picture is too small (at least %(n)d pixels on each side).", n=IMAGE_MIN_SIDE)
            )
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # the first frame of an animation
            transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
            picture = image.convert("RGBA" if transparent else "RGB")
        picture.thumbnail(IMAGE_BOX)
        out = io.BytesIO()
        if transparent:
            picture.save(out, "PNG", optimize=True)
            content_type = "image/png"
        else:
            picture.save(out, "JPEG", quality=82, optimize=True, progressive=True)
            content_type = "image/jpeg"
        return out.getvalue(), content_type, picture.width, picture.height
    except ServiceError:
        raise
    except (UnidentifiedImageError, ValueError, OSError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise _refuse("invalid_image", _("The picture must be a PNG, JPEG, GIF or WebP image.")) from None


def course_image(course_id: int) -> CourseImage | None:
    return db.session.get(CourseImage, course_id)


def set_course_image(course: Course, data: bytes) -> CourseImage:
    """Check, shrink and store the course's picture (replacing the old one)."""
    from lms_core.models import utcnow
    from lms_core.sql import upsert

    picture, content_type, width, height = normalise_course_image(data)
    values = {
        "data": picture,
        "content_type": content_type,
        "width": width,
        "height": height,
        "sha256": hashlib.sha256(picture).hexdigest(),
        "updated_at": utcnow(),
    }
    # One statement whoever else uploads at the same moment (two inserts would collide).
    statement = upsert(CourseImage).values(course_id=course.id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["course_id"], set_=values))
    db.session.commit()
    course_changed()
    return course_image(course.id)


def remove_course_image(course: Course) -> bool:
    """Remove the course's picture; ``False`` when it had none."""
    record = course_image(course.id)
    if record is None:
        return False
    db.session.delete(record)
    db.session.commit()
    course_changed()
    return True
