"""Teachers' side of an assignment: its settings, rubric, translations and the
per-student deadline extensions. The web form and the JSON API both call these."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import current_app, g
from flask_babel import gettext as _

from lms_core import set_translation, ServiceError, db
from lms_core.models import Course, User, utcnow

from lms_assignments import filetypes, storage
from lms_assignments.grading import points, rubric_max
from lms_assignments.models import (
    GRADING_MODES,
    LATE_POLICIES,
    Assignment,
    DeadlineExtension,
    RubricCriterion,
    RubricLevel,
    SentReminder,
    Submission,
    SubmissionFile,
    SubmissionGrade,
)

MAX_REMINDERS = 5
MAX_REMINDER_HOURS = 24 * 30
MAX_FILES_LIMIT = 20


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def _int(value, field, errors, minimum=None, maximum=None, optional=False):
    if value in (None, ""):
        if optional:
            return None
        errors[field] = _("Enter a whole number.")
        return None
    try:
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = _("Enter a whole number.")
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        errors[field] = _("Between %(min)s and %(max)s.", min=minimum, max=maximum)
        return None
    return number


def _decimal(value, field, errors, minimum=0, maximum=None):
    try:
        number = points(value)
    except Exception:  # noqa: BLE001 - any unparsable input is the same mistake
        errors[field] = _("Enter a number.")
        return None
    if number < minimum or (maximum is not None and number > maximum):
        errors[field] = _("Between %(min)s and %(max)s.", min=minimum, max=maximum)
        return None
    return number


def parse_datetime(value, field, errors, optional=False) -> datetime | None:
    if value in (None, ""):
        if not optional:
            errors[field] = _("Enter a date and time.")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            errors[field] = _("Enter a date and time.")
            return None
    if not isinstance(value, datetime):  # a number or a boolean from a JSON body
        errors[field] = _("Enter a date and time.")
        return None
    if value.tzinfo is None:
        errors[field] = _("Give the time zone of the date and time.")
        return None
    return value


def parse_rubric(value, errors) -> list[dict]:
    """Criteria as ``[{"title", "levels": [{"title", "points"}]}]`` from the API, or
    from the form's text: one criterion a line, ``Title | Level = points | ...``."""
    if isinstance(value, str):
        rows = []
        for number, line in enumerate(value.splitlines(), 1):
            if not line.strip():
                continue
            title, *levels = [part.strip() for part in line.split("|")]
            parsed = []
            for level in levels:
                name, sep, amount = level.rpartition("=")
                if not sep or not name.strip():
                    errors["rubric"] = _("Line %(n)d: write each level as “name = points”.", n=number)
                    return []
                parsed.append({"title": name.strip(), "points": amount.strip()})
            rows.append({"title": title, "levels": parsed})
        value = rows
    criteria = []
    for item in value or []:
        title = str((item or {}).get("title") or "").strip()
        levels = (item or {}).get("levels") or []
        if not title or len(title) > 200:
            errors["rubric"] = _("Every criterion needs a name (200 characters at most).")
            return []
        if len(levels) < 1:
            errors["rubric"] = _("“%(criterion)s” needs at least one level.", criterion=title)
            return []
        parsed = []
        for level in levels:
            name = str(level.get("title") or "").strip()
            amount = _decimal(level.get("points"), "rubric", errors, 0, 10000)
            if amount is None or not name or len(name) > 200:
                errors["rubric"] = _(
                    "In “%(criterion)s”, give every level a name and points of 0 or more.", criterion=title
                )
                return []
            parsed.append({"title": name, "points": amount})
        criteria.append({"title": title, "levels": parsed})
    return criteria


