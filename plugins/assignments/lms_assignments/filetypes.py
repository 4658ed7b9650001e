"""The file types a teacher may allow: the core's checked types (``lms_core.uploads``,
each known by its extension AND its content), and the assignment's default list."""

from __future__ import annotations

from lms_core.uploads import FILE_TYPES, FileType, detect, extension_of, parse_extensions

__all__ = ["FILE_TYPES", "FileType", "detect", "extension_of", "parse_extensions", "DEFAULT_EXTENSIONS"]

DEFAULT_EXTENSIONS = ["pdf", "zip", "txt", "md", "py", "png", "jpg"]
