"""A teacher imports SCORM packages: each SCO becomes a lesson of the course, in the
manifest's order; bad packages are refused with a clear message and leave nothing."""

from __future__ import annotations

import io

import pytest
from conftest import upload
from scorm_builders import PackageSpec, Sco, build, manifest_xml, zip_of

from lms_core import db
from lms_core.models import Course, Lesson
from lms_scorm_xapi.scorm import packages
from lms_scorm_xapi.scorm.models import ScormFile, ScormPackage, ScormPackageVersion, ScormSco

THREE = [
    Sco("intro", "Introduction", "intro/index.html"),
    Sco("hazards", "Hazards at work", "hazards/index.html", parameters="?page=2"),
    Sco("exam", "Final check", "exam/index.html", mastery=80),
]


def rows_count():
    return tuple(
        db.session.execute(db.select(db.func.count()).select_from(model)).scalar()
        for model in (ScormPackage, ScormPackageVersion, ScormFile, ScormSco, Lesson)
    )


def blobs(app):
    root = packages.storage_root()
    return sorted(p.name for p in root.glob("*/*")) if root.exists() else []


@pytest.mark.parametrize("version", ["1.2", "2004"])
@pytest.mark.parametrize("top_folder", [None, "safety-course"])
def test_a_teacher_imports_a_multi_sco_package_into_a_course(client, login, scorm_course, version, top_folder):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    data = build(PackageSpec(version=version, scos=THREE, top_folder=top_folder))
    response = upload(client, f"/scorm/courses/{course.id}/packages", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    package = db.session.execute(db.select(ScormPackage)).scalar_one()
    assert package.course_id == course.id
    assert package.current_version.scorm_version == ("2004 4th" if version == "2004" else "1.2")
    assert [s.title for s in package.scos] == ["Introduction", "Hazards at work", "Final check"]
    assert [s.launch for s in package.scos] == ["intro/index.html", "hazards/index.html?page=2", "exam/index.html"]
    if version == "1.2":
        assert package.scos[2].mastery_score == 80
    lessons = (
        db.session.execute(db.select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
        .scalars()
        .all()
    )
    assert [lesson.title for lesson in lessons] == ["Introduction", "Hazards at work", "Final check"]
    assert f"/scorm/scos/{package.scos[0].id}" in lessons[0].body
    stored = {f.path for f in db.session.execute(db.select(ScormFile)).scalars()}
    assert stored == {"imsmanifest.xml", "intro/index.html", "hazards/index.html", "exam/index.html", "shared/sco.js"}
    page = client.get(f"/scorm/packages/{package.id}").get_data(as_text=True)
    assert "Hazards at work" in page and "SCORM" in page


def test_a_package_becomes_a_new_course_taught_by_the_teacher(client, login, factory):
    teacher = factory.user(role="teacher")
    login(client, teacher)
    response = upload(client, "/scorm/packages/new", build(PackageSpec(title="Fire drill")))
    assert response.status_code == 303
    course = db.session.execute(db.select(Course).where(Course.title == "Fire drill")).scalar_one()
    assert not course.published
    assert [s.user_id for s in course.staff] == [teacher.id]
    assert [lesson.title for lesson in course.lessons] == ["Introduction"]


def test_identical_files_are_stored_once(client, login, scorm_course, app):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    assert upload(client, f"/scorm/courses/{course.id}/packages", build()).status_code == 303
    first = blobs(app)
    assert upload(client, f"/scorm/courses/{course.id}/packages", build(PackageSpec(title="Copy"))).status_code == 303
    # The second package shares every file but its manifest (its title differs).
    assert len(blobs(app)) == len(first) + 1
    assert db.session.execute(db.select(db.func.count()).select_from(ScormPackage)).scalar() == 2


BAD = {
    "not a zip": (b"this is plain text, not a zip", "not_a_zip", "not a zip archive"),
    "no manifest": (zip_of({"index.html": b"<p>hi</p>"}), "manifest_missing", "no imsmanifest.xml"),
    "manifest two folders down": (
        zip_of({"a/b/imsmanifest.xml": manifest_xml(PackageSpec()).encode(), "a/b/sco1/index.html": b"x"}),
        "manifest_missing",
        "no imsmanifest.xml",
    ),
    "zip slip": (
        zip_of(
            {"imsmanifest.xml": manifest_xml(PackageSpec()).encode(), "sco1/index.html": b"x", "../../evil.js": b"x"}
        ),
        "package_unsafe_path",
        "outside the package",
    ),
    "absolute path": (
        zip_of({"imsmanifest.xml": manifest_xml(PackageSpec()).encode(), "sco1/index.html": b"x", "/etc/evil": b"x"}),
        "package_unsafe_path",
        "outside the package",
    ),
    "symlink": (
        zip_of(
            {"imsmanifest.xml": manifest_xml(PackageSpec()).encode(), "sco1/index.html": b"x"},
            symlinks={"sco1/secret": "/etc/passwd"},
        ),
        "package_symlink",
        "symbolic link",
    ),
    "broken xml": (
        zip_of({"imsmanifest.xml": b"<manifest><organizations>", "x.html": b""}),
        "manifest_broken",
        "not well-formed",
    ),
    "launch file missing": (build(PackageSpec(skip_files=("sco1/index.html",))), "launch_missing", "sco1/index.html"),
    "aicc": (zip_of({"course.au": b"x", "course.crs": b"x", "course.des": b"x"}), "package_is_aicc", "AICC"),
    "cmi5": (zip_of({"cmi5.xml": b"<courseStructure/>", "index.html": b"x"}), "package_is_cmi5", "cmi5"),
    "not scorm version": (
        zip_of({"imsmanifest.xml": b"<manifest><organizations/></manifest>"}),
        "scorm_version_unknown",
        "SCORM version",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_package_is_refused_and_leaves_nothing(client, login, scorm_course, app, case):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    before = rows_count()
    data, code, words = BAD[case]
    response = upload(client, f"/scorm/courses/{course.id}/packages", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page
    if words:
        assert words in page
    with pytest.raises(Exception) as refused:
        with app.test_request_context():
            from werkzeug.datastructures import FileStorage
            import io

            packages.import_package(FileStorage(io.BytesIO(data), "p.zip"), course, teacher)
    assert refused.value.code == code
    assert rows_count() == before
    assert blobs(app) == []


def test_too_many_files_and_too_many_bytes_are_refused(client, login, scorm_course, app):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    app.config["SCORM_MAX_FILES"] = 3
    response = upload(client, f"/scorm/courses/{course.id}/packages", build())  # manifest, page, script + 0
    assert response.status_code == 303
    extra = build(PackageSpec(extra_files={"a.txt": b"a", "b.txt": b"b"}))
    response = upload(client, f"/scorm/courses/{course.id}/packages", extra)
    assert response.status_code == 400 and "at most 3" in response.get_data(as_text=True)
    app.config["SCORM_MAX_FILES"] = 100
    app.config["SCORM_MAX_BYTES"] = 1024 * 1024
    bomb = build(PackageSpec(extra_files={"zeros.bin": b"\0" * (2 * 1024 * 1024)}))
    assert len(bomb) < 20 * 1024  # compresses well: only the unpacked size can tell
    response = upload(client, f"/scorm/courses/{course.id}/packages", bomb)
    assert response.status_code == 400 and "unpacks to more than" in response.get_data(as_text=True)


def test_the_refusal_is_in_russian_for_a_russian_teacher(client, login, factory):
    teacher = factory.user(role="teacher", locale="ru")
    course = factory.course(teacher=teacher)
    login(client, teacher)
    response = upload(client, f"/scorm/courses/{course.id}/packages", b"nope")
    assert response.status_code == 400
    assert "Файл не является zip-архивом." in response.get_data(as_text=True)


def test_a_new_version_keeps_the_sco_rows_and_hides_a_dropped_one(client, login, scorm_course):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    upload(client, f"/scorm/courses/{course.id}/packages", build(PackageSpec(scos=THREE)))
    package = db.session.execute(db.select(ScormPackage)).scalar_one()
    ids = {s.identifier: (s.id, s.lesson_id) for s in package.scos}
    from lms_scorm_xapi.scorm.models import ScormAttempt

    learner = scorm_course[2]
    db.session.add(
        ScormAttempt(sco_id=ids["intro"][0], user_id=learner.id, number=1, data={"cmi.suspend_data": "kept"})
    )
    db.session.commit()
    renamed = [
        Sco("intro", "Introduction (new)", "intro/start.html"),
        THREE[2],
        Sco("extra", "Extra", "extra/index.html"),
    ]
    response = client.post(
        f"/scorm/packages/{package.id}",
        data={"version-package": (io.BytesIO(build(PackageSpec(scos=renamed))), "v2.zip"), "action": "version"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    package = db.session.get(ScormPackage, package.id)
    assert package.current_version.number == 2
    by_id = {s.identifier: s for s in package.scos}
    assert (by_id["intro"].id, by_id["intro"].lesson_id) == ids["intro"]
    assert by_id["intro"].launch == "intro/start.html" and by_id["intro"].title == "Introduction (new)"
    assert not by_id["hazards"].active
    assert not db.session.get(Lesson, by_id["hazards"].lesson_id).published
    assert by_id["extra"].active
    kept = db.session.execute(db.select(ScormAttempt)).scalar_one()
    assert (kept.sco_id, kept.data["cmi.suspend_data"]) == (ids["intro"][0], "kept")


def test_entities_in_the_manifest_are_not_resolved(client, login, scorm_course, tmp_path):
    teacher, course, _learner = scorm_course
    login(client, teacher)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    manifest = (
        manifest_xml(PackageSpec())
        .replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE manifest [<!ENTITY x SYSTEM "file://{secret}">]>',
        )
        .replace("<title>Introduction</title>", "<title>Intro &x;</title>")
    )
    response = upload(client, f"/scorm/courses/{course.id}/packages", build(PackageSpec(manifest=manifest)))
    assert response.status_code == 303
    sco = db.session.execute(db.select(ScormSco)).scalar_one()
    assert "TOP-SECRET" not in sco.title and sco.title.startswith("Intro")
