"""Translating a course's texts into its other languages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lms_core.extensions import db
from lms_core.models import Course, Lesson, Question, Quiz, Translation
from lms_core.services import ServiceError, courses
from lms_core.web.teach.blueprint import bp
from lms_core.web.teach.editing import editable_course, failed


FIELD_NAMES = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "body": _l("Text"),
    "description": _l("Description"),
    "text": _l("Text"),
}


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
    return _(
        "Option %(option)d of question %(number)d of the quiz “%(quiz)s”",
        option=obj.position,
        number=obj.question.position,
        quiz=obj.question.quiz.title,
    )


def translation_groups(course: Course):
    """The course's translatable objects in the order a learner meets them, each with
    the fields that have a source text."""
    courses.load_translatable_content(course)
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
    return render_template(
        "teach/translations.html",
        course=course,
        report=report,
        total=total,
        describe=describe,
        field_name=FIELD_NAMES.get,
        key=courses.translation_key,
    )


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
            flash(
                ngettext("%(num)d translation was saved.", "%(num)d translations were saved.", changed)
                if changed
                else _("Nothing changed."),
                "success",
            )
            return redirect(
                url_for("teach.translate", course_id=course.id, language=language, todo=request.args.get("todo"))
            ), 303
    stored = {
        (r.object_type, r.object_id, r.field): r
        for r in db.session.execute(
            db.select(Translation).where(Translation.course_id == course.id, Translation.language == language)
        ).scalars()
    }
    sections = []
    only_todo = request.args.get("todo") == "1"
    for obj, fields in groups:
        rows = []
        for target, field in fields:
            key = courses.translation_key(target, field)
            source = getattr(target, field)
            row = stored.get((type(target).__tablename__, target.id, field))
            state = (
                "missing"
                if row is None
                else ("current" if row.source_hash == Translation.hash_source(source) else "outdated")
            )
            if only_todo and state == "current" and key not in errors:
                continue
            text = request.form.get(f"text-{key}", row.text if row else "") if errors else (row.text if row else "")
            label = FIELD_NAMES[field] if target is obj else _("Option %(number)d", number=target.position)
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "source": source,
                    "text": text,
                    "state": state,
                    "long": field in ("body", "summary", "description") or isinstance(target, Question),
                    "error": errors.get(key),
                }
            )
        if rows:
            sections.append({"heading": describe(obj), "rows": rows})
    return render_template(
        "teach/translate.html",
        course=course,
        language=language,
        sections=sections,
        only_todo=only_todo,
        has_errors=bool(errors),
    ), status