def rubric_text(assignment: Assignment) -> str:
    """The rubric in the form's one-line-per-criterion notation."""
    return "\n".join(
        " | ".join([c.title, *(f"{lv.title} = {_plain(lv.points)}" for lv in c.levels)]) for c in assignment.criteria
    )


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def validate(data: dict, assignment: Assignment | None = None) -> dict:
    """Checked settings ready to set on an ``Assignment``; raises ``ServiceError``
    with a message per field."""
    errors: dict[str, str] = {}
    current = assignment
    get = lambda key, default=None: data.get(key, getattr(current, key, default) if current else default)  # noqa: E731
    clean = {}
    title = str(get("title") or "").strip()
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is too long (200 characters at most).")
    clean["title"] = title
    clean["description"] = str(get("description") or "")
    clean["published"] = as_bool(get("published", True))
    clean["required"] = as_bool(get("required", True))
    clean["anonymous"] = as_bool(get("anonymous", False))
    clean["opens_at"] = parse_datetime(get("opens_at"), "opens_at", errors, optional=True)
    clean["due_at"] = parse_datetime(get("due_at"), "due_at", errors)
    if clean["opens_at"] and clean["due_at"] and clean["opens_at"] >= clean["due_at"]:
        errors["opens_at"] = _("The assignment must open before its deadline.")

    mode = get("grading_mode", "points")
    if mode not in GRADING_MODES:
        errors["grading_mode"] = _("Choose rubric or points.")
    clean["grading_mode"] = mode
    rubric = None
    if "rubric" in data or (mode == "rubric" and current is None):
        rubric = parse_rubric(data.get("rubric"), errors)
    if mode == "rubric":
        criteria = rubric if rubric is not None else current.criteria
        if not criteria and "rubric" not in errors:
            errors["rubric"] = _("Add at least one criterion to the rubric.")
        maximum = (
            sum((max(lv["points"] for lv in c["levels"]) for c in rubric), points(0))
            if rubric is not None
            else rubric_max(current.criteria)
        )
    else:
        maximum = _decimal(get("max_points", 100), "max_points", errors, points("0.01"), 100000)
    clean["max_points"] = float(maximum) if maximum is not None else None
    pass_points = _decimal(get("pass_points", 0), "pass_points", errors, 0)
    if pass_points is not None and maximum is not None and pass_points > maximum:
        errors["pass_points"] = _("The pass mark cannot be above the maximum points.")
    clean["pass_points"] = float(pass_points) if pass_points is not None else None

    clean["accepts_files"] = as_bool(get("accepts_files", True))
    clean["accepts_links"] = as_bool(get("accepts_links", True))
    clean["accepts_text"] = as_bool(get("accepts_text", True))
    if not (clean["accepts_files"] or clean["accepts_links"] or clean["accepts_text"]):
        errors["accepts_files"] = _("Accept at least one kind of hand-in: files, links or text.")
    extensions, unknown = filetypes.parse_extensions(get("allowed_extensions", filetypes.DEFAULT_EXTENSIONS))
    if unknown:
        errors["allowed_extensions"] = _(
            "Unknown file types: %(types)s. Known: %(known)s.",
            types=", ".join(unknown),
            known=", ".join(sorted(filetypes.FILE_TYPES)),
        )
    elif clean["accepts_files"] and not extensions:
        errors["allowed_extensions"] = _("List the file types students may hand in.")
    clean["allowed_extensions"] = extensions
    upload_limit = current_app.config.get("MAX_CONTENT_LENGTH") or 32 * 1024 * 1024
    clean["max_file_size"] = _int(get("max_file_size", 10 * 1024 * 1024), "max_file_size", errors, 1024, upload_limit)
    clean["max_files"] = _int(get("max_files", 5), "max_files", errors, 1, MAX_FILES_LIMIT)
    clean["max_attempts"] = _int(get("max_attempts"), "max_attempts", errors, 1, 100, optional=True)

    policy = get("late_policy", "refuse")
    if policy not in LATE_POLICIES:
        errors["late_policy"] = _("Choose how late hand-ins are treated.")
    clean["late_policy"] = policy
    percent = _decimal(get("late_penalty_percent", 0), "late_penalty_percent", errors, 0, 100)
    clean["late_penalty_percent"] = float(percent) if percent is not None else 0.0
    cutoff = parse_datetime(get("late_cutoff_at"), "late_cutoff_at", errors, optional=True)
    if policy == "penalty":
        if cutoff is None and "late_cutoff_at" not in errors:
            errors["late_cutoff_at"] = _("Give the last moment a late hand-in is accepted.")
        elif cutoff is not None and clean["due_at"] is not None and cutoff <= clean["due_at"]:
            errors["late_cutoff_at"] = _("The cut-off must come after the deadline.")
    clean["late_cutoff_at"] = cutoff if policy == "penalty" else None

    hours = get("reminder_hours", [24, 1])
    if isinstance(hours, str):
        hours = hours.replace(",", " ").split()
    reminder_hours = []
    for item in hours or []:
        value = _int(item, "reminder_hours", errors, 1, MAX_REMINDER_HOURS)
        if value is not None:
            reminder_hours.append(value)
    if len(set(reminder_hours)) > MAX_REMINDERS:
        errors["reminder_hours"] = _("At most %(n)d reminders.", n=MAX_REMINDERS)
    clean["reminder_hours"] = sorted(set(reminder_hours), reverse=True)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    clean["rubric"] = rubric
    return clean


