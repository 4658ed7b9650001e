"""A package's report for its teachers: per SCO and learner, the attempts with their
status, score and time, and one attempt's interactions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lms_core import db
from lms_core.models import User

from lms_scorm_xapi.scorm import runtime
from lms_scorm_xapi.scorm.models import ScormAttempt, ScormPackage, ScormSco


@dataclass
class LearnerRow:
    user: User
    sco: ScormSco
    attempts: list[ScormAttempt]
    graded: float | None
    done: bool

    @property
    def total_seconds(self) -> float:
        return sum(a.total_seconds or 0 for a in self.attempts)


PER_PAGE = 50


@dataclass
class ReportPage:
    rows: list[LearnerRow]
    page: int
    pages: int
    learners: int


def package_report(package: ScormPackage, page: int = 1, per_page: int | None = None) -> ReportPage:
    """One page of the learners who launched one of the package's SCOs (by name), each
    with their attempts per SCO: four statements whatever the number of learners."""
    per_page = per_page or PER_PAGE
    scos = {sco.id: sco for sco in package.scos}
    if not scos:
        return ReportPage([], 1, 1, 0)
    launched = db.select(ScormAttempt.user_id).where(ScormAttempt.sco_id.in_(list(scos))).distinct().subquery()
    learners = db.session.execute(db.select(db.func.count()).select_from(launched)).scalar() or 0
    pages = max(1, -(-learners // per_page))
    page = min(max(page, 1), pages)
    users = {
        u.id: u
        for u in db.session.execute(
            db.select(User)
            .where(User.id.in_(db.select(launched.c.user_id)))
            .order_by(db.func.lower(User.name), User.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).scalars()
    }
    if not users:
        return ReportPage([], page, pages, learners)
    attempts = (
        db.session.execute(
            db.select(ScormAttempt)
            .where(ScormAttempt.sco_id.in_(list(scos)), ScormAttempt.user_id.in_(list(users)))
            .order_by(ScormAttempt.number)
        )
        .scalars()
        .all()
    )
    grouped: dict[tuple[int, int], list[ScormAttempt]] = {}
    for attempt in attempts:
        grouped.setdefault((attempt.sco_id, attempt.user_id), []).append(attempt)
    order = {user_id: index for index, user_id in enumerate(users)}
    rows = []
    for (sco_id, user_id), items in grouped.items():
        sco = scos[sco_id]
        rows.append(
            LearnerRow(
                user=users[user_id],
                sco=sco,
                attempts=items,
                graded=runtime.graded_score(items, package.grading),
                done=runtime.sco_done(user_id, sco, items),
            )
        )
    rows.sort(key=lambda r: (order[r.user.id], r.sco.position))
    return ReportPage(rows, page, pages, learners)


INTERACTION = re.compile(r"^cmi\.interactions\.(\d+)\.(.+)$")


def interactions(data: dict) -> list[dict]:
    """``cmi.interactions.n.*`` as one dict per interaction, in order."""
    found: dict[int, dict] = {}
    for key, value in data.items():
        match = INTERACTION.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [found[i] for i in sorted(found)]


def attempt_detail(package: ScormPackage, attempt_id: int) -> dict | None:
    attempt = db.session.get(ScormAttempt, attempt_id)
    if attempt is None or attempt.sco.package_id != package.id:
        return None
    return {
        "attempt": attempt,
        "learner": db.session.get(User, attempt.user_id),
        "interactions": interactions(attempt.data or {}),
        "elements": sorted((k, v) for k, v in (attempt.data or {}).items() if not INTERACTION.match(k)),
    }


def duration(seconds: float | None) -> str:
    seconds = int(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def status_label(value: str) -> str:
    """A SCORM status word in the reader's language (unknown words as they are)."""
    from flask_babel import gettext as _

    labels = {
        "not attempted": _("not attempted"),
        "incomplete": _("incomplete"),
        "completed": _("completed"),
        "passed": _("passed"),
        "failed": _("failed"),
        "browsed": _("browsed"),
        "unknown": _("unknown"),
    }
    return labels.get(value, value)
