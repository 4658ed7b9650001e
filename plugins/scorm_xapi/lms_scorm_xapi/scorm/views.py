"""The SCORM pages under ``/scorm``: uploading a package (to a course or as a new
course), a package's rules, versions and report, the learner's player, and, on the
content origin, the runtime page and the package's files."""

from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from lms_core import (
    ServiceError,
    current_user,
    db,
    gradebook_changed,
    login_required,
    mark_form_errors,
    refused_status,
    require,
)
from lms_core.models import Course, Lesson, LessonCompletion

from lms_scorm_xapi.scorm import content, export, navigation, packages, reports, runtime
from lms_scorm_xapi.scorm.forms import RulesForm, UploadForm
from lms_scorm_xapi.scorm.models import ScormPackage, ScormSco

bp = Blueprint(
    "scorm_xapi",
    __name__,
    url_prefix="/scorm",
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/static",
)


def _package(package_id: int) -> ScormPackage:
    package = db.get_or_404(ScormPackage, package_id)
    require("course.edit", db.session.get(Course, package.course_id))
    return package


@bp.route("/courses/<int:course_id>/packages", methods=["GET", "POST"])
@login_required
def course_packages(course_id):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    form = UploadForm()
    status = 200
    if request.method == "POST":
        try:
            package = packages.import_package(request.files.get("package"), course, current_user)
        except ServiceError as error:
            mark_form_errors(form, error, {"package": "package"})
            status = refused_status(error)
        else:
            flash(_("The package “%(title)s” was imported.", title=package.title), "success")
            return redirect(url_for("scorm_xapi.package", package_id=package.id)), 303
    items = (
        db.session.execute(db.select(ScormPackage).where(ScormPackage.course_id == course.id).order_by(ScormPackage.id))
        .scalars()
        .all()
    )
    return render_template("scorm_xapi/course.html", course=course, form=form, packages=items), status


@bp.route("/packages/new", methods=["GET", "POST"])
@login_required
def new_course():
    require("course.create")
    form = UploadForm()
    status = 200
    if request.method == "POST":
        try:
            package = packages.import_package(request.files.get("package"), None, current_user)
        except ServiceError as error:
            mark_form_errors(form, error)
            status = refused_status(error)
        else:
            flash(_("The package “%(title)s” was imported as a new course.", title=package.title), "success")
            return redirect(url_for("scorm_xapi.package", package_id=package.id)), 303
    return render_template("scorm_xapi/new_course.html", form=form), status


@bp.route("/packages/<int:package_id>", methods=["GET", "POST"])
@login_required
def package(package_id):
    package = _package(package_id)
    course = db.session.get(Course, package.course_id)
    rules = RulesForm(obj=package, prefix="rules")
    upload = UploadForm(prefix="version")
    status = 200
    if request.method == "POST" and request.form.get("action") == "rules":
        if rules.validate():
            if rules.completion_rule.data == "score" and rules.pass_score.data is None:
                rules.pass_score.errors = [_("Enter the score needed.")]
                status = 400
            else:
                rules.populate_obj(package)
                gradebook_changed(package.course_id)  # the grading rule decides every learner's score
                db.session.commit()
                runtime.recheck_package(package)
                flash(_("The rules were saved."), "success")
                return redirect(url_for("scorm_xapi.package", package_id=package.id)), 303
        else:
            status = 400
    elif request.method == "POST" and request.form.get("action") == "version":
        try:
            packages.import_package(request.files.get("version-package"), course, current_user, package=package)
        except ServiceError as error:
            mark_form_errors(upload, error)
            status = refused_status(error)
        else:
            flash(_("The new version was imported; learners' attempts are kept."), "success")
            return redirect(url_for("scorm_xapi.package", package_id=package.id)), 303
    return (
        render_template(
            "scorm_xapi/package.html",
            package=package,
            course=course,
            rules=rules,
            upload=upload,
            report=reports.package_report(package, request.args.get("page", 1, type=int)),
            duration=reports.duration,
            status=reports.status_label,
        ),
        status,
    )


@bp.route("/packages/<int:package_id>/attempts/<int:attempt_id>")
@login_required
def attempt(package_id, attempt_id):
    package = _package(package_id)
    found = reports.attempt_detail(package, attempt_id)
    if found is None:
        abort(404)
    return render_template(
        "scorm_xapi/attempt.html",
        package=package,
        course=db.session.get(Course, package.course_id),
        duration=reports.duration,
        status=reports.status_label,
        **found,
    )


