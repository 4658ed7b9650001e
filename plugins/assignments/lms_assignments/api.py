"""The JSON API under ``/api/v1/assignments``, with the same permissions as the pages.

Authenticate with a personal token (``Authorization: Bearer ...``) or the session
(then unsafe methods need the ``X-CSRFToken`` header, as in the core's API). Errors
are ``{"error": {"code", "message", "fields"?}}`` with a stable ``code``. Every route is
described in ``openapi.py``.
Times are ISO 8601 in UTC; times sent must carry their offset.
"""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_babel import gettext as _

from lms_core.models import Course, User
from lms_core import ServiceError, api_blueprint, can, current_user, db
from lms_core.api import validation as v

from lms_assignments import anonymity, authoring, deadlines, grading, submissions as submission_service
from lms_assignments.models import Assignment, Submission, SubmissionFile

# The core's checks for every API call: token or session, the CSRF header for cookie
# clients, a 1 MiB cap on JSON bodies (hand-ins, sent as multipart, keep the site's
# upload limit).
bp = api_blueprint("assignments_api", __name__, url_prefix="/api/v1/assignments")


def _iso(value):
    return value.isoformat() if value is not None else None


def _user() -> User:
    if not current_user:
        abort(401)
    return current_user


def _allow(action: str, target) -> None:
    if not can(_user(), action, target):
        abort(403)


# JSON bodies are checked field by field with the core's rules (types, 64-bit
# integers, finite numbers, lengths of the columns) before ``authoring`` judges the
# values, so ``"published": "maybe"`` is refused instead of read as false.
TITLE, LONG_TEXT = v.text(200), v.text(100_000, blank=True)
LEVEL = v.object_of({"title": TITLE, "points": v.number(0, 10000), "id": v.integer(1)}, required=("title", "points"))
CRITERION = v.object_of(
    {"title": TITLE, "levels": v.list_of(LEVEL, 20), "id": v.integer(1)}, required=("title", "levels")
)
ASSIGNMENT_RULES = {
    "course_id": v.integer(1),
    "title": TITLE,
    "description": LONG_TEXT,
    "published": v.boolean,
    "required": v.boolean,
    "anonymous": v.boolean,
    "opens_at": v.nullable(v.aware_datetime),
    "due_at": v.aware_datetime,
    "grading_mode": v.choice("points", "rubric"),
    "max_points": v.number(),
    "pass_points": v.number(),
    "accepts_files": v.boolean,
    "accepts_links": v.boolean,
    "accepts_text": v.boolean,
    "allowed_extensions": v.list_of(v.text(16), 50),
    "max_file_size": v.integer(),
    "max_files": v.integer(),
    "max_attempts": v.nullable(v.integer()),
    "late_policy": v.choice("refuse", "penalty"),
    "late_penalty_percent": v.number(),
    "late_cutoff_at": v.nullable(v.aware_datetime),
    "reminder_hours": v.list_of(v.integer(), 20),
    "rubric": v.list_of(CRITERION, 50),
}
EXTENSION_RULES = {"due_at": v.aware_datetime}
RETURN_RULES = {"comment": LONG_TEXT, "new_due_at": v.nullable(v.aware_datetime)}
GRADE_RULES = {"points": v.number(), "levels": v.id_mapping(v.integer(1)), "comment": LONG_TEXT, "release": v.boolean}
HAND_IN_RULES = {
    "text": LONG_TEXT,
    "links": v.list_of(v.text(2000), 20),
    "remove_files": v.list_of(v.integer(1), 100),
    "submit": v.boolean,
}


def _body(rules: dict | None = None, required=()) -> dict:
    """The JSON body checked against ``rules``, or the posted form (which the pages'
    own parsing in ``authoring`` reads)."""
    if request.mimetype == "application/json" or rules is not None and not request.form:
        return v.read_body(rules or {}, required)
    return request.form.to_dict()


# --------------------------------------------------------------------------- representations


