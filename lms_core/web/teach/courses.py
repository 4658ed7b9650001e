"""The teacher's course list and a course's editor: fields, publication, outline, teachers."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms_core.api.validation import id_value
from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Course, CourseStaff, Enrollment, Lesson, Question, Quiz
from lms_core.services import ServiceError, courses
from lms_core.web.forms import CourseForm, StaffForm
from lms_core.web.teach.blueprint import bp
from lms_core.web.teach.editing import editable_course, failed, language_choices, mark_errors


@bp.route("/")
def index():
    require("course.create")
    form = CourseForm(default_language=current_app.config["LMS_DEFAULT_LANGUAGE"])
    form.default_language.choices = language_choices()
    return render_index(form)


COURSES_PER_PAGE = 50  # an administrator sees every course of the platform


def render_index(form, status: int = 200):
    query = db.select(Course)
    if not g.user.is_admin:
        query = query.join(CourseStaff, CourseStaff.course_id == Course.id).where(CourseStaff.user_id == g.user.id)
    total = db.session.execute(db.select(db.func.count()).select_from(query.subquery())).scalar_one()
    pages = max(-(-total // COURSES_PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    my_courses = (
        db.session.execute(
            query.order_by(Course.title, Course.id).limit(COURSES_PER_PAGE).offset((page - 1) * COURSES_PER_PAGE)
        )
        .scalars()
        .all()
    )
    ids = [c.id for c in my_courses]
    counts = {"lessons": {}, "quizzes": {}, "students": {}}
    if ids:
        for key, model, extra in (
            ("lessons", Lesson, ()),
            ("quizzes", Quiz, ()),
            ("students", Enrollment, (Enrollment.status.in_(("active", "completed")),)),
        ):
            counts[key] = dict(
                db.session.execute(
                    db.select(model.course_id, db.func.count(model.id))
                    .where(model.course_id.in_(ids), *extra)
                    .group_by(model.course_id)
                ).all()
            )
    return (
        render_template("teach/index.html", courses=my_courses, counts=counts, form=form, page=page, pages=pages),
        status,
    )


@bp.route("/courses", methods=["POST"])
def create_course():
    require("course.create")
    form = CourseForm()
    form.default_language.choices = language_choices()
    if not form.validate():
        return render_index(form, 400)
    try:
        course = courses.create_course(
            g.user,
            form.title.data,
            form.summary.data or "",
            form.default_language.data,
            slug=form.slug.data,
            published=form.published.data,
        )
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_index(form, failed(exc))
    flash(_("The course “%(title)s” was created. Now add lessons and quizzes.", title=course.title), "success")
    return redirect(url_for("teach.course", course_id=course.id)), 303


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id):
    course = editable_course(course_id)
    if request.method == "GET":
        form = CourseForm(obj=course)
        form.starts_at.data = _local_start(course)  # obj would give the UTC value
        form.default_language.choices = language_choices()
        return render_editor(course, form=form)
    return save_settings(course)


@bp.route("/courses/<int:course_id>/settings", methods=["GET", "POST"])
def settings(course_id):
    """The course's fields and its teachers, a tab of its own in the workspace."""
    course = editable_course(course_id)
    if request.method == "GET":
        return render_editor(course, view="settings")
    return save_settings(course)


def save_settings(course: Course):
    form = CourseForm()
    form.default_language.choices = language_choices()
    if not form.validate():
        return render_editor(course, form=form, status=400, view="settings")
    try:
        courses.update_course(
            course,
            form.title.data,
            form.summary.data or "",
            form.default_language.data,
            slug=form.slug.data,
            published=form.published.data,
            starts_at=_utc_start(form.starts_at.data),
        )
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_editor(course, form=form, status=failed(exc), view="settings")
    flash(_("The course was saved."), "success")
    return redirect(url_for("teach.settings", course_id=course.id)), 303


def _local_start(course: Course):
    """The course's start as the teacher reads it: naive, in their own time zone."""
    from flask_babel import to_user_timezone

    return to_user_timezone(course.starts_at).replace(tzinfo=None) if course.starts_at else None


def _utc_start(local):
    from datetime import timezone

    from flask_babel import to_utc

    return to_utc(local).replace(tzinfo=timezone.utc) if local else None


