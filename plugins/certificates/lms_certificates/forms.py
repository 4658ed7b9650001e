"""Forms of the plugin's pages. The design's rules live in ``designs.validate`` (one
place for the page and any other caller); the form only gathers and shows values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lms_certificates.models import IMAGE_KINDS


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (shown on the verification page)"),
        validators=[DataRequired(_l("Say why, for the verification page.")), Length(max=1000)],
    )


class ReissueForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=1000)])


IMAGE_LABELS = {"background": _l("Background image"), "logo": _l("Logo"), "signature": _l("Signature image")}


def template_form_class(languages: dict[str, str]):
    """The editor's form with a heading and a wording field per interface language."""

    class TemplateForm(FlaskForm):
        enabled = BooleanField(_l("Issue certificates for this course"))
        orientation = SelectField(
            _l("Orientation"),
            choices=[SelectChoice("landscape", _l("Landscape")), SelectChoice("portrait", _l("Portrait"))],
        )
        primary_color = StringField(_l("Main colour"), render_kw={"type": "color"})
        accent_color = StringField(_l("Accent colour"), render_kw={"type": "color"})
        text_color = StringField(_l("Text colour"), render_kw={"type": "color"})
        issuer_name = StringField(_l("Issuer (empty: the course's teachers)"))
        signatory_name = StringField(_l("Signed by"))
        signatory_title = StringField(_l("Signatory's title"))
        validity_months = StringField(_l("Valid for (months; empty: no expiry)"), render_kw={"inputmode": "numeric"})

    for code, name in languages.items():
        setattr(TemplateForm, f"heading_{code}", StringField(_l("Heading (%(language)s)", language=name)))
        setattr(
            TemplateForm,
            f"wording_{code}",
            TextAreaField(_l("Wording under the name (%(language)s)", language=name), render_kw={"rows": 2}),
        )
    for kind in IMAGE_KINDS:
        setattr(TemplateForm, kind, FileField(IMAGE_LABELS[kind]))
        setattr(TemplateForm, f"remove_{kind}", BooleanField(_l("Remove")))
    return TemplateForm
