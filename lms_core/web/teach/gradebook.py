"""A course's gradebook for its teachers: the table (paginated), its setup (pass mark,
letter scale, categories and where each item counts), one learner's grades with
overrides and their history, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from lms_core.auth import require
from lms_core.extensions import db
from lms_core.models import Course, GradebookCategory, User
from lms_core.services import ServiceError
from lms_core.services import gradebook as books
from lms_core.web.teach.blueprint import bp


def gradebook_course(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    require("course.view_students", course)
    return course


@bp.route("/courses/<int:course_id>/gradebook")
def gradebook(course_id):
    course = gradebook_course(course_id)
    book = books.book_page(
        course,
        request.args.get("page", 1, type=int) or 1,
        search=request.args.get("q", ""),
        show=request.args.get("show", "all"),
    )
    return render_template(
        "teach/gradebook.html",
        course=course,
        book=book,
        cells=row_cells(book),
        search_max_length=books.SEARCH_MAX_LENGTH,
    )


def row_cells(book: books.Book) -> dict[int, Markup]:
    """Each row's grade cells as HTML, by learner id. A page has 50 learners x 100
    items: written here, a cell costs a dict lookup and a format, where a Jinja loop
    with the ``|number`` filter cost about 5 us a cell (25 ms a page). Each distinct
    number is formatted in the reader's locale once per page."""
    changed = Markup(' title="%s"') % _("Changed by a teacher")
    formatted: dict[float, str] = {}
    keys = [column.key for column in book.columns]
    out = {}
    for row in book.rows:
        parts = []
        cells = row.cells
        for key in keys:
            cell = cells[key]
            if cell.points is None:
                parts.append('<td class="num missing">–</td>')
                continue
            value = round(cell.points, 2)
            text = formatted.get(value)
            if text is None:
                text = formatted[value] = str(Markup.escape(format_decimal(value)))
            if cell.overridden:
                parts.append(f'<td class="num overridden"{changed}>{text}*</td>')
            else:
                parts.append(f'<td class="num">{text}</td>')
        out[row.user.id] = Markup("".join(parts))
    return out


@bp.route("/courses/<int:course_id>/gradebook/setup", methods=["GET", "POST"])
def gradebook_setup(course_id):
    course = gradebook_course(course_id)
    require("course.edit", course)
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        action = form.get("action", "")
        try:
            if action == "settings":
                books.save_settings(
                    course, form.get("pass_percent", ""), form.get("other_weight", ""), form.get("letter_scale", "")
                )
                flash(_("The gradebook settings were saved."), "success")
            elif action == "category":
                category = None
                if form.get("category_id"):
                    category = db.session.get(GradebookCategory, form.get("category_id", type=int) or 0)
                    if category is None or category.course_id != course.id:
                        abort(404)
                books.save_category(
                    course, form.get("name", ""), form.get("weight", ""), form.get("drop_lowest", ""), category
                )
                flash(_("The category was saved."), "success")
            elif action == "delete-category":
                books.delete_category(course, form.get("category_id", type=int) or 0)
                flash(_("The category was deleted; its items count in “Other” now."), "success")
            elif action == "placements":
                placements = {}
                for key, value in form.items():
                    if key.startswith("item-"):
                        placements[key[5:]] = int(value) if value.isascii() and value.isdigit() else None
                books.place_items(course, placements)
                flash(_("The items were put in their categories."), "success")
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            errors = dict(exc.fields) or {"form": exc.message}
            return render_setup(course, errors, form, action, 400)
        return redirect(url_for("teach.gradebook_setup", course_id=course.id)), 303
    return render_setup(course, errors, None, None)


def render_setup(course, errors, form, action, status=200):
    book = books.build(course, [])
    return render_template(
        "teach/gradebook_setup.html",
        course=course,
        book=book,
        categories=books.categories_of(course),
        settings=book.settings,
        scale_text=books.format_letter_scale(book.settings.letter_scale),
        errors=errors,
        submitted=form,
        action=action,
    ), status


@bp.route("/courses/<int:course_id>/gradebook/learners/<int:user_id>", methods=["GET", "POST"])
def gradebook_learner(course_id, user_id):
    course = gradebook_course(course_id)
    learner = db.get_or_404(User, user_id)
    if not books.is_learner(course, learner.id):
        abort(404)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        require("course.edit", course)
        try:
            books.override(
                course,
                learner.id,
                request.form.get("item_key", ""),
                request.form.get("points"),
                request.form.get("reason", ""),
                g.user,
            )
        except ServiceError as exc:
            db.session.rollback()
            if exc.status == 404:
                abort(404)
            errors, status = dict(exc.fields), 400
        else:
            flash(_("The grade was changed."), "success")
            return redirect(url_for("teach.gradebook_learner", course_id=course.id, user_id=learner.id)), 303
    book = books.learner_book(course, learner)
    return render_template(
        "teach/gradebook_learner.html",
        course=course,
        learner=learner,
        book=book,
        row=book.rows[0],
        history=books.history(course, learner.id),
        titles={c.key: c.title for c in book.columns},
        errors=errors,
        submitted=request.form if status != 200 else None,
    ), status


# ----------------------------------------------------------------------------- exports


def export_rows(course: Course):
    """The header, then one row per learner, in pages (a constant number of queries each)."""
    first = True
    for book in books.all_pages(course):
        if first:
            yield (
                [_("Name"), _("E-mail")]
                + [f"{c.title} (/{c.max_points:g})" for c in book.columns]
                + [_("Total %"), _("Result"), _("Letter"), _("Missing")]
            )
            first = False
        for row in book.rows:
            yield (
                [row.user.name, row.user.email]
                + [None if row.cells[c.key].points is None else round(row.cells[c.key].points, 2) for c in book.columns]
                + [
                    row.total,
                    "" if row.passed is None else (_("Passed") if row.passed else _("Not passed")),
                    row.letter or "",
                    len(row.missing),
                ]
            )
    if first:  # no learners: the header alone
        book = books.build(course, [])
        yield (
            [_("Name"), _("E-mail")]
            + [c.title for c in book.columns]
            + [_("Total %"), _("Result"), _("Letter"), _("Missing")]
        )


def _filename(course: Course, extension: str) -> str:
    return f"gradebook-{course.slug}.{extension}"


@bp.route("/courses/<int:course_id>/gradebook.csv")
def gradebook_csv(course_id):
    course = gradebook_course(course_id)
    out = io.StringIO()
    writer = csv.writer(out)
    for row in export_rows(course):
        writer.writerow(["" if value is None else _cell_text(value) for value in row])
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so spreadsheet programs read the UTF-8 names right
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(course, "csv")}"'},
    )


@bp.route("/courses/<int:course_id>/gradebook.xlsx")
def gradebook_xlsx(course_id):
    from openpyxl import Workbook

    course = gradebook_course(course_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Gradebook")[:31])
    for row in export_rows(course):
        sheet.append([_cell_text(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(course, "xlsx")}"'},
    )


def _cell_text(value):
    # A learner's name starting with "=" must stay text, never become a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
