"""Authoring pages for teachers: courses, lessons, quizzes, translations, students.

Every page of a course checks ``course.edit`` (the students page ``course.view_students``);
changes go through ``lms_core.services.courses``, which validates everything before it
writes, so an invalid form answers 400 with the fields marked and nothing saved.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from wtforms.fields.choices import SelectChoice

from lms_core.api.validation import id_value
from lms_core.auth import login_required, require
from lms_core.extensions import db
from lms_core.i18n import language_names
from lms_core.models import Attempt, Course, CourseStaff, Enrollment, Lesson, Question, Quiz, Translation, User
from lms_core.services import ServiceError, activity, courses, progress
from lms_core.web.forms import CourseForm, LessonForm, QuestionForm, QuizForm, StaffForm

bp = Blueprint("teach", __name__, url_prefix="/teach")

STUDENTS_PER_PAGE = 50


@bp.before_request
@login_required
def signed_in():
    """Every page here needs a user; which user may do what is checked per page."""


# ------------------------------------------------------------------ helpers


def editable_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    return course


def mark_errors(form, exc: ServiceError) -> dict:
    """Put a service's field errors on the form's fields; returns them all, so a
    template can show those that belong to no single field (a question's options)."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and not hasattr(field, "entries"):
            field.errors = [*field.errors, message]
    return dict(exc.fields)


def failed(exc: ServiceError) -> int:
    """The status of a refused form: 400 unless the service said otherwise (409)."""
    return exc.status if exc.status in (400, 409) else 400


def language_choices():
    return [SelectChoice(code, name) for code, name in language_names().items()]


def format_duration(seconds: int) -> str:
    minutes = (seconds or 0) // 60
    if minutes < 1:
        return _("under a minute") if seconds else _("none")
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return _("%(minutes)d min", minutes=minutes)


# ------------------------------------------------------------------ courses


@bp.route("/")
def index():
    require("course.create")
    form = CourseForm(default_language=current_app.config["LMS_DEFAULT_LANGUAGE"])
    form.default_language.choices = language_choices()
    return render_index(form)


def render_index(form, status: int = 200):
    query = db.select(Course).order_by(Course.title)
    if not g.user.is_admin:
        query = query.join(CourseStaff, CourseStaff.course_id == Course.id).where(CourseStaff.user_id == g.user.id)
    my_courses = db.session.execute(query).scalars().all()
    ids = [c.id for c in my_courses]
    counts = {"lessons": {}, "quizzes": {}, "students": {}}
    if ids:
        for key, model, extra in (("lessons", Lesson, ()), ("quizzes", Quiz, ()),
                                  ("students", Enrollment, (Enrollment.status.in_(("active", "completed")),))):
            counts[key] = dict(db.session.execute(
                db.select(model.course_id, db.func.count(model.id)).where(model.course_id.in_(ids), *extra)
                .group_by(model.course_id)).all())
    return render_template("teach/index.html", courses=my_courses, counts=counts, form=form), status


@bp.route("/courses", methods=["POST"])
def create_course():
    require("course.create")
    form = CourseForm()
    form.default_language.choices = language_choices()
    if not form.validate():
        return render_index(form, 400)
    try:
        course = courses.create_course(g.user, form.title.data, form.summary.data or "", form.default_language.data,
                                       slug=form.slug.data, published=form.published.data)
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
        form.default_language.choices = language_choices()
        return render_editor(course, form=form)
    form = CourseForm()
    form.default_language.choices = language_choices()
    if not form.validate():
        return render_editor(course, form=form, status=400)
    try:
        courses.update_course(course, form.title.data, form.summary.data or "", form.default_language.data,
                              slug=form.slug.data, published=form.published.data)
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_editor(course, form=form, status=failed(exc))
    flash(_("The course was saved."), "success")
    return redirect(url_for("teach.course", course_id=course.id)), 303


def render_editor(course: Course, form=None, staff_form=None, status: int = 200):
    if form is None:
        form = CourseForm(obj=course, formdata=None)
        form.default_language.choices = language_choices()
    enrolled = db.session.execute(db.select(db.func.count(Enrollment.id)).where(
        Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed")))).scalar_one()
    return render_template("teach/course.html", course=course, form=form,
                           staff_form=staff_form or StaffForm(formdata=None),
                           outline=courses.outline(course, include_unpublished=True), enrolled=enrolled), status


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
        return render_editor(course, staff_form=staff_form, status=400)
    try:
        member = courses.add_staff(course, staff_form.email.data)
    except ServiceError as exc:
        mark_errors(staff_form, exc)
        return render_editor(course, staff_form=staff_form, status=failed(exc))
    flash(_("%(name)s now teaches this course.", name=member.user.name), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="staff")), 303


@bp.route("/courses/<int:course_id>/staff/<int:user_id>/remove", methods=["POST"])
def remove_staff(course_id, user_id):
    course = editable_course(course_id)
    try:
        courses.remove_staff(course, user_id)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("teach.course", course_id=course.id, _anchor="staff")), 303
    if user_id == g.user.id and not g.user.is_admin:
        flash(_("You no longer teach this course."), "success")
        return redirect(url_for("teach.index")), 303
    flash(_("The teacher was removed from the course."), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="staff")), 303


