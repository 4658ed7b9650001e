"""The assignment pages: teachers create, grade and release; students hand in and
read their grades."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from lms_core import (
    ServiceError,
    can,
    current_user,
    db,
    login_required,
    mark_form_errors,
    require,
    select_timezone,
    send_upload,
)
from lms_core.models import Course, Enrollment, User

from lms_assignments import (
    anonymity,
    authoring,
    deadlines,
    filetypes,
    grading,
    storage,
    submissions as submission_service,
)
from lms_assignments.forms import AssignmentForm, ExtensionForm, TranslationForm
from lms_assignments.models import Assignment, DeadlineExtension, Submission, SubmissionFile

bp = Blueprint("assignments", __name__, url_prefix="/assignments", template_folder="templates")


# Worded when asked for, one at a time: a grading queue asks for a label per row.
_STATE_LABELS = {
    "not_started": lambda: _("Not started"),
    "draft": lambda: _("Draft saved"),
    "submitted": lambda: _("Handed in"),
    "late": lambda: _("Handed in late"),
    "returned": lambda: _("Returned for resubmission"),
    "graded": lambda: _("Graded"),
    "missing": lambda: _("Not handed in"),
    "to_grade": lambda: _("To grade"),
    "released": lambda: _("Grade released"),
    "all": lambda: _("All"),
}


@bp.app_template_global()
def assignment_state_label(state: str) -> str:
    label = _STATE_LABELS.get(state)
    return label() if label is not None else state


@bp.app_template_global()
def assignment_student_label(submission) -> str:
    return anonymity.student_label(submission)


@bp.app_template_global()
def assignment_points(value) -> str:
    from flask_babel import format_decimal

    return format_decimal(value, "#,##0.##") if value is not None else ""


@bp.app_template_global()
def assignment_now():
    from lms_core.models import utcnow

    return utcnow()


@bp.app_template_global()
def assignment_size(size: int) -> str:
    return storage.human_size(size)


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    message = _(
        "The upload is larger than %(limit)s in total. Hand in fewer or smaller files.", limit=storage.human_size(limit)
    )
    return render_template("errors/error.html", status=413, message=message), 413


# --------------------------------------------------------------------------- hand-in notices


@bp.route("/notices", methods=["GET", "POST"])
@login_required
def notices():
    """A teacher chooses: a notification for each hand-in, or a daily summary."""
    from lms_assignments import notices as notice_service

    if current_user.role not in ("teacher", "admin"):
        abort(403)
    error = None
    status = 200
    if request.method == "POST":
        try:
            notice_service.set_mode(current_user, request.form.get("mode", ""))
        except ServiceError as exc:
            error, status = exc.fields.get("mode", exc.message), 400
        else:
            flash(_("Your choice was saved."), "success")
            return redirect(url_for("assignments.notices")), 303
    return render_template(
        "assignments/notices.html", mode=notice_service.mode_of(current_user.id), error=error
    ), status


# --------------------------------------------------------------------------- lists


@bp.route("/course/<int:course_id>")
@login_required
def course_list(course_id):
    from lms_core.api.access import find_course

    course = find_course(course_id)  # with the viewer's enrolment: the checks below ask no query each
    staff = can(current_user, "assignments.manage", course)
    items = authoring.course_assignments(course.id, include_unpublished=staff)
    states, deadlines_for = {}, {}
    if not staff:
        items = [a for a in items if can(current_user, "assignments.view", a)]
        if not items and not can(current_user, "course.follow", course):
            abort(403)
        # every assignment's deadline and state in two queries, not two each
        for assignment, (deadline, state) in zip(
            items, submission_service.deadlines_and_states(items, current_user.id)
        ):
            deadlines_for[assignment.id], states[assignment.id] = deadline, state
    return render_template(
        "assignments/course.html",
        course=course,
        assignments=items,
        staff=staff,
        states=states,
        deadlines_for=deadlines_for,
    )


# --------------------------------------------------------------------------- authoring


def _local(value):
    return deadlines.utc_to_local(value, select_timezone())


def _form_data(form: AssignmentForm, assignment: Assignment | None = None) -> dict:
    """The form's values for ``authoring``; local times become UTC, or a field error.
    A time the form shows to the minute and sends back unchanged keeps its seconds, so
    saving other settings never moves a deadline (and never re-sends its reminders)."""
    zone_name = select_timezone()
    data = {
        "title": form.title.data,
        "description": form.description.data or "",
        "grading_mode": form.grading_mode.data,
        "pass_points": form.pass_points.data or 0,
        "required": form.required.data,
        "accepts_files": form.accepts_files.data,
        "allowed_extensions": form.allowed_extensions.data or "",
        "max_files": form.max_files.data,
        "accepts_links": form.accepts_links.data,
        "accepts_text": form.accepts_text.data,
        "max_attempts": form.max_attempts.data,
        "late_policy": form.late_policy.data,
        "late_penalty_percent": form.late_penalty_percent.data or 0,
        "anonymous": form.anonymous.data,
        "reminder_hours": form.reminder_hours.data or "",
        "published": form.published.data,
        "max_file_size": int((form.max_file_size_mb.data or Decimal(10)) * 1024 * 1024),
    }
    if form.grading_mode.data == "rubric":
        data["rubric"] = form.rubric.data or ""
    else:
        data["max_points"] = form.max_points.data if form.max_points.data is not None else ""
    errors = {}
    for name in ("opens_at", "due_at", "late_cutoff_at"):
        value = getattr(form, name).data
        current = getattr(assignment, name) if assignment is not None else None
        shown = deadlines.utc_to_local(current, zone_name)
        if current is not None and value is not None and shown.replace(second=0, microsecond=0) == value:
            data[name] = current
            continue
        try:
            data[name] = deadlines.local_to_utc(value, zone_name) if value else None
        except deadlines.NonexistentLocalTime:
            errors[name] = _("This time does not exist in your time zone (the clocks change). Pick another.")
    if errors:
        raise ServiceError("invalid", _("Please correct the marked fields."), 400, errors)
    return data


def _show_errors(form, exc: ServiceError) -> None:
    mark_form_errors(form, exc, aliases={"max_file_size": "max_file_size_mb"})
    flash(exc.message, "error")


@bp.route("/course/<int:course_id>/new", methods=["GET", "POST"])
@login_required
def create(course_id):
    course = db.get_or_404(Course, course_id)
    require("assignments.manage", course)
    form = AssignmentForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            assignment = authoring.create_assignment(current_user, course, _form_data(form))
        except ServiceError as exc:
            _show_errors(form, exc)
            status = exc.status
        else:
            flash(_("Assignment created."), "success")
            return redirect(url_for("assignments.assignment", assignment_id=assignment.id)), 303
    return render_template(
        "assignments/form.html",
        form=form,
        course=course,
        assignment=None,
        time_zone=select_timezone(),
        known_types=sorted(filetypes.FILE_TYPES),
    ), status


@bp.route("/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.manage", assignment.course)
    form = AssignmentForm(obj=None if request.method == "POST" else assignment)
    if request.method == "GET":
        form.opens_at.data = _local(assignment.opens_at)
        form.due_at.data = _local(assignment.due_at)
        form.late_cutoff_at.data = _local(assignment.late_cutoff_at)
        form.rubric.data = authoring.rubric_text(assignment)
        form.allowed_extensions.data = ", ".join(assignment.allowed_extensions)
        form.max_file_size_mb.data = Decimal(assignment.max_file_size) / (1024 * 1024)
        form.reminder_hours.data = ", ".join(str(h) for h in assignment.reminder_hours)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            authoring.update_assignment(current_user, assignment, _form_data(form, assignment))
        except ServiceError as exc:
            db.session.rollback()
            _show_errors(form, exc)
            status = exc.status
        else:
            flash(_("Assignment saved."), "success")
            return redirect(url_for("assignments.assignment", assignment_id=assignment.id)), 303
    return render_template(
        "assignments/form.html",
        form=form,
        course=assignment.course,
        assignment=assignment,
        time_zone=select_timezone(),
        known_types=sorted(filetypes.FILE_TYPES),
    ), status


@bp.route("/<int:assignment_id>/delete", methods=["POST"])
@login_required
def delete(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    course = assignment.course
    require("assignments.manage", course)
    authoring.delete_assignment(assignment)
    flash(_("Assignment deleted."), "success")
    return redirect(url_for("assignments.course_list", course_id=course.id)), 303


@bp.route("/<int:assignment_id>/translations", methods=["GET", "POST"])
@login_required
def translations(assignment_id):
    from lms_core import language_names
    from lms_core.models import Translation

    assignment = db.get_or_404(Assignment, assignment_id)
    course = assignment.course
    require("assignments.manage", course)
    form = TranslationForm()
    form.language.choices = [
        SelectChoice(code, name) for code, name in language_names().items() if code != course.default_language
    ]
    if form.validate_on_submit():
        try:
            authoring.set_translations(
                assignment, form.language.data, form.title.data or "", form.description.data or ""
            )
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Translation saved."), "success")
            return redirect(url_for("assignments.translations", assignment_id=assignment.id)), 303
    rows = db.session.execute(
        db.select(Translation).where(
            Translation.object_type == Assignment.__tablename__, Translation.object_id == assignment.id
        )
    ).scalars()
    existing = {}
    for row in rows:
        existing.setdefault(row.language, {})[row.field] = row.text
    return render_template(
        "assignments/translations.html", form=form, assignment=assignment, course=course, existing=existing
    )


# --------------------------------------------------------------------------- one assignment


def _assignment_page(assignment, status=200, error=None, posted=None):
    course = assignment.course
    staff = can(current_user, "assignments.grade", assignment)
    # ?preview=1: a teacher sees the page as a learner does, nothing can be handed in.
    preview = staff and request.args.get("preview") == "1"
    staff = staff and not preview
    context = {
        "assignment": assignment,
        "course": course,
        "staff": staff,
        "preview": preview,
        "error": error,
        "posted": posted,
        "featured": None,
    }
    # Each field's problems (one a line in the error's fields) are shown at the field;
    # those of a field the form does not have (links to an assignment without links)
    # in the message at the top, so every problem is shown once.
    on_form = {"files": assignment.accepts_files, "links": assignment.accepts_links, "text": assignment.accepts_text}
    problems = {name: str(text).splitlines() for name, text in (error.fields if error else {}).items()}
    context["field_errors"] = {name: lines for name, lines in problems.items() if on_form.get(name)}
    context["other_errors"] = [line for name, lines in problems.items() if not on_form.get(name) for line in lines]
    if staff:
        counts = submission_service.queue_counts(assignment)
        enrolled = db.session.execute(
            db.select(db.func.count(Enrollment.id)).where(
                Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed"))
            )
        ).scalar_one()
        context.update(counts=counts, enrolled=enrolled)
    else:
        context.update(
            deadline=deadlines.student_deadline(assignment, current_user.id),
            state=submission_service.student_state(assignment, current_user.id),
            draft=submission_service.draft_of(assignment.id, current_user.id),
            history=list(reversed(submission_service.history(assignment.id, current_user.id))),
            attempts_left=submission_service.attempts_left(assignment, current_user.id),
            closed_reason=submission_service.can_hand_in(assignment, current_user.id),
        )
        # Once graded, the newest released grade and its feedback come first on the page.
        context["featured"] = next((a for a in context["history"] if a.grade and a.grade.released_at), None)
    return render_template("assignments/assignment.html", **context), status


@bp.route("/<int:assignment_id>")
@login_required
def assignment(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.view", assignment)
    return _assignment_page(assignment)


@bp.route("/<int:assignment_id>/hand-in", methods=["POST"])
@login_required
def hand_in(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.submit", assignment)
    submit = request.form.get("action") == "submit"
    links = request.form.get("links")
    try:
        submission = submission_service.save(
            current_user,
            assignment,
            text=request.form.get("text"),
            links=links.splitlines() if links is not None else None,
            uploads=request.files.getlist("files"),
            remove_file_ids=_ids(request.form.getlist("remove_file")),
            submit=submit,
        )
    except ServiceError as exc:
        return _assignment_page(assignment, exc.status, exc, posted=request.form)
    if submit:
        flash(_("Handed in. Attempt %(number)d is with your teacher.", number=submission.number), "success")
    else:
        flash(_("Draft saved. It is not handed in yet."), "success")
    return redirect(url_for("assignments.assignment", assignment_id=assignment.id)), 303


def _is_id(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdecimal()


def _ids(values) -> list[int]:
    return [int(v) for v in values if _is_id(str(v))]


# --------------------------------------------------------------------------- grading


@bp.route("/<int:assignment_id>/queue")
@login_required
def grading_queue(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.grade", assignment)
    state = request.args.get("state", "all")
    if state not in submission_service.QUEUE_STATES:
        state = "all"
    newest_first = request.args.get("sort") == "newest"
    page = max(request.args.get("page", 1, type=int), 1)
    rows, has_next = submission_service.queue_page(assignment, state, newest_first, page)
    return render_template(
        "assignments/queue.html",
        assignment=assignment,
        course=assignment.course,
        rows=rows,
        state=state,
        newest_first=newest_first,
        states=submission_service.QUEUE_STATES,
        page=page,
        has_next=has_next,
        graded_count=submission_service.queue_counts(assignment)["graded"],
    )


def _submission_page(submission, status=200, error=None):
    assignment = submission.assignment
    staff = can(current_user, "assignments.grade", assignment)
    if not staff and submission.status == "draft":
        return redirect(url_for("assignments.assignment", assignment_id=assignment.id)), 303
    grade = submission.grade
    visible_grade = grade if staff or (grade is not None and grade.released_at is not None) else None
    chosen = {item["criterion_id"]: item["level_id"] for item in (grade.rubric if grade else [])}
    if request.method == "POST":  # a refused grade keeps what the grader picked
        chosen = {
            int(k.split("-", 1)[1]): int(v)
            for k, v in request.form.items()
            if k.startswith("level-") and _is_id(k[6:]) and _is_id(v)
        }
    return render_template(
        "assignments/submission.html",
        submission=submission,
        assignment=assignment,
        course=assignment.course,
        staff=staff,
        grade=visible_grade,
        chosen=chosen,
        error=error,
        deadline=deadlines.student_deadline(assignment, submission.user_id),
        posted=request.form if request.method == "POST" else None,
    ), status


@bp.route("/submissions/<int:submission_id>")
@login_required
def submission(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    require("assignments.submission.view", submission)
    return _submission_page(submission)


@bp.route("/submissions/<int:submission_id>/grade", methods=["POST"])
@login_required
def grade(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    require("assignments.grade", submission.assignment)
    levels = {key.split("-", 1)[1]: value for key, value in request.form.items() if key.startswith("level-")}
    try:
        grading.grade_submission(
            current_user,
            submission,
            score=request.form.get("points"),
            levels=levels,
            comment=request.form.get("comment", ""),
        )
        if request.form.get("action") == "release":
            grading.release(submission)
    except ServiceError as exc:
        db.session.rollback()
        return _submission_page(submission, exc.status, exc)
    flash(_("Grade released.") if request.form.get("action") == "release" else _("Grade saved."), "success")
    return redirect(url_for("assignments.submission", submission_id=submission.id)), 303


@bp.route("/submissions/<int:submission_id>/release", methods=["POST"])
@login_required
def release(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    require("assignments.grade", submission.assignment)
    try:
        grading.release(submission)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Grade released."), "success")
    return redirect(url_for("assignments.submission", submission_id=submission.id)), 303


@bp.route("/<int:assignment_id>/release-all", methods=["POST"])
@login_required
def release_all(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.grade", assignment)
    count = grading.release_all(assignment)
    flash(ngettext("%(num)d grade released.", "%(num)d grades released.", count), "success")
    return redirect(url_for("assignments.grading_queue", assignment_id=assignment.id)), 303


@bp.route("/submissions/<int:submission_id>/return", methods=["POST"])
@login_required
def return_submission(submission_id):
    submission = db.get_or_404(Submission, submission_id)
    require("assignments.grade", submission.assignment)
    new_due = None
    raw = request.form.get("new_due_at", "").strip()
    try:
        if raw:
            from datetime import datetime

            try:
                new_due = deadlines.local_to_utc(datetime.fromisoformat(raw), select_timezone())
            except ValueError:
                raise ServiceError(
                    "invalid", _("Enter a date and time."), 400, {"new_due_at": _("Enter a date and time.")}
                ) from None
        grading.return_for_resubmission(current_user, submission, request.form.get("comment", ""), new_due)
    except ServiceError as exc:
        db.session.rollback()
        return _submission_page(submission, exc.status, exc)
    flash(_("Returned to the student for resubmission."), "success")
    return redirect(url_for("assignments.submission", submission_id=submission.id)), 303


# --------------------------------------------------------------------------- extensions


@bp.route("/<int:assignment_id>/extensions", methods=["GET", "POST"])
@login_required
def extensions(assignment_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.manage", assignment.course)
    students = (
        db.session.execute(
            db.select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == assignment.course_id, Enrollment.status.in_(("active", "completed")))
            .order_by(User.name)
        )
        .scalars()
        .all()
    )
    form = ExtensionForm()
    form.student_id.choices = [SelectChoice(s.id, f"{s.name} <{s.email}>") for s in students]
    status = 200
    if form.validate_on_submit():
        try:
            due = deadlines.local_to_utc(form.due_at.data, select_timezone())
            authoring.set_extension(current_user, assignment, db.session.get(User, form.student_id.data), due)
        except deadlines.NonexistentLocalTime:
            form.due_at.errors = [_("This time does not exist in your time zone (the clocks change). Pick another.")]
            status = 400
        except ServiceError as exc:
            db.session.rollback()
            _show_errors(form, exc)
            status = exc.status
        else:
            flash(_("Extension granted."), "success")
            return redirect(url_for("assignments.extensions", assignment_id=assignment.id)), 303
    elif request.method == "POST":
        status = 400
    rows = db.session.execute(
        db.select(DeadlineExtension, User)
        .join(User, User.id == DeadlineExtension.user_id)
        .where(DeadlineExtension.assignment_id == assignment.id)
        .order_by(DeadlineExtension.due_at)
    ).all()
    return render_template(
        "assignments/extensions.html", assignment=assignment, course=assignment.course, form=form, rows=rows
    ), status


@bp.route("/<int:assignment_id>/extensions/<int:user_id>/remove", methods=["POST"])
@login_required
def remove_extension(assignment_id, user_id):
    assignment = db.get_or_404(Assignment, assignment_id)
    require("assignments.manage", assignment.course)
    authoring.remove_extension(assignment, user_id)
    flash(_("Extension removed."), "success")
    return redirect(url_for("assignments.extensions", assignment_id=assignment.id)), 303


# --------------------------------------------------------------------------- files


def send_stored_file(file_row: SubmissionFile):
    path = storage.path_of(file_row.stored_name)
    if not path.is_file():
        abort(404)
    # Always a download with a safe type: a hand-in named .html/.js/.svg never runs here.
    return send_upload(path, file_row.original_name, file_row.content_type)


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id):
    file_row = db.get_or_404(SubmissionFile, file_id)
    require("assignments.file.download", file_row)
    return send_stored_file(file_row)
