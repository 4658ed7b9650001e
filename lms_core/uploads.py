"""Uploaded files, checked and stored the same way by every plugin that takes them (the
assignments plugin's hand-ins, the chat's attachments).

- **Type by content**: a file type is known by its extension AND its content. A renamed
  executable does not pass as a PDF: binary formats must start with their signature,
  Office and OpenDocument files must be ZIP archives holding their main part, and text
  formats must be UTF-8 without NUL bytes. Only the types in ``FILE_TYPES`` can be
  allowed, so a type without a reliable check cannot slip in.
- **Checks** (:func:`check_upload`): a plain name, an allowed type, not empty, not above
  the size limit; each refusal a ``ServiceError`` with a stable code and a translated
  message.
- **Storage** (:class:`FileStore`): outside the web root, under generated names, written
  atomically (``<name>.part`` renamed when complete); the caller deletes what it wrote
  when its transaction fails, and ``remove_orphans`` deletes what a crash left behind.
- **Serving**: ``lms_core.send_upload`` (always a download, ``nosniff``; a raster image
  verified here may be shown inline).
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from flask import current_app
from flask_babel import gettext as _

from lms_core.services import ServiceError

CHUNK = 64 * 1024
MAX_NAME_LENGTH = 200
ORPHAN_AGE_SECONDS = 3600
TEXT_SAMPLE = 64 * 1024


def _starts(*signatures: bytes) -> Callable[[bytes, io.BufferedIOBase], bool]:
    return lambda head, _stream: any(head.startswith(s) for s in signatures)


def _zip_with(member: str | None) -> Callable[[bytes, io.BufferedIOBase], bool]:
    def check(head: bytes, stream) -> bool:
        if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return False
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            stream.seek(0)
        return member is None or any(n == member or n.startswith(member) for n in names)

    return check


def _text(head: bytes, stream) -> bool:
    stream.seek(0)
    sample = stream.read(TEXT_SAMPLE)
    stream.seek(0)
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sample may end inside a multi-byte character.
        return exc.start >= len(sample) - 3 and len(sample) == TEXT_SAMPLE
    return True


def _webp(head: bytes, _stream) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    matches: Callable[[bytes, io.BufferedIOBase], bool]


_TYPES = [
    FileType("pdf", "application/pdf", _starts(b"%PDF-")),
    FileType("png", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    FileType("jpg", "image/jpeg", _starts(b"\xff\xd8\xff")),
    FileType("jpeg", "image/jpeg", _starts(b"\xff\xd8\xff")),
    FileType("gif", "image/gif", _starts(b"GIF87a", b"GIF89a")),
    FileType("webp", "image/webp", _webp),
    FileType("zip", "application/zip", _zip_with(None)),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _zip_with("word/")),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip_with("xl/")),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", _zip_with("ppt/")),
    FileType("odt", "application/vnd.oasis.opendocument.text", _zip_with("content.xml")),
    FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", _zip_with("content.xml")),
    FileType("gz", "application/gzip", _starts(b"\x1f\x8b")),
    FileType("txt", "text/plain", _text),
    FileType("md", "text/markdown", _text),
    FileType("csv", "text/csv", _text),
    FileType("json", "application/json", _text),
    FileType("ipynb", "application/x-ipynb+json", _text),
    FileType("py", "text/x-python", _text),
    FileType("java", "text/x-java", _text),
    FileType("c", "text/x-c", _text),
    FileType("h", "text/x-c", _text),
    FileType("cpp", "text/x-c++", _text),
    FileType("js", "text/javascript", _text),
    FileType("ts", "text/plain", _text),
    FileType("html", "text/plain", _text),  # served as text: never rendered in the LMS's origin
    FileType("css", "text/plain", _text),
    FileType("sql", "text/plain", _text),
    FileType("r", "text/plain", _text),
]

FILE_TYPES: dict[str, FileType] = {t.extension: t for t in _TYPES}
# Types a page may show in an <img> (once the content matched: see ``CheckedFile.image``).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name.strip(".") else ""


def detect(extension: str, stream) -> FileType | None:
    """The type for ``extension`` when ``stream``'s content matches it, else ``None``."""
    file_type = FILE_TYPES.get(extension)
    if file_type is None:
        return None
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    return file_type if file_type.matches(head, stream) else None