def render_editor(
    course: Course, form=None, staff_form=None, status: int = 200, view: str = "content", image_error: str = ""
):
    if form is None:
        form = CourseForm(obj=course, formdata=None)
        form.starts_at.data = _local_start(course)
        form.default_language.choices = language_choices()
    enrolled = db.session.execute(
        db.select(db.func.count(Enrollment.id)).where(
            Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed"))
        )
    ).scalar_one()
    # every quiz's number of questions in one query (not a load of each quiz's questions)
    questions = dict(
        db.session.execute(
            db.select(Question.quiz_id, db.func.count(Question.id))
            .join(Quiz, Quiz.id == Question.quiz_id)
            .where(Quiz.course_id == course.id)
            .group_by(Question.quiz_id)
        ).all()
    )
    return render_template(
        "teach/course.html",
        course=course,
        form=form,
        staff_form=staff_form or StaffForm(formdata=None),
        outline=courses.outline(course, include_unpublished=True),
        questions=questions,
        enrolled=enrolled,
        view=view,
        image=courses.course_image(course.id) if view == "settings" else None,
        image_error=image_error,
        image_max_mb=courses.IMAGE_MAX_BYTES // (1024 * 1024),
        image_box=courses.IMAGE_BOX,
    ), status


@bp.route("/courses/<int:course_id>/image", methods=["POST"])
def upload_image(course_id):
    """The course's picture in the catalogue (a form of its own on the settings tab)."""
    course = editable_course(course_id)
    upload = request.files.get("image")
    try:
        # One byte past the limit is enough to refuse a file without reading it all.
        courses.set_course_image(course, upload.read(courses.IMAGE_MAX_BYTES + 1) if upload else b"")
    except ServiceError as exc:
        return render_editor(
            course, status=failed(exc), view="settings", image_error=exc.fields.get("image", exc.message)
        )
    flash(_("The course picture was saved."), "success")
    return redirect(url_for("teach.settings", course_id=course.id, _anchor="course-image")), 303


@bp.route("/courses/<int:course_id>/image/remove", methods=["POST"])
def remove_image(course_id):
    course = editable_course(course_id)
    if courses.remove_course_image(course):
        flash(_("The course picture was removed: the catalogue shows a placeholder."), "success")
    return redirect(url_for("teach.settings", course_id=course.id, _anchor="course-image")), 303


@bp.route("/courses/<int:course_id>/publish", methods=["POST"])
def publish(course_id):
    course = editable_course(course_id)
    published = request.form.get("published") == "1"
    courses.set_course_published(course, published)
    flash(_("The course is published.") if published else _("The course is no longer published."), "success")
    return redirect(url_for("teach.course", course_id=course.id)), 303


@bp.route("/courses/<int:course_id>/outline/move", methods=["POST"])
def move(course_id):
    course = editable_course(course_id)
    model = {"lesson": Lesson, "quiz": Quiz}.get(request.form.get("kind", ""))
    item = db.session.get(model, request.form.get("id", type=id_value) or 0) if model else None
    if item is None or item.course_id != course.id:
        abort(404)
    courses.move_in_outline(course, item, -1 if request.form.get("direction") == "up" else 1)
    return redirect(url_for("teach.course", course_id=course.id, _anchor="outline")), 303


@bp.route("/courses/<int:course_id>/staff", methods=["POST"])
def add_staff(course_id):
    course = editable_course(course_id)
    staff_form = StaffForm()
    if not staff_form.validate():
        return render_editor(course, staff_form=staff_form, status=400, view="settings")
    try:
        member = courses.add_staff(course, staff_form.email.data)
    except ServiceError as exc:
        mark_errors(staff_form, exc)
        return render_editor(course, staff_form=staff_form, status=failed(exc), view="settings")
    flash(_("%(name)s now teaches this course.", name=member.user.name), "success")
    return redirect(url_for("teach.settings", course_id=course.id, _anchor="staff")), 303


@bp.route("/courses/<int:course_id>/staff/<int:user_id>/remove", methods=["POST"])
def remove_staff(course_id, user_id):
    course = editable_course(course_id)
    try:
        courses.remove_staff(course, user_id)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("teach.settings", course_id=course.id, _anchor="staff")), 303
    if user_id == g.user.id and not g.user.is_admin:
        flash(_("You no longer teach this course."), "success")
        return redirect(url_for("teach.index")), 303
    flash(_("The teacher was removed from the course."), "success")
    return redirect(url_for("teach.settings", course_id=course.id, _anchor="staff")), 303
