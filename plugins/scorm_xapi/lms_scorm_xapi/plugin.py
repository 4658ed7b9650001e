"""The SCORM/xAPI plugin's hook implementations (the entry point ``scorm_xapi``)."""

from __future__ import annotations

from pathlib import Path

from lms_core import hookimpl

PACKAGE = Path(__file__).parent


@hookimpl
def lms_migrations_folder():
    return PACKAGE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return PACKAGE / "translations"
