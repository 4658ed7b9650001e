"""Handed-in files on disk: the core's checked uploads and file store
(``lms_core.uploads``) with the assignment's own rules (its file types and size limit)
and folder (``ASSIGNMENTS_UPLOAD_FOLDER``, else the instance folder).

The original name is only ever the download name. A file is written whole or not at
all; the caller deletes what it wrote when its transaction fails, and
``remove_orphans`` (run periodically) deletes anything a crash left behind without a row.
"""

from __future__ import annotations

from pathlib import Path

from lms_core import db
from lms_core.uploads import (
    CHUNK,
    MAX_NAME_LENGTH,
    ORPHAN_AGE_SECONDS,
    CheckedFile,
    FileStore,
    check_upload as check_file,
    clean_name,
    human_size,
)

from lms_assignments.settings import settings

__all__ = ["CHUNK", "MAX_NAME_LENGTH", "CheckedFile", "clean_name", "human_size"]


def upload_root() -> Path:
    folder = settings.get("ASSIGNMENTS_UPLOAD_FOLDER")
    return Path(folder) if folder else FileStore.in_instance("assignment-files").root


def _store() -> FileStore:
    return FileStore(upload_root())


def path_of(stored_name: str) -> Path:
    return _store().path_of(stored_name)


def check_upload(upload, assignment) -> CheckedFile:
    """Validate one uploaded file (a werkzeug ``FileStorage``) against the assignment:
    name, type by extension and content, emptiness and size."""
    return check_file(upload, assignment.allowed_extensions or [], assignment.max_file_size)


def write(checked: CheckedFile) -> str:
    """Write the file under a new generated name; returns that name."""
    return _store().write(checked)


def delete(stored_names) -> None:
    _store().delete(stored_names)


def remove_orphans(older_than: float = ORPHAN_AGE_SECONDS) -> int:
    """Delete files that no row refers to (left by a crash between writing and
    committing), and unfinished ``.part`` files; returns how many went."""
    from lms_assignments.models import SubmissionFile

    known = set(db.session.execute(db.select(SubmissionFile.stored_name)).scalars())
    return _store().remove_orphans(known, older_than)
