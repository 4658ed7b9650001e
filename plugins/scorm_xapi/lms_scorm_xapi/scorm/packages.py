"""Importing a SCORM zip: every check before anything is written, then the files as
content-addressed blobs on disk (outside the web root, one copy per content whatever
the package) and the rows, in one transaction. A refusal leaves nothing behind: a blob
this upload created is deleted again when the transaction fails.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import posixpath
import re
import secrets
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from lms_core import add_course, add_lesson, db, revise_lesson
from lms_core.models import Course, Lesson

from lms_scorm_xapi.scorm import manifest as manifests
from lms_scorm_xapi.scorm.manifest import refuse
from lms_scorm_xapi.scorm.models import ScormFile, ScormPackage, ScormPackageVersion, ScormSco
from lms_scorm_xapi.scorm.settings import settings

CHUNK = 64 * 1024
MANIFEST = "imsmanifest.xml"
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".svg": "image/svg+xml",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt",
    ".swf": "application/x-shockwave-flash",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
TEXT_TYPES = ("text/", "application/json", "application/xml", "image/svg+xml")


def storage_root() -> Path:
    folder = settings.get("SCORM_STORAGE_FOLDER") or os.path.join(current_app.instance_path, "scorm-files")
    return Path(folder)


def blob_path(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256")
    return storage_root() / sha256[:2] / sha256


def content_type(path: str) -> str:
    extension = posixpath.splitext(path)[1].lower()
    found = CONTENT_TYPES.get(extension) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    if found.startswith(TEXT_TYPES) and "charset" not in found:
        found += "; charset=utf-8"
    return found


@dataclass
class CheckedZip:
    archive: zipfile.ZipFile
    prefix: str  # the single top folder the manifest is in ("" or "name/")
    members: dict[str, zipfile.ZipInfo]  # path in the package -> member
    manifest: manifests.Manifest
    total_bytes: int


def _unsafe(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name or "\x00" in name:
        return True
    parts = name.split("/")
    return any(part == ".." for part in parts)


def _what_else(names: set[str]):
    lower = {posixpath.basename(n).lower() for n in names}
    extensions = {posixpath.splitext(n)[1].lower() for n in lower}
    if "cmi5.xml" in lower:
        return refuse(
            "package_is_cmi5",
            _(
                "This is a cmi5 package (it has cmi5.xml and no imsmanifest.xml); only SCORM 1.2 and 2004 packages are accepted."
            ),
        )
    if "tincan.xml" in lower:
        return refuse(
            "package_is_xapi",
            _(
                "This is an xAPI (Tin Can) package (it has tincan.xml and no imsmanifest.xml); only SCORM 1.2 and 2004 packages are accepted."
            ),
        )
    if {".au", ".crs", ".des", ".cst"} & extensions:
        return refuse(
            "package_is_aicc",
            _(
                "This is an AICC package (it has .au/.crs/.des files and no imsmanifest.xml); only SCORM 1.2 and 2004 packages are accepted."
            ),
        )
    return refuse(
        "manifest_missing",
        _("The zip has no imsmanifest.xml (at its top or in its single top folder): it is not a SCORM package."),
    )


def check_zip(stream) -> CheckedZip:
    """Every check on the uploaded zip, reading only its directory and the manifest."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise refuse("not_a_zip", _("The file is not a zip archive.")) from None
    infos = [info for info in archive.infolist() if not info.is_dir()]
    max_files = int(settings.get("SCORM_MAX_FILES"))
    max_bytes = int(settings.get("SCORM_MAX_BYTES"))
    if len(infos) > max_files:
        raise refuse(
            "package_too_many_files",
            _("The package has %(count)d files; at most %(max)d are accepted.", count=len(infos), max=max_files),
        )
    total = 0
    names = set()
    for info in infos:
        if _unsafe(info.filename):
            raise refuse(
                "package_unsafe_path",
                _("The zip has a file that points outside the package (“%(name)s”).", name=info.filename[:120]),
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise refuse(
                "package_symlink",
                _("The zip has a symbolic link (“%(name)s”); links are not accepted.", name=info.filename[:120]),
            )
        if info.flag_bits & 0x1:
            raise refuse("package_encrypted", _("The zip is encrypted."))
        total += info.file_size
        if total > max_bytes:
            raise refuse(
                "package_too_large",
                _("The package unpacks to more than %(max)s; it is refused.", max=human_size(max_bytes)),
            )
        names.add(posixpath.normpath(info.filename))
    prefix = ""
    if MANIFEST not in names:
        tops = {name.split("/", 1)[0] for name in names}
        if len(tops) == 1 and all("/" in n for n in names) and f"{next(iter(tops))}/{MANIFEST}" in names:
            prefix = next(iter(tops)) + "/"
        else:
            raise _what_else(names)
    members = {}
    for info in infos:
        name = posixpath.normpath(info.filename)
        if prefix:
            name = name[len(prefix) :]
        members[name] = info
    try:
        with archive.open(members[MANIFEST]) as handle:
            data = handle.read(16 * 1024 * 1024 + 1)
    # zipfile raises RuntimeError for an encrypted member and NotImplementedError for a
    # compression method it cannot read: both are a package we refuse, not a crash.
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        raise refuse("not_a_zip", _("The zip archive is damaged.")) from None
    if len(data) > 16 * 1024 * 1024:
        raise refuse("manifest_broken", _("imsmanifest.xml is larger than 16 MB."))
    manifest = manifests.parse(data)
    for item in manifest.items:
        if _unsafe(item.launch) or item.launch not in members:
            raise refuse(
                "launch_missing",
                _(
                    "The launch file “%(file)s” of “%(title)s” is not in the package.",
                    file=item.launch[:200],
                    title=item.title,
                ),
            )
    return CheckedZip(archive, prefix, members, manifest, total)


def _store_blobs(checked: CheckedZip, created: list[Path]) -> dict[str, tuple[str, int]]:
    """Copy every member into the blob store; returns path -> (sha256, size). Blobs
    already there (the same content in any package) are not written twice."""
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    stored = {}
    for path, info in checked.members.items():
        temporary = root / f".upload-{secrets.token_hex(8)}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            with checked.archive.open(info) as source, open(temporary, "xb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            final = blob_path(sha)
            if final.exists():
                temporary.unlink()
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temporary, final)
                created.append(final)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
            temporary.unlink(missing_ok=True)
            raise refuse(
                "not_a_zip", _("The zip archive is damaged (“%(name)s” cannot be read).", name=path[:120])
            ) from None
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        stored[path] = (sha, size)
    return stored