def parse_extensions(value) -> tuple[list[str], list[str]]:
    """A teacher's list ("pdf, .zip py") as known extensions, and the unknown ones."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    wanted = []
    unknown = []
    for item in value or []:
        ext = str(item).strip().lstrip(".").lower()
        if not ext:
            continue
        (wanted if ext in FILE_TYPES else unknown).append(ext)
    return sorted(set(wanted)), unknown


# ---------------------------------------------------------------- checks


@dataclass
class CheckedFile:
    """An upload that passed every check, ready to be written."""

    original_name: str
    stream: object
    file_type: FileType
    size: int
    sha256: str

    @property
    def image(self) -> bool:
        """A raster image whose content matched its type: safe to show in an ``<img>``."""
        return self.file_type.content_type in IMAGE_TYPES


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


def check_upload(upload, allowed_extensions: Iterable[str], max_size: int) -> CheckedFile:
    """Validate one uploaded file (a werkzeug ``FileStorage``): its name, its type by
    extension and content (one of ``allowed_extensions``), emptiness and ``max_size``
    bytes. Raises ``ServiceError`` (``invalid_file_name``, ``file_type_not_allowed``,
    ``file_too_large`` 413, ``empty_file``, ``file_content_mismatch``)."""
    name = clean_name(upload.filename)
    extension = extension_of(name)
    allowed = list(allowed_extensions or [])
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
        if size > max_size:
            raise ServiceError(
                "file_too_large",
                _("“%(name)s” is larger than the limit of %(limit)s.", name=name, limit=human_size(max_size)),
                413,
            )
        digest.update(chunk)
    if size == 0:
        raise ServiceError("empty_file", _("“%(name)s” is empty.", name=name), 400)
    file_type = detect(extension, stream)
    if file_type is None:
        raise ServiceError(
            "file_content_mismatch", _("“%(name)s” is not a real .%(ext)s file.", name=name, ext=extension), 400
        )
    stream.seek(0)
    return CheckedFile(name, stream, file_type, size, digest.hexdigest())


def human_size(size: int) -> str:
    from flask_babel import format_decimal

    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 1)))
    return _("%(num)d bytes", num=size)


# ---------------------------------------------------------------- storage


class FileStore:
    """Files under ``root`` (outside the web root: the instance folder by default), each
    under a generated name ``ab/abcdef...``; the original name is only ever the
    download name."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @classmethod
    def in_instance(cls, folder: str) -> "FileStore":
        """A store in ``folder`` of the app's instance folder."""
        return cls(os.path.join(current_app.instance_path, folder))

    def path_of(self, stored_name: str) -> Path:
        root = self.root.resolve()
        path = (root / stored_name).resolve()
        if root not in path.parents:  # stored names are generated; this only guards a corrupted row
            raise ServiceError("not_found", _("This file does not exist."), 404)
        return path

    def write(self, checked: CheckedFile) -> str:
        """Write the file under a new generated name (whole or not at all); returns that name."""
        token = secrets.token_hex(16)
        stored_name = f"{token[:2]}/{token}"
        final = self.root / stored_name
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

    def delete(self, stored_names: Iterable[str]) -> None:
        for stored_name in stored_names:
            try:
                self.path_of(stored_name).unlink(missing_ok=True)
            except (OSError, ServiceError):
                current_app.logger.warning("could not delete stored file %s", stored_name)

    def remove_orphans(self, known: set[str], older_than: float = ORPHAN_AGE_SECONDS) -> int:
        """Delete files older than ``older_than`` seconds that are not in ``known`` (the
        stored names the caller's rows refer to): what a crash between writing and
        committing left behind, and unfinished ``.part`` files. Returns how many went."""
        if not self.root.is_dir():
            return 0
        limit = time.time() - older_than
        removed = 0
        for path in self.root.glob("*/*"):
            stored_name = f"{path.parent.name}/{path.name}"
            if stored_name in known or path.stat().st_mtime > limit:
                continue
            path.unlink(missing_ok=True)
            removed += 1
        return removed