def _apply(assignment: Assignment, clean: dict) -> None:
    rubric = clean.pop("rubric")
    for key, value in clean.items():
        setattr(assignment, key, value)
    if assignment.grading_mode == "points":
        assignment.criteria = []
    elif rubric is not None:
        assignment.criteria = [
            RubricCriterion(
                title=c["title"],
                position=i,
                levels=[
                    RubricLevel(title=lv["title"], points=float(lv["points"]), position=j)
                    for j, lv in enumerate(c["levels"])
                ],
            )
            for i, c in enumerate(rubric)
        ]


def create_assignment(teacher: User, course: Course, data: dict) -> Assignment:
    clean = validate(data)
    position = (
        db.session.execute(
            db.select(db.func.max(Assignment.position)).where(Assignment.course_id == course.id)
        ).scalar_one()
        or 0
    ) + 1
    assignment = Assignment(course_id=course.id, position=position)
    _apply(assignment, clean)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def has_grades(assignment: Assignment) -> bool:
    return (
        db.session.execute(
            db.select(SubmissionGrade.id)
            .join(Submission, Submission.id == SubmissionGrade.submission_id)
            .where(Submission.assignment_id == assignment.id)
            .limit(1)
        ).first()
        is not None
    )


def update_assignment(teacher: User, assignment: Assignment, data: dict) -> Assignment:
    """Change settings. A new deadline reschedules the reminders (they are keyed by
    deadline). Grading rules that existing grades were computed with cannot change."""
    clean = validate(data, assignment)
    if has_grades(assignment):
        locked = (
            clean["grading_mode"] != assignment.grading_mode
            or (clean["rubric"] is not None and clean["rubric"] != _rubric_data(assignment))
            or (clean["max_points"] != assignment.max_points)
        )
        if locked:
            message = _("The rubric and maximum points cannot change once attempts are graded.")
            raise ServiceError("grading_locked", message, 409, {"rubric": message})
        clean["rubric"] = None
    _apply(assignment, clean)
    db.session.commit()
    return assignment


def _rubric_data(assignment: Assignment) -> list[dict]:
    return [
        {"title": c.title, "levels": [{"title": lv.title, "points": points(lv.points)} for lv in c.levels]}
        for c in assignment.criteria
    ]


def delete_assignment(assignment: Assignment) -> None:
    """Delete the assignment with its submissions, files and translations."""
    stored = list(
        db.session.execute(
            db.select(SubmissionFile.stored_name)
            .join(Submission, Submission.id == SubmissionFile.submission_id)
            .where(Submission.assignment_id == assignment.id)
        ).scalars()
    )
    course = assignment.course
    for language in current_app.config["LMS_LANGUAGES"]:
        if language != course.default_language:
            for field in Assignment.translatable_fields:
                set_translation(course, assignment, field, language, "")
    db.session.execute(db.delete(SentReminder).where(SentReminder.assignment_id == assignment.id))
    db.session.delete(assignment)
    db.session.commit()
    storage.delete(stored)