def new_course(title: str, teacher) -> Course:
    """A new unpublished course for an imported package, taught by ``teacher`` (the
    core's ``add_course``: committed with the package's rows, or not at all)."""
    return add_course(teacher, title[:200], default_language=teacher.locale or None)


def lesson_body(sco_id: int) -> str:
    from lms_core import path_for

    return _(
        "This lesson is an interactive activity: [open it](%(url)s).", url=path_for("scorm_xapi.play", sco_id=sco_id)
    )


def import_package(upload, course: Course | None, teacher, package: ScormPackage | None = None) -> ScormPackage:
    """Import an uploaded zip (a werkzeug ``FileStorage``) as a new package of ``course``
    (a new course when ``None``), or as a new version of ``package``. Raises
    ``ServiceError`` with nothing written when the package is refused."""
    if upload is None or not upload.filename:
        raise refuse("package_missing", _("Choose a SCORM package (a .zip file) to upload."))
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size > int(settings.get("SCORM_MAX_UPLOAD_BYTES")):
        raise refuse(
            "package_too_large",
            _("The file is larger than %(max)s.", max=human_size(settings.get("SCORM_MAX_UPLOAD_BYTES"))),
        )
    checked = check_zip(stream)
    created: list[Path] = []
    try:
        stored = _store_blobs(checked, created)
        manifest = checked.manifest
        if package is None:
            if course is None:
                course = new_course(manifest.title, teacher)
            package = ScormPackage(course_id=course.id, title=manifest.title[:200], created_by=teacher.id)
            db.session.add(package)
            db.session.flush()
        else:
            course = db.session.get(Course, package.course_id)
        number = 1 + (
            db.session.execute(
                db.select(db.func.max(ScormPackageVersion.number)).where(ScormPackageVersion.package_id == package.id)
            ).scalar()
            or 0
        )
        version = ScormPackageVersion(
            package_id=package.id,
            number=number,
            scorm_version=manifest.version,
            file_name=(upload.filename or "")[:255],
            files_count=len(stored),
            total_bytes=checked.total_bytes,
            uploaded_by=teacher.id,
        )
        db.session.add(version)
        db.session.flush()
        db.session.add_all(
            ScormFile(version_id=version.id, path=path, sha256=sha, size=size, content_type=content_type(path))
            for path, (sha, size) in stored.items()
        )
        _sync_scos(package, course, manifest)
        package.current_version_id = version.id
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in created:
            path.unlink(missing_ok=True)
        raise
    return package


def _sync_scos(package: ScormPackage, course: Course, manifest: manifests.Manifest) -> None:
    """One SCO row and core lesson per launchable item, matched by identifier with the
    previous version's: a kept SCO keeps its lesson and its learners' attempts; one the
    new version dropped is hidden (its lesson unpublished), not deleted."""
    existing = {sco.identifier: sco for sco in package.scos}
    seen = set()
    for index, item in enumerate(manifest.items):
        launch = item.launch + (f"?{item.parameters}" if item.parameters else "")
        sco = existing.get(item.identifier)
        if sco is None:
            lesson = add_lesson(course, item.title)  # at the end of the outline, in this transaction
            sco = ScormSco(
                package_id=package.id, identifier=item.identifier, lesson_id=lesson.id, launch=launch, title=item.title
            )
            db.session.add(sco)
            db.session.flush()
            revise_lesson(lesson, body=lesson_body(sco.id))
        else:
            lesson = db.session.get(Lesson, sco.lesson_id)
            revise_lesson(lesson, title=item.title, published=True)
        sco.title = item.title
        sco.launch = launch
        sco.position = index
        sco.launch_data = item.launch_data
        sco.mastery_score = item.mastery_score
        sco.navigation = item.navigation
        sco.active = True
        seen.add(item.identifier)
    for identifier, sco in existing.items():
        if identifier not in seen:
            sco.active = False
            lesson = db.session.get(Lesson, sco.lesson_id)
            if lesson is not None:
                revise_lesson(lesson, published=False)


def human_size(size: int) -> str:
    from flask_babel import format_decimal

    size = int(size)
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1)))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 1)))
    return _("%(num)d bytes", num=size)


def find_file(version_id: int, path: str) -> ScormFile | None:
    return db.session.execute(
        db.select(ScormFile).where(ScormFile.version_id == version_id, ScormFile.path == path)
    ).scalar_one_or_none()
