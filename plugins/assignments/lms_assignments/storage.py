"""Handed-in files on disk: outside the web root (in the instance folder by default),
under generated names, written atomically.

The original name is only ever the download name. A file is first written as
``<name>.part`` and renamed when complete, so a reader never sees half a file; the
caller deletes what it wrote when its transaction fails, and ``remove_orphans`` (run
periodically) deletes anything a crash left behind without a row.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from lms_core import ServiceError, db

from lms_assignments.settings import settings
from lms_assignments import filetypes

CHUNK = 64 * 1024
MAX_NAME_LENGTH = 200
ORPHAN_AGE_SECONDS = 3600


def upload_root() -> Path:
    folder = settings.get("ASSIGNMENTS_UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "assignment-files")
    return Path(folder)


def path_of(stored_name: str) -> Path:
    root = upload_root().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:  # stored names are generated; this only guards a corrupted row
        raise ServiceError("not_found", _("This file does not exist."), 404)
    return path


@dataclass
class CheckedFile:
    """An upload that passed every check, ready to be written."""

    original_name: str
    stream: object
    file_type: filetypes.FileType
    size: int
    sha256: str


def clean_name(name: str | None) -> str:
    """The uploaded file's name, refused when it tries to say where to write
    (separators, ``..``), hides control characters, or is empty or too long."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    bad = (
        not name
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or any(unicodedata.category(ch).startswith("C") for ch in name)
    )
    if bad:
        raise ServiceError(
            "invalid_file_name",
            _("The file name “%(name)s” is not allowed.", name=name[:80]),
            400,
            {"files": _("Rename the file: use a plain name without folders.")},
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(
            "invalid_file_name", _("The file name is too long (%(max)d characters at most).", max=MAX_NAME_LENGTH), 400
        )
    return name


def check_upload(upload, assignment) -> CheckedFile:
    """Validate one uploaded file (a werkzeug ``FileStorage``) against the assignment:
    name, type by extension and content, emptiness and size."""
    name = clean_name(upload.filename)
    extension = filetypes.extension_of(name)
    allowed = assignment.allowed_extensions or []
    if extension not in allowed:
        raise ServiceError(
            "file_type_not_allowed",
            _("“%(name)s”: only these file types are accepted: %(types)s.", name=name, types=", ".join(allowed)),
            400,
        )
    stream = upload.stream
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > assignment.max_file_size:
            raise ServiceError(
                "file_too_large",
                _(
                    "“%(name)s” is larger than the limit of %(limit)s.",
                    name=name,
                    limit=human_size(assignment.max_file_size),
                ),
                413,
            )
        digest.update(chunk)
    if size == 0:
        raise ServiceError("empty_file", _("“%(name)s” is empty.", name=name), 400)
    file_type = filetypes.detect(extension, stream)
    if file_type is None:
        raise ServiceError(
            "file_content_mismatch", _("“%(name)s” is not a real .%(ext)s file.", name=name, ext=extension), 400
        )
    stream.seek(0)
    return CheckedFile(name, stream, file_type, size, digest.hexdigest())


def write(checked: CheckedFile) -> str:
    """Write the file under a new generated name; returns that name."""
    token = secrets.token_hex(16)
    stored_name = f"{token[:2]}/{token}"
    final = upload_root() / stored_name
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(final.name + ".part")
    checked.stream.seek(0)
    try:
        with open(partial, "xb") as out:
            while chunk := checked.stream.read(CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return stored_name


def delete(stored_names) -> None:
    for stored_name in stored_names:
        try:
            path_of(stored_name).unlink(missing_ok=True)
        except (OSError, ServiceError):
            current_app.logger.warning("could not delete stored file %s", stored_name)


def remove_orphans(older_than: float = ORPHAN_AGE_SECONDS) -> int:
    """Delete files that no row refers to (left by a crash between writing and
    committing), and unfinished ``.part`` files; returns how many went."""
    from lms_assignments.models import SubmissionFile

    root = upload_root()
    if not root.is_dir():
        return 0
    known = set(db.session.execute(db.select(SubmissionFile.stored_name)).scalars())
    limit = time.time() - older_than
    removed = 0
    for path in root.glob("*/*"):
        stored_name = f"{path.parent.name}/{path.name}"
        if stored_name in known or path.stat().st_mtime > limit:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def human_size(size: int) -> str:
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 1)))
    return _("%(num)d bytes", num=size)