@bp.route("/scos/<int:sco_id>", methods=["GET", "POST"])
@login_required
def play(sco_id):
    """GET shows the player and stores nothing (the attempt starts when the SCO first
    calls Initialize); POST starts a new attempt, then shows it (post/redirect/get)."""
    sco = db.get_or_404(ScormSco, sco_id)
    lesson = db.get_or_404(Lesson, sco.lesson_id)
    require("lesson.view", lesson)
    course = db.session.get(Course, lesson.course_id)
    error = None
    opened = None
    try:
        if request.method == "POST":
            # Not an integer (or too long to be one): after the highest attempt.
            runtime.start_new_attempt(current_user, sco, request.form.get("after", type=int))
            return redirect(url_for("scorm_xapi.play", sco_id=sco.id)), 303
        opened = runtime.open_player(current_user, sco)
    except ServiceError as refused:
        error = refused
    done = (
        db.session.execute(
            db.select(LessonCompletion.id).where(
                LessonCompletion.user_id == current_user.id, LessonCompletion.lesson_id == lesson.id
            )
        ).first()
        is not None
    )
    frame = content.content_url(url_for("scorm_xapi.runtime_page", token=opened.token)) if opened else None
    return render_template(
        "scorm_xapi/player.html",
        sco=sco,
        lesson=lesson,
        course=course,
        opened=opened,
        moves=navigation.available(sco, sco.package.scos),
        frame=frame,
        error=error.message if error else None,
        done=done,
        attempts_left=runtime.attempts_left(current_user.id, sco),
    ), (error.status if error else 200)


@bp.get("/scos/<int:sco_id>/navigate")
@login_required
def navigate(sco_id):
    """A navigation request from the SCO (``adl.nav.request``, passed on by the
    player) or the player's controls: on to the SCO it leads to, or back to the course
    when it leaves the package. Only a redirect: the attempts move on their own."""
    sco = db.get_or_404(ScormSco, sco_id)
    lesson = db.get_or_404(Lesson, sco.lesson_id)
    require("lesson.view", lesson)
    move = navigation.resolve(sco, sco.package.scos, request.args.get("request", ""))
    if move.target is not None:
        return redirect(url_for("scorm_xapi.play", sco_id=move.target.id)), 303
    if move.leave:
        course = db.session.get(Course, lesson.course_id)
        return redirect(url_for("catalogue.course", slug=course.slug)), 303
    if move.refused:
        flash(NAVIGATION_REFUSED.get(move.refused, NAVIGATION_REFUSED["invalid_request"])(), "error")
    return redirect(url_for("scorm_xapi.play", sco_id=sco.id)), 303


NAVIGATION_REFUSED = {
    "invalid_request": lambda: _("The activity asked to go somewhere the player does not know."),
    "flow_disabled": lambda: _("This package does not let you go to the next or previous activity from here."),
    "forward_only": lambda: _("This package only lets you go forward."),
    "no_previous": lambda: _("This is the first activity of the package."),
    "unknown_target": lambda: _("The activity asked for is not part of this package."),
    "choice_disabled": lambda: _("This package does not let you choose that activity."),
}


@bp.route("/courses/<int:course_id>/export/<version>")
@login_required
def export_course(course_id, version):
    course = db.get_or_404(Course, course_id)
    require("course.edit", course)
    if version not in export.VERSIONS:
        abort(404)
    data = export.build_package(course, version)
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=export.file_name(course, version),
    )


# ---------------------------------------------------------------- on the content origin


@bp.route("/run/<token>/")
def runtime_page(token):
    content.only_on_content_origin()
    try:
        launch = runtime.read_token(token)
    except ServiceError as error:
        return content.runtime_headers(_plain_error(error))
    response = render_template(
        "scorm_xapi/runtime.html",
        launch=launch,
        version="2004" if runtime.is_2004(launch.version) else "1.2",
        launch_path=_quoted(launch.sco.launch),
        site_origin=content.site_origin(),
    )
    from flask import make_response

    return content.runtime_headers(make_response(response))


@bp.route("/run/<token>/content/<path:path>")
def package_file(token, path):
    content.only_on_content_origin()
    try:
        launch = runtime.read_token(token)
    except ServiceError as error:
        return content.package_headers(_plain_error(error))
    found = packages.find_file(launch.version.id, path)
    if found is None:
        abort(404)
    response = send_file(
        packages.blob_path(found.sha256),
        mimetype=found.content_type,
        conditional=True,
        etag=found.sha256,
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return content.package_headers(response)


def _quoted(launch: str) -> str:
    path, _sep, query = launch.partition("?")
    return quote(path, safe="/") + (f"?{query}" if query else "")


def _plain_error(error: ServiceError):
    from flask import make_response

    response = make_response(render_template("scorm_xapi/runtime_error.html", message=error.message), error.status)
    return response