# ------------------------------------------------------------------ lessons


@bp.route("/courses/<int:course_id>/lessons/new", methods=["GET", "POST"])
def new_lesson(course_id):
    course = editable_course(course_id)
    form = LessonForm()
    if request.method == "GET":
        form.position.data = courses.next_position(course)
        return render_template("teach/lesson.html", course=course, lesson=None, form=form)
    if not form.validate():
        return render_template("teach/lesson.html", course=course, lesson=None, form=form), 400
    try:
        lesson = courses.create_lesson(course, form.title.data, form.body.data or "", form.position.data,
                                       form.published.data)
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/lesson.html", course=course, lesson=None, form=form), failed(exc)
    flash(_("The lesson was added."), "success")
    return redirect(url_for("teach.lesson", lesson_id=lesson.id)), 303


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
def lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    require("course.edit", lesson.course)
    if request.method == "GET":
        form = LessonForm(obj=lesson)
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form)
    form = LessonForm()
    if not form.validate():
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form), 400
    try:
        courses.update_lesson(lesson, form.title.data, form.body.data or "", form.position.data, form.published.data)
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/lesson.html", course=lesson.course, lesson=lesson, form=form), failed(exc)
    flash(_("The lesson was saved."), "success")
    return redirect(url_for("teach.lesson", lesson_id=lesson.id)), 303