def set_translations(assignment: Assignment, language: str, title: str, description: str) -> None:
    course = assignment.course
    set_translation(course, assignment, "title", language, title)
    set_translation(course, assignment, "description", language, description)
    db.session.commit()


def set_extension(
    teacher: User, assignment: Assignment, student: User, due_at: datetime, commit: bool = True
) -> DeadlineExtension:
    """Give one student a later deadline (replacing an earlier extension)."""
    from lms_core import is_enrolled

    if due_at is None or due_at.tzinfo is None:
        raise ServiceError("invalid", _("Enter a date and time."), 400, {"due_at": _("Enter a date and time.")})
    if due_at <= assignment.due_at:
        message = _("An extension must end after the deadline.")
        raise ServiceError("invalid_extension", message, 400, {"due_at": message})
    if student is None or not is_enrolled(student, assignment.course):
        raise ServiceError("not_enrolled", _("This student is not enrolled in the course."), 404)
    extension = db.session.execute(
        db.select(DeadlineExtension).where(
            DeadlineExtension.assignment_id == assignment.id, DeadlineExtension.user_id == student.id
        )
    ).scalar_one_or_none()
    if extension is None:
        extension = DeadlineExtension(assignment_id=assignment.id, user_id=student.id)
        db.session.add(extension)
    extension.due_at = due_at
    extension.granted_by = teacher.id
    extension.created_at = utcnow()
    if commit:
        db.session.commit()
    return extension


def remove_extension(assignment: Assignment, student_id: int) -> bool:
    removed = db.session.execute(
        db.delete(DeadlineExtension).where(
            DeadlineExtension.assignment_id == assignment.id, DeadlineExtension.user_id == student_id
        )
    ).rowcount
    db.session.commit()
    return bool(removed)


def course_assignments(course_id: int, include_unpublished: bool = False) -> list[Assignment]:
    query = db.select(Assignment).where(Assignment.course_id == course_id)
    if not include_unpublished:
        query = query.where(Assignment.published.is_(True))
    return list(db.session.execute(query.order_by(Assignment.due_at, Assignment.position)).scalars())


def course_assignments_in_transaction(course_id: int, also=()) -> list[Assignment]:
    """Every assignment of a course (drafts too), in deadline order, read once per
    database transaction: the course page's fragment and the completion requirements
    both need the list. A commit ends the transaction, so a change committed in between
    (this request's or another's) is always read afresh. ``also``: more courses to
    read in the same query (a dashboard of many courses)."""
    memo = g.setdefault("lms_assignments_by_course", {})
    session = db.session()
    transaction = session.get_transaction()
    hit = memo.get(course_id)
    if transaction is not None and hit is not None and hit[0] is transaction:
        return hit[1]
    wanted = sorted({course_id, *also})
    if len(wanted) == 1:
        items = {course_id: list(session.execute(_course_assignments_statement(), {"course_id": course_id}).scalars())}
    else:
        items = {c: [] for c in wanted}
        for assignment in session.execute(
            db.select(Assignment)
            .where(Assignment.course_id.in_(wanted))
            .order_by(Assignment.due_at, Assignment.position)
        ).scalars():
            items[assignment.course_id].append(assignment)
    for c, found in items.items():
        memo[c] = (session.get_transaction(), found)
    return items[course_id]


@cache
def _course_assignments_statement():
    """Built once: the course page runs it on every view."""
    return (
        db.select(Assignment)
        .where(Assignment.course_id == db.bindparam("course_id"))
        .order_by(Assignment.due_at, Assignment.position)
    )
