"""The file types a teacher may allow, each checked by its extension AND its content.

A renamed executable does not pass as a PDF: binary formats must start with their
signature, Office and OpenDocument files must be ZIP archives holding their main part,
and text formats must be UTF-8 without NUL bytes. Only the types listed here can be
allowed, so a type without a reliable check cannot slip in.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Callable

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
DEFAULT_EXTENSIONS = ["pdf", "zip", "txt", "md", "py", "png", "jpg"]


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
