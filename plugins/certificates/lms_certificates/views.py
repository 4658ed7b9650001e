"""The plugin's pages under ``/certificates``: a learner's certificates, a
certificate's page and PDF, the public verification page (HTML or JSON), and the
course staff's pages: the list with revoke and re-issue, the design editor with its
preview, bulk re-generation with progress and the ZIP of all PDFs."""

from __future__ import annotations

import re
import tempfile
import zipfile
from io import BytesIO

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from lms_core import ServiceError, can, current_user, db, login_required, mark_form_errors, require, send_upload
from lms_core.services import throttle
from lms_core.models import Course, User, utcnow
from lms_certificates import designs, issuing, jobs, numbers, verification
from lms_certificates.forms import ReissueForm, RevokeForm, template_form_class
from lms_certificates.models import IMAGE_KINDS, Certificate, RegenerationBatch
from lms_certificates.payloads import CertificateInfo

bp = Blueprint(
    "certificates", __name__, url_prefix="/certificates", template_folder="templates", static_folder="static"
)

SAMPLE_BODY = "0" * numbers.RANDOM_LENGTH
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def require_manage(certificate: Certificate) -> Course | None:
    course = db.session.get(Course, certificate.course_id) if certificate.course_id else None
    if course is None:
        require("admin.access")
    else:
        require("certificate.manage", course)
    return course


