"""PDF files under the instance folder (``CERTIFICATES_STORAGE`` to move them).

A file is written to ``tmp/`` first and renamed into place, so nobody ever reads a
half-written PDF; its name carries the first characters of its SHA-256, so a file,
once referenced by a certificate row, never changes under it. Reads check the hash
and report a missing or altered file as ``None`` so the caller renders it again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

from flask import current_app

TMP_FOLDER = "tmp"
FILE_MODE = 0o640


def root() -> Path:
    configured = current_app.config.get("CERTIFICATES_STORAGE")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificates"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(folder: str, stem: str, data: bytes) -> tuple[str, str]:
    """Store ``data`` atomically; returns (path relative to the root, SHA-256)."""
    digest = sha256(data)
    relative = f"{folder}/{stem}-{digest[:16]}.pdf"
    base = root()
    target = base / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    (base / TMP_FOLDER).mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f"{stem}-", suffix=".part", dir=base / TMP_FOLDER)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private; web and worker processes of one group share it.
        os.chmod(temp_name, FILE_MODE)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return relative, digest


def read_verified(relative: str | None, expected_sha256: str | None) -> bytes | None:
    """The file's bytes when it exists and matches its hash, else ``None``."""
    if not relative or not expected_sha256:
        return None
    path = _inside_root(relative)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if sha256(data) == expected_sha256 else None


def remove(relative: str | None) -> None:
    if relative:
        _inside_root(relative).unlink(missing_ok=True)


def remove_stale_parts(max_age_seconds: int = 3600) -> int:
    """Delete temporary files a crash left behind; returns how many."""
    folder = root() / TMP_FOLDER
    if not folder.is_dir():
        return 0
    removed, cutoff = 0, time.time() - max_age_seconds
    for part in folder.glob("*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def _inside_root(relative: str) -> Path:
    base = root().resolve()
    path = (base / relative).resolve()
    if base not in path.parents:
        raise ValueError(f"certificate path outside the storage folder: {relative}")
    return path
