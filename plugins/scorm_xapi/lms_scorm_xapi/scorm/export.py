"""Exporting a native course (its published lessons and quizzes, in outline order) as a
SCORM 1.2 or SCORM 2004 4th edition package that other LMSs import: one SCO per lesson
(a page that reports itself completed) and per quiz (a form scored in the page, which
reports the score and passed/failed through the runtime API)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from flask import render_template

from lms_core import localized
from lms_core.models import Course, Lesson, Quiz

HERE = Path(__file__).resolve().parent.parent
SCO_SCRIPT = HERE / "static" / "export" / "sco.js"
SCO_STYLE = HERE / "static" / "export" / "sco.css"
VERSIONS = ("1.2", "2004")

NS_12 = (
    'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd '
    'http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd '
    'http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd"'
)
NS_2004 = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd '
    'http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd '
    'http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd '
    'http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd '
    'http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd"'
)


def outline(course: Course) -> list:
    items = [*[lesson for lesson in course.lessons if lesson.published], *[q for q in course.quizzes if q.published]]
    return sorted(items, key=lambda i: (i.position, 0 if isinstance(i, Lesson) else 1, i.id))


def _identifier(item) -> str:
    return f"{'lesson' if isinstance(item, Lesson) else 'quiz'}_{item.id}"


def _answer_key(quiz: Quiz) -> dict:
    key = {}
    for question in quiz.questions:
        if question.kind in ("single", "multiple"):
            key[str(question.id)] = {
                "kind": question.kind,
                "points": question.points,
                "correct": sorted(str(c.id) for c in question.choices if c.correct),
            }
        else:
            key[str(question.id)] = {
                "kind": "text",
                "points": question.points,
                "accepted": [a.strip().lower() for a in question.accepted_answers],
            }
    return key


def _page(item, course: Course, version: str) -> str:
    if isinstance(item, Lesson):
        return render_template(
            "scorm_xapi/export/lesson.html", lesson=item, course=course, localized=localized, version=version
        )
    return render_template(
        "scorm_xapi/export/quiz.html",
        quiz=item,
        course=course,
        localized=localized,
        version=version,
        answer_key=json.dumps(_answer_key(item)),
    )


def manifest(course: Course, items: list, version: str) -> str:
    is_2004 = version == "2004"
    title = escape(localized(course, "title"))
    org_items, resources = [], []
    for item in items:
        ident = _identifier(item)
        item_title = escape(localized(item, "title", course))
        extra = ""
        if isinstance(item, Quiz) and not is_2004:
            extra = f"<adlcp:masteryscore>{int(item.pass_percent)}</adlcp:masteryscore>"
        org_items.append(
            f'<item identifier="item_{ident}" identifierref="res_{ident}"><title>{item_title}</title>{extra}</item>'
        )
        type_attr = 'adlcp:scormType="sco"' if is_2004 else 'adlcp:scormtype="sco"'
        href = f"{ident}.html"
        resources.append(
            f'<resource identifier="res_{ident}" type="webcontent" {type_attr} href={quoteattr(href)}>'
            f'<file href={quoteattr(href)}/><dependency identifierref="res_common"/></resource>'
        )
    common_type = 'adlcp:scormType="asset"' if is_2004 else 'adlcp:scormtype="asset"'
    resources.append(
        f'<resource identifier="res_common" type="webcontent" {common_type}>'
        '<file href="shared/sco.js"/><file href="shared/sco.css"/></resource>'
    )
    schemaversion = "2004 4th Edition" if is_2004 else "1.2"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier={quoteattr(f"course_{course.id}")} version="1" {NS_2004 if is_2004 else NS_12}>'
        f"<metadata><schema>ADL SCORM</schema><schemaversion>{schemaversion}</schemaversion></metadata>"
        f'<organizations default="org"><organization identifier="org"><title>{title}</title>'
        + "".join(org_items)
        + "</organization></organizations><resources>"
        + "".join(resources)
        + "</resources></manifest>"
    )


def build_package(course: Course, version: str) -> bytes:
    """The zip, in memory (a course's text and quizzes are small)."""
    if version not in VERSIONS:
        raise ValueError(version)
    items = outline(course)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(course, items, version))
        for item in items:
            archive.writestr(f"{_identifier(item)}.html", _page(item, course, version))
        archive.writestr("shared/sco.js", SCO_SCRIPT.read_bytes())
        archive.writestr("shared/sco.css", SCO_STYLE.read_bytes())
    return buffer.getvalue()


def file_name(course: Course, version: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", course.slug.lower()).strip("-") or "course"
    return f"{slug}-scorm-{version.replace('.', '')}.zip"