def assignment_json(assignment: Assignment, viewer: User) -> dict:
    data = {
        "id": assignment.id,
        "course_id": assignment.course_id,
        "title": assignment.title,
        "description": assignment.description,
        "published": assignment.published,
        "required": assignment.required,
        "opens_at": _iso(assignment.opens_at),
        "due_at": _iso(assignment.due_at),
        "grading_mode": assignment.grading_mode,
        "max_points": assignment.max_points,
        "pass_points": assignment.pass_points,
        "accepts_files": assignment.accepts_files,
        "allowed_extensions": assignment.allowed_extensions,
        "max_file_size": assignment.max_file_size,
        "max_files": assignment.max_files,
        "accepts_links": assignment.accepts_links,
        "accepts_text": assignment.accepts_text,
        "max_attempts": assignment.max_attempts,
        "late_policy": assignment.late_policy,
        "late_penalty_percent": assignment.late_penalty_percent,
        "late_cutoff_at": _iso(assignment.late_cutoff_at),
        "anonymous": assignment.anonymous,
        "reminder_hours": assignment.reminder_hours,
        "rubric": [
            {
                "id": c.id,
                "title": c.title,
                "levels": [{"id": lv.id, "title": lv.title, "points": lv.points} for lv in c.levels],
            }
            for c in assignment.criteria
        ],
    }
    if not can(viewer, "assignments.grade", assignment):
        deadline = deadlines.student_deadline(assignment, viewer.id)
        data["my"] = {
            "due_at": _iso(deadline.due_at),
            "cutoff_at": _iso(deadline.cutoff_at),
            "extended": deadline.extended,
            "state": submission_service.student_state(assignment, viewer.id),
            "attempts_left": submission_service.attempts_left(assignment, viewer.id),
        }
    return data


def submission_json(submission: Submission, viewer: User) -> dict:
    staff = can(viewer, "assignments.grade", submission.assignment)
    grade = submission.grade
    hidden = staff and anonymity.hides_name(submission)
    data = {
        "id": submission.id,
        "assignment_id": submission.assignment_id,
        "number": submission.number,
        "status": submission.status,
        "created_at": _iso(submission.created_at),
        "submitted_at": _iso(submission.submitted_at),
        "late_days": submission.late_days,
        "returned_at": _iso(submission.returned_at),
        "return_comment": submission.return_comment,
        "student": (
            {"pseudonym": anonymity.pseudonym(submission.assignment_id, submission.user_id)}
            if hidden
            else {"id": submission.user_id, "name": submission.user.name}
        ),
        "text": submission.text,
        "files": [
            {"id": f.id, "name": f.original_name, "size": f.size, "content_type": f.content_type, "sha256": f.sha256}
            for f in submission.files
        ],
        "links": [
            {
                "url": link.url,
                "host": link.host,
                "repository": link.repository,
                "branch": link.branch,
                "path": link.path,
                "commit": link.commit_sha,
                "state": link.state,
            }
            for link in submission.links
        ],
        "grade": None,
    }
    if grade is not None and (staff or grade.released_at is not None):
        data["grade"] = {
            "points": grade.points,
            "raw_points": grade.raw_points,
            "penalty_points": grade.penalty_points,
            "max_points": submission.assignment.max_points,
            "rubric": grade.rubric,
            "comment": grade.comment,
            "graded_at": _iso(grade.graded_at),
            "released_at": _iso(grade.released_at),
        }
    return data


# --------------------------------------------------------------------------- assignments


@bp.get("")
def list_assignments():
    viewer = _user()
    course = db.get_or_404(Course, v.int_arg("course", 0))
    staff = can(viewer, "assignments.manage", course)
    items = [
        a
        for a in authoring.course_assignments(course.id, include_unpublished=staff)
        if staff or can(viewer, "assignments.view", a)
    ]
    if not staff and not items and not can(viewer, "course.follow", course):
        abort(403)
    return jsonify({"assignments": [assignment_json(a, viewer) for a in items]})


@bp.post("")
def create_assignment():
    _user()
    data = _body(ASSIGNMENT_RULES, required=("course_id",))
    course_id = data.get("course_id")
    course = db.get_or_404(
        Course, course_id if isinstance(course_id, int) else int(course_id) if v.is_id(course_id) else 0
    )
    _allow("assignments.manage", course)
    assignment = authoring.create_assignment(_user(), course, data)
    return jsonify(assignment_json(assignment, _user())), 201


