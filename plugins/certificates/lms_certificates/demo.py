"""The plugin's part of ``lms demo --size large``: certificates of completed
enrolments, with their number history, as if issued when each course was completed.
Their PDFs are not drawn here: the repair sweep (``lms tick``) or the first download
renders them, as after a restore from a backup."""

from __future__ import annotations

from lms_core import db
from lms_core.models import Course, User

from lms_certificates import numbers
from lms_certificates.issuing import number_prefix
from lms_certificates.models import Certificate, CertificateNumber


def load_demo_certificates(platform) -> list[str]:
    chosen = platform.completed[: platform.volumes.certificates]
    if not chosen:
        return ["no completed enrolment: no certificate"]
    names = dict(db.session.execute(db.select(User.id, User.name)).all())
    titles = dict(db.session.execute(db.select(Course.id, Course.title)).all())
    languages = dict(db.session.execute(db.select(Course.id, Course.default_language)).all())
    prefix, issuer, taken = number_prefix(), "LMS demo", set()
    rows = []
    for enrollment_id, user_id, course_id, completed_at in chosen:
        number = numbers.generate(prefix)
        while number in taken:  # 45 random bits: a clash is rare, but the column is unique
            number = numbers.generate(prefix)
        taken.add(number)
        rows.append(
            {
                "enrollment_id": enrollment_id,
                "user_id": user_id,
                "course_id": course_id,
                "number": number,
                "status": "valid",
                "learner_name": names[user_id],
                "course_title": titles[course_id],
                "issuer": issuer,
                "language": languages[course_id],
                "completed_at": completed_at,
                "issued_at": completed_at,
                "notified_at": completed_at,
                "created_at": completed_at,
            }
        )
    platform.insert(Certificate, rows)
    ids = dict(db.session.execute(db.select(Certificate.number, Certificate.id)).all())
    platform.insert(
        CertificateNumber,
        (
            {
                "certificate_id": ids[row["number"]],
                "number": row["number"],
                "learner_name": row["learner_name"],
                "course_title": row["course_title"],
                "issuer": row["issuer"],
                "issued_at": row["issued_at"],
            }
            for row in rows
        ),
    )
    return [f"{len(rows):,} certificates of completed enrolments"]