@bp.route("/lessons/<int:lesson_id>/delete", methods=["POST"])
def delete_lesson(lesson_id):
    lesson = db.get_or_404(Lesson, lesson_id)
    course = lesson.course
    require("course.edit", course)
    title = lesson.title
    courses.delete_lesson(lesson)
    flash(_("The lesson “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="outline")), 303


# ------------------------------------------------------------------ quizzes


def quiz_settings(form) -> dict:
    return dict(title=form.title.data, description=form.description.data or "", pass_percent=form.pass_percent.data,
                max_attempts=form.max_attempts.data, time_limit_minutes=form.time_limit_minutes.data,
                position=form.position.data, published=form.published.data)


@bp.route("/courses/<int:course_id>/quizzes/new", methods=["GET", "POST"])
def new_quiz(course_id):
    course = editable_course(course_id)
    form = QuizForm()
    if request.method == "GET":
        form.position.data = courses.next_position(course)
        return render_template("teach/quiz.html", course=course, quiz=None, form=form)
    if not form.validate():
        return render_template("teach/quiz.html", course=course, quiz=None, form=form), 400
    try:
        quiz = courses.create_quiz(course, **quiz_settings(form))
    except ServiceError as exc:
        mark_errors(form, exc)
        return render_template("teach/quiz.html", course=course, quiz=None, form=form), failed(exc)
    flash(_("The quiz was added. Now add its questions."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id)), 303


@bp.route("/quizzes/<int:quiz_id>", methods=["GET", "POST"])
def quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    form = QuizForm(obj=quiz) if request.method == "GET" else QuizForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                courses.update_quiz(quiz, **quiz_settings(form))
            except ServiceError as exc:
                mark_errors(form, exc)
                status = failed(exc)
            else:
                flash(_("The quiz was saved."), "success")
                return redirect(url_for("teach.quiz", quiz_id=quiz.id)), 303
        else:
            status = 400
    return render_template("teach/quiz.html", course=quiz.course, quiz=quiz, form=form,
                           submitted=courses.attempt_count(quiz)), status


@bp.route("/quizzes/<int:quiz_id>/delete", methods=["POST"])
def delete_quiz(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    course = quiz.course
    require("course.edit", course)
    title = quiz.title
    courses.delete_quiz(quiz)
    flash(_("The quiz “%(title)s” was deleted.", title=title), "success")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="outline")), 303


# ------------------------------------------------------------------ questions


def question_input(form) -> dict:
    choices = []
    for entry in form.choices:
        raw_id = (entry.form.id.data or "").strip()
        choices.append((entry.form.text.data or "", entry.form.correct.data, int(raw_id) if raw_id.isdigit() else None))
    return dict(kind=form.kind.data, text=form.text.data or "", points=form.points.data, choices=choices,
                accepted_answers=(form.accepted_answers.data or "").splitlines(), position=form.position.data)


def pad_choices(form) -> None:
    """Leave two empty option rows (at least four rows) for new options."""
    filled = sum(1 for entry in form.choices if (entry.form.text.data or "").strip())
    while len(form.choices) < max(4, filled + 2):
        form.choices.append_entry()


def render_question(quiz, question, form, errors=None, status=200):
    pad_choices(form)
    return render_template("teach/question.html", course=quiz.course, quiz=quiz, question=question, form=form,
                           errors=errors or {}, submitted=courses.attempt_count(quiz)), status


@bp.route("/quizzes/<int:quiz_id>/questions/new", methods=["GET", "POST"])
def new_question(quiz_id):
    quiz = db.get_or_404(Quiz, quiz_id)
    require("course.edit", quiz.course)
    form = QuestionForm()
    if request.method == "GET":
        return render_question(quiz, None, form)
    if not form.validate():
        return render_question(quiz, None, form, status=400)
    try:
        courses.add_question(quiz, **question_input(form))
    except ServiceError as exc:
        return render_question(quiz, None, form, mark_errors(form, exc), failed(exc))
    flash(_("The question was added."), "success")
    if request.form.get("then") == "another":
        return redirect(url_for("teach.new_question", quiz_id=quiz.id)), 303
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
def question(question_id):
    question = db.get_or_404(Question, question_id)
    quiz = question.quiz
    require("course.edit", quiz.course)
    if request.method == "GET":
        form = QuestionForm(formdata=None, data={
            "kind": question.kind, "text": question.text, "points": question.points, "position": question.position,
            "accepted_answers": "\n".join(question.accepted_answers or []),
            "choices": [{"id": str(c.id), "text": c.text, "correct": c.correct} for c in question.choices],
        })
        return render_question(quiz, question, form)
    form = QuestionForm()
    if not form.validate():
        return render_question(quiz, question, form, status=400)
    try:
        courses.update_question(question, **question_input(form))
    except ServiceError as exc:
        return render_question(quiz, question, form, mark_errors(form, exc), failed(exc))
    flash(_("The question was saved."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
def delete_question(question_id):
    question = db.get_or_404(Question, question_id)
    quiz = question.quiz
    require("course.edit", quiz.course)
    courses.delete_question(question)
    flash(_("The question was deleted."), "success")
    return redirect(url_for("teach.quiz", quiz_id=quiz.id, _anchor="questions")), 303


# ------------------------------------------------------------------ translations

FIELD_NAMES = {"title": _l("Title"), "summary": _l("Summary"), "body": _l("Text"), "description": _l("Description"),
               "text": _l("Text")}


def describe(obj) -> str:
    """What a translatable object is, for a teacher reading a list of fields."""
    if isinstance(obj, Course):
        return _("Course")
    if isinstance(obj, Lesson):
        return _("Lesson “%(title)s”", title=obj.title)
    if isinstance(obj, Quiz):
        return _("Quiz “%(title)s”", title=obj.title)
    if isinstance(obj, Question):
        return _("Question %(number)d of the quiz “%(quiz)s”", number=obj.position, quiz=obj.quiz.title)
    return _("Option %(option)d of question %(number)d of the quiz “%(quiz)s”", option=obj.position,
             number=obj.question.position, quiz=obj.question.quiz.title)


def translation_groups(course: Course):
    """The course's translatable objects in the order a learner meets them, each with
    the fields that have a source text."""
    groups = [course]
    for item in courses.outline(course, include_unpublished=True):
        groups.append(item)
        if isinstance(item, Quiz):
            for question in item.questions:
                groups.append(question)
    for obj in groups:
        objects = [obj, *obj.choices] if isinstance(obj, Question) else [obj]
        fields = [(o, f) for o in objects for f in o.translatable_fields if (getattr(o, f) or "").strip()]
        if fields:
            yield obj, fields


@bp.route("/courses/<int:course_id>/translations")
def translations(course_id):
    course = editable_course(course_id)
    report = courses.translation_report(course)
    total = sum(len(fields) for _obj, fields in translation_groups(course))
    return render_template("teach/translations.html", course=course, report=report, total=total,
                           describe=describe, field_name=FIELD_NAMES.get, key=courses.translation_key)


@bp.route("/courses/<int:course_id>/translations/<language>", methods=["GET", "POST"])
def translate(course_id, language):
    course = editable_course(course_id)
    if language == course.default_language or language not in current_app.config["LMS_LANGUAGES"]:
        abort(404)
    groups = list(translation_groups(course))
    errors, status = {}, 200
    if request.method == "POST":
        entries = []
        for _obj, fields in groups:
            for obj, field in fields:
                key = courses.translation_key(obj, field)
                if f"text-{key}" in request.form:
                    entries.append((obj, field, request.form[f"text-{key}"], f"confirm-{key}" in request.form))
        try:
            changed = courses.save_translations(course, language, entries)
        except ServiceError as exc:
            errors, status = exc.fields, failed(exc)
        else:
            flash(ngettext("%(num)d translation was saved.", "%(num)d translations were saved.", changed)
                  if changed else _("Nothing changed."), "success")
            return redirect(url_for("teach.translate", course_id=course.id, language=language,
                                    todo=request.args.get("todo"))), 303
    stored = {(r.object_type, r.object_id, r.field): r for r in db.session.execute(db.select(Translation).where(
        Translation.course_id == course.id, Translation.language == language)).scalars()}
    sections = []
    only_todo = request.args.get("todo") == "1"
    for obj, fields in groups:
        rows = []
        for target, field in fields:
            key = courses.translation_key(target, field)
            source = getattr(target, field)
            row = stored.get((type(target).__tablename__, target.id, field))
            state = "missing" if row is None else (
                "current" if row.source_hash == Translation.hash_source(source) else "outdated")
            if only_todo and state == "current" and key not in errors:
                continue
            text = request.form.get(f"text-{key}", row.text if row else "") if errors else (row.text if row else "")
            label = FIELD_NAMES[field] if target is obj else _("Option %(number)d", number=target.position)
            rows.append({"key": key, "label": label, "source": source, "text": text, "state": state,
                         "long": field in ("body", "summary", "description") or isinstance(target, Question),
                         "error": errors.get(key)})
        if rows:
            sections.append({"heading": describe(obj), "rows": rows})
    return render_template("teach/translate.html", course=course, language=language, sections=sections,
                           only_todo=only_todo, has_errors=bool(errors)), status


# ------------------------------------------------------------------ students


@bp.route("/courses/<int:course_id>/students")
def students(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.view_students", course)
    total = db.session.execute(db.select(db.func.count(Enrollment.id)).where(
        Enrollment.course_id == course.id)).scalar_one()
    last_page = max((total + STUDENTS_PER_PAGE - 1) // STUDENTS_PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), last_page)
    rows = db.session.execute(
        db.select(Enrollment, User).join(User, User.id == Enrollment.user_id).where(Enrollment.course_id == course.id)
        .order_by(User.name, User.id).limit(STUDENTS_PER_PAGE).offset((page - 1) * STUDENTS_PER_PAGE)
    ).all()
    user_ids = [user.id for _enrollment, user in rows]
    attempts: dict[int, list[Attempt]] = {}
    if user_ids:
        for attempt in db.session.execute(
                db.select(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
                .where(Quiz.course_id == course.id, Attempt.user_id.in_(user_ids))
                .order_by(Quiz.position, Quiz.id, Attempt.number)).scalars():
            attempts.setdefault(attempt.user_id, []).append(attempt)
    learners = [{
        "user": user,
        "enrollment": enrollment,
        "percent": progress.course_progress(user, course).percent,
        "seconds": activity.seconds_on_course(user.id, course.id),
        "attempts": attempts.get(user.id, []),
    } for enrollment, user in rows]
    pages = max((total + STUDENTS_PER_PAGE - 1) // STUDENTS_PER_PAGE, 1)
    return render_template("teach/students.html", course=course, learners=learners, total=total, page=page,
                           pages=pages, duration=format_duration)