@bp.get("/<int:assignment_id>")
def get_assignment(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.view", assignment)
    return jsonify(assignment_json(assignment, _user()))


@bp.patch("/<int:assignment_id>")
def update_assignment(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.manage", assignment.course)
    data = _body(ASSIGNMENT_RULES)
    try:
        authoring.update_assignment(_user(), assignment, data)
    except ServiceError:
        db.session.rollback()
        raise
    return jsonify(assignment_json(assignment, _user()))


@bp.delete("/<int:assignment_id>")
def delete_assignment(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.manage", assignment.course)
    authoring.delete_assignment(assignment)
    return "", 204


@bp.put("/<int:assignment_id>/extensions/<int:user_id>")
def set_extension(assignment_id, user_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.manage", assignment.course)
    errors = {}
    due = authoring.parse_datetime(_body(EXTENSION_RULES, required=("due_at",)).get("due_at"), "due_at", errors)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    extension = authoring.set_extension(_user(), assignment, db.session.get(User, user_id), due)
    return jsonify({"user_id": user_id, "due_at": _iso(extension.due_at)})


@bp.delete("/<int:assignment_id>/extensions/<int:user_id>")
def remove_extension(assignment_id, user_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.manage", assignment.course)
    if not authoring.remove_extension(assignment, user_id):
        abort(404)
    return "", 204


# --------------------------------------------------------------------------- submissions


@bp.get("/<int:assignment_id>/submissions")
def list_submissions(assignment_id):
    """Staff: the grading queue (``state``, ``sort=newest``); a student: their attempts."""
    assignment = db.get_or_404(Assignment, assignment_id)
    viewer = _user()
    if can(viewer, "assignments.grade", assignment):
        state = request.args.get("state", "all")
        if state not in submission_service.QUEUE_STATES:
            raise ServiceError("invalid_state", _("Unknown state."), 400)
        rows = submission_service.queue(assignment, state, request.args.get("sort") == "newest")
    else:
        _allow("assignments.view", assignment)
        rows = submission_service.history(assignment.id, viewer.id)
    return jsonify({"submissions": [submission_json(s, viewer) for s in rows]})


@bp.post("/<int:assignment_id>/submissions")
def hand_in(assignment_id):
    """Save a draft or hand in: ``text``, ``links`` (a list, or one a line),
    ``files`` (multipart), ``remove_files`` and ``submit`` (true to hand in)."""
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.submit", assignment)
    data = _body(HAND_IN_RULES) if request.mimetype == "application/json" else _body()
    if request.mimetype == "application/json":
        links, remove = data.get("links"), data.get("remove_files") or []
    else:
        links = request.form.getlist("links") if "links" in request.form else None
        remove = request.form.getlist("remove_files")
    if isinstance(links, str):
        links = links.splitlines()
    if links is not None and not isinstance(links, list):
        raise ServiceError("invalid", _("links must be a list of web addresses."), 400)
    if not isinstance(remove, list):
        raise ServiceError("invalid", _("remove_files must be a list of file ids."), 400)
    text = data.get("text")
    if text is not None and not isinstance(text, str):
        raise ServiceError("invalid", _("text must be a string."), 400)
    try:
        submit = v.form_boolean(data.get("submit", False))
    except v.FieldError as exc:
        raise v.invalid({"submit": str(exc)}) from None
    submission = submission_service.save(
        _user(),
        assignment,
        text=text,
        links=[str(link) for link in links] if links is not None else None,
        uploads=request.files.getlist("files"),
        remove_file_ids=[int(i) for i in (remove or []) if str(i).isdecimal() and str(i).isascii()],
        submit=submit,
    )
    return jsonify(submission_json(submission, _user())), 201 if submit else 200


@bp.get("/submissions/<int:submission_id>")
def get_submission(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    _allow("assignments.submission.view", submission)
    return jsonify(submission_json(submission, _user()))


@bp.put("/submissions/<int:submission_id>/grade")
def grade(submission_id):
    """``{"points": 7.5}`` or ``{"levels": {criterion_id: level_id}}``, with an
    optional ``comment`` and ``release: true``."""
    submission = db.get_or_404(Submission, submission_id)
    _allow("assignments.grade", submission.assignment)
    data = _body(GRADE_RULES)
    levels = data.get("levels")
    if levels is not None and not isinstance(levels, dict):
        raise ServiceError("invalid", _("levels must map criterion ids to level ids."), 400)
    try:
        grading.grade_submission(
            _user(), submission, score=data.get("points"), levels=levels, comment=str(data.get("comment") or "")
        )
        if authoring.as_bool(data.get("release", False)):
            grading.release(submission)
    except ServiceError:
        db.session.rollback()
        raise
    return jsonify(submission_json(submission, _user()))


@bp.post("/submissions/<int:submission_id>/release")
def release(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    _allow("assignments.grade", submission.assignment)
    grading.release(submission)
    return jsonify(submission_json(submission, _user()))


@bp.post("/<int:assignment_id>/release")
def release_all(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    _allow("assignments.grade", assignment)
    return jsonify({"released": grading.release_all(assignment)})


@bp.post("/submissions/<int:submission_id>/return")
def return_submission(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    _allow("assignments.grade", submission.assignment)
    data = _body(RETURN_RULES)
    errors = {}
    new_due = authoring.parse_datetime(data.get("new_due_at"), "new_due_at", errors, optional=True)
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    try:
        grading.return_for_resubmission(_user(), submission, str(data.get("comment") or ""), new_due)
    except ServiceError:
        db.session.rollback()
        raise
    return jsonify(submission_json(submission, _user()))


@bp.get("/files/<int:file_id>")
def download(file_id):
    from lms_assignments.views import send_stored_file

    file_row = db.get_or_404(SubmissionFile, file_id)
    _allow("assignments.file.download", file_row)
    return send_stored_file(file_row)