def pdf_response(data: bytes, filename: str, inline: bool = False) -> Response:
    response = send_file(
        BytesIO(data), mimetype="application/pdf", as_attachment=not inline, download_name=filename, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------ a learner's certificates


@bp.route("/")
@login_required
def index():
    certificates = (
        db.session.execute(
            db.select(Certificate).where(Certificate.user_id == current_user.id).order_by(Certificate.issued_at.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "certificates/index.html", certificates=certificates, titles=issuing.shown_titles(certificates)
    )


@bp.route("/<int:certificate_id>")
@login_required
def show(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require("certificate.view", certificate)
    course = db.session.get(Course, certificate.course_id) if certificate.course_id else None
    manage = can(current_user, "certificate.manage", course) if course else current_user.is_admin
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        title=issuing.shown_titles([certificate])[certificate.id],
        course=course,
        manage=manage,
        verification_url=issuing.verification_url(certificate.number),
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
    )


@bp.route("/<int:certificate_id>.pdf")
@login_required
def download(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require("certificate.view", certificate)
    return pdf_response(issuing.ensure_pdf(certificate), f"certificate-{certificate.number}.pdf")


@bp.route("/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke(certificate_id):
    certificate = db.get_or_404(Certificate, certificate_id)
    require_manage(certificate)
    form = RevokeForm()
    if not form.validate():
        flash(" ".join(form.reason.errors) or _("Please correct the marked fields."), "error")
        return redirect(url_for("certificates.show", certificate_id=certificate.id)), 303
    try:
        issuing.revoke(certificate, current_user, form.reason.data)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The certificate %(number)s was revoked.", number=certificate.number), "success")
    return redirect(url_for("certificates.show", certificate_id=certificate.id)), 303


@bp.route("/<int:certificate_id>/reissue", methods=["POST"])
@login_required
def reissue(certificate_id):
    from lms_core import enqueue

    certificate = db.get_or_404(Certificate, certificate_id)
    require_manage(certificate)
    form = ReissueForm()
    if not form.validate():
        flash(" ".join(form.reason.errors), "error")
        return redirect(url_for("certificates.show", certificate_id=certificate.id)), 303
    old_number = certificate.number
    try:
        issuing.reissue(certificate, current_user, form.reason.data or "")
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("certificates.show", certificate_id=certificate.id)), 303
    enqueue(jobs.render_job, certificate.id, True)
    flash(
        _(
            "The certificate was re-issued as %(number)s; %(old)s now verifies as replaced.",
            number=certificate.number,
            old=old_number,
        ),
        "success",
    )
    return redirect(url_for("certificates.show", certificate_id=certificate.id)), 303


# ------------------------------------------------------------------ verification (public)


# Wrong numbers are throttled per address (Werkzeug's ProxyFix gives the real one behind
# LMS_PROXY_HOPS proxies): CERTIFICATES_VERIFY_RATE_LIMIT are free, then each one doubles
# the wait. A valid number does not reset the count, or one known certificate would
# let an address keep guessing.
_SCOPE = "certificates-verify"


def _rate_limited() -> bool:
    return throttle.wait_seconds(_SCOPE, "", free=current_app.config.get("CERTIFICATES_VERIFY_RATE_LIMIT", 30)) > 0


def _verdict(number: str) -> verification.Verdict | None:
    """The verdict, or ``None`` when this address guessed wrong too often lately:
    numbers are not enumerable, and this keeps it that way."""
    if _rate_limited():
        return None
    verdict = verification.verify(number, request.args.get("s"))
    if verdict.status in ("unknown", "forged"):
        throttle.failed(_SCOPE, "")
    return verdict


def _too_many_json():
    return jsonify(
        {
            "error": {
                "code": "rate_limited",
                "message": _("Too many numbers that could not be verified. Please wait a few minutes and try again."),
            }
        }
    ), 429


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.route("/verify")
def verify_form():
    typed = (request.args.get("number") or "").strip()
    if typed:
        parsed = numbers.parse(typed, issuing.number_prefix())
        return redirect(url_for("certificates.verify", number=parsed.canonical or typed)), 303
    return render_template("certificates/verify.html", verdict=None, typed="")


@bp.route("/verify/<number>")
def verify(number):
    verdict = _verdict(number)
    if _wants_json():
        response = _too_many_json() if verdict is None else jsonify(verdict.as_json())
    elif verdict is None:
        response = render_template("certificates/verify.html", verdict=None, typed=number, rate_limited=True), 429
    else:
        response = render_template("certificates/verify.html", verdict=verdict, typed=number)
    response = current_app.make_response(response)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/verify/<number>.json")
def verify_json(number):
    verdict = _verdict(number)
    return _too_many_json() if verdict is None else jsonify(verdict.as_json())


# ------------------------------------------------------------------ course staff


@bp.route("/courses/<int:course_id>")
@login_required
def course(course_id):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    total = db.session.execute(
        db.select(db.func.count(Certificate.id)).where(Certificate.course_id == course.id)
    ).scalar_one()
    pages = max(-(-total // CERTIFICATES_PER_PAGE), 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    rows = (
        db.session.execute(
            db.select(Certificate)
            .where(Certificate.course_id == course.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .limit(CERTIFICATES_PER_PAGE)
            .offset((page - 1) * CERTIFICATES_PER_PAGE)
        )
        .scalars()
        .all()
    )
    batch = jobs.latest_batch(course.id)
    batch = jobs.batch_progress(batch) if batch else None
    template = designs.template_of(course.id)
    # The page's learners in one query (a learner may have been deleted: the certificate
    # keeps their name), read last: what comes before may commit, which expires rows.
    learner_ids = sorted({row.user_id for row in rows if row.user_id})
    learners = (
        {u.id: u for u in db.session.execute(db.select(User).where(User.id.in_(learner_ids))).scalars()}
        if learner_ids
        else {}
    )
    return render_template(
        "certificates/course.html",
        course=course,
        certificates=rows,
        learners=learners,
        page=page,
        pages=pages,
        template=template,
        batch=batch,
    )


@bp.route("/courses/<int:course_id>/regenerate", methods=["POST"])
@login_required
def regenerate(course_id):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    batch = jobs.start_regeneration(course.id, current_user.id)
    if batch.total:
        flash(
            ngettext("Re-generating %(num)d certificate.", "Re-generating %(num)d certificates.", batch.total),
            "success",
        )
    else:
        flash(_("This course has no certificates to re-generate."), "info")
    return redirect(url_for("certificates.course", course_id=course.id)), 303


@bp.route("/batches/<int:batch_id>.json")
@login_required
def batch(batch_id):
    batch = db.get_or_404(RegenerationBatch, batch_id)
    require("certificate.manage", db.get_or_404(Course, batch.course_id))
    return jsonify(jobs.batch_progress(batch))


@bp.route("/courses/<int:course_id>/certificates.zip")
@login_required
def course_zip(course_id):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    certificates = (
        db.session.execute(
            db.select(Certificate)
            .where(Certificate.course_id == course.id, Certificate.status == "valid")
            .order_by(Certificate.learner_name, Certificate.id)
        )
        .scalars()
        .all()
    )
    # Spooled: small courses stay in memory, big ones go to a temporary file.
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            name = UNSAFE_FILENAME.sub(" ", f"{certificate.learner_name} {certificate.number}").strip()
            archive.writestr(f"{name}.pdf", issuing.ensure_pdf(certificate))
    spool.seek(0)
    return send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{course.slug}-certificates.zip",
        max_age=0,
    )


def _language_names() -> dict[str, str]:
    from lms_core import language_names

    return language_names()


def _form_values(form, languages) -> dict:
    values = {
        name: getattr(form, name).data
        for name in (
            "enabled",
            "orientation",
            "primary_color",
            "accent_color",
            "text_color",
            "issuer_name",
            "signatory_name",
            "signatory_title",
            "validity_months",
        )
    }
    values["heading"] = {code: getattr(form, f"heading_{code}").data or "" for code in languages}
    values["wording"] = {code: getattr(form, f"wording_{code}").data or "" for code in languages}
    return values


def _template_data(template, languages) -> dict:
    data = {name: getattr(template, name) for name in designs.DEFAULTS}
    data["validity_months"] = "" if template.validity_months is None else str(template.validity_months)
    for code in languages:
        data[f"heading_{code}"] = (template.heading or {}).get(code, "")
        data[f"wording_{code}"] = (template.wording or {}).get(code, "")
    return data


@bp.route("/courses/<int:course_id>/template", methods=["GET", "POST"])
@login_required
def template(course_id):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    languages = _language_names()
    template = designs.editable_template(course.id)
    form_class = template_form_class(languages)
    form = form_class() if request.method == "POST" else form_class(data=_template_data(template, languages))
    status = 200
    if request.method == "POST":
        values = _form_values(form, languages)
        uploads = {
            kind: getattr(form, kind).data.read()
            for kind in IMAGE_KINDS
            if getattr(form, kind).data and getattr(form, kind).data.filename
        }
        remove = {kind for kind in IMAGE_KINDS if getattr(form, f"remove_{kind}").data}
        try:
            if not form.validate():
                raise ServiceError("invalid", _("Please correct the marked fields."), 400)
            if request.form.get("action") == "preview":
                clean = designs.validate(values)
                images = {kind: designs.normalise_image(kind, raw).data for kind, raw in uploads.items()}
                images.update({kind: None for kind in remove})
                return _preview_response(course, template, clean, images)
            designs.save(course.id, values, uploads, remove)
        except ServiceError as exc:
            db.session.rollback()
            mark_form_errors(form, exc)
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(
                _(
                    "The certificate design was saved. Re-generate the certificates already issued to "
                    "give them the new design."
                ),
                "success",
            )
            return redirect(url_for("certificates.template", course_id=course.id)), 303
    return render_template(
        "certificates/template.html",
        course=course,
        form=form,
        template=template,
        languages=languages,
        built_in=_built_in_texts(languages),
        image_kinds=IMAGE_KINDS,
    ), status


def _built_in_texts(languages) -> dict[str, dict[str, str]]:
    """The built-in heading and wording in each language: each language's field says
    what an empty field prints in that language, not in the editor's."""
    from flask_babel import force_locale

    from lms_certificates.render import labels

    texts = {}
    for code in languages:
        with force_locale(code):
            fixed = labels()
        texts[code] = {"heading": fixed["heading"], "wording": fixed["wording"]}
    return texts


@bp.route("/courses/<int:course_id>/template/preview.pdf")
@login_required
def preview(course_id):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    return _preview_response(course, designs.template_of(course.id), None, None)


@bp.route("/courses/<int:course_id>/template/images/<kind>")
@login_required
def template_image(course_id, kind):
    course = db.get_or_404(Course, course_id)
    require("certificate.manage", course)
    template = designs.template_of(course.id)
    image = template.image(kind) if template is not None and kind in IMAGE_KINDS else None
    if image is None:
        abort(404)
    return send_upload(BytesIO(image.data), f"{kind}", image.content_type, inline_image=True)


def _preview_response(course, template, overrides, images):
    language = request.args.get("language") or str(get_locale())
    if language not in current_app.config["LMS_LANGUAGES"]:
        language = current_app.config["LMS_DEFAULT_LANGUAGE"]
    saved = {"issuer_name": template.issuer_name, "validity_months": template.validity_months} if template else {}
    chosen = {"issuer_name": "", "validity_months": None, **saved, **(overrides or {})}
    info = sample_certificate(
        course,
        designs.template_info(template, language, overrides, images),
        language,
        chosen["issuer_name"],
        chosen["validity_months"],
    )
    return pdf_response(issuing.render(info), f"certificate-preview-{course.slug}.pdf", inline=True)


def sample_certificate(
    course: Course, design, language: str, issuer_name: str, validity_months: int | None
) -> CertificateInfo:
    """A made-up certificate for the editor's preview, in ``language``."""
    from flask_babel import force_locale

    from lms_core import ContentTranslations

    now = utcnow()
    zone = issuing.learner_timezone(g.get("user"))
    with force_locale(language):
        learner = _("Alexandra Example")
    expires = issuing.add_months(now, validity_months) if validity_months else None
    number = numbers.format_number(SAMPLE_BODY + numbers.check_character(SAMPLE_BODY), issuing.number_prefix())
    return CertificateInfo(
        id=None,
        number=number,
        learner_name=learner,
        course_id=course.id,
        course_title=ContentTranslations(course, language).get(course, "title"),
        issuer=issuer_name or issuing.issuer_of(course, None),
        site_name=current_app.config["LMS_SITE_NAME"],
        language=language,
        completed_at=now,
        issued_at=now,
        expires_at=expires,
        completed_on=issuing.local_date_text(now, language, zone),
        issued_on=issuing.local_date_text(now, language, zone),
        expires_on=issuing.local_date_text(expires, language, zone),
        verification_url=issuing.verification_url(number),
        template=design,
        preview=True,
    )


CERTIFICATES_PER_PAGE = 100  # a course page lists them newest first, a hundred at a time


@bp.app_template_filter("certificate_status")
def certificate_status(certificate: Certificate) -> str:
    if certificate.status == "revoked":
        return _("Revoked")
    if certificate.expires_at is not None and certificate.expires_at <= utcnow():
        return _("Expired")
    if certificate.pdf_path is None:
        return _("Being prepared")
    return _("Valid")
