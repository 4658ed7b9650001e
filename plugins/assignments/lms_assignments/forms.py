"""The teacher's forms. Dates are entered in the teacher's own time zone and stored
in UTC; the checks that matter live in ``authoring.validate`` (shared with the API)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectChoice, SelectField, StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class AssignmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description (Markdown)"))
    opens_at = DateTimeLocalField(_l("Opens (empty: at once)"), format=DATETIME_FORMATS, validators=[Optional()])
    due_at = DateTimeLocalField(
        _l("Deadline"), format=DATETIME_FORMATS, validators=[DataRequired(_l("Enter a date and time."))]
    )
    grading_mode = SelectField(
        _l("Grading"), choices=[SelectChoice("points", _l("Points")), SelectChoice("rubric", _l("Rubric"))]
    )
    max_points = DecimalField(_l("Maximum points (points grading)"), default=100, places=2, validators=[Optional()])
    rubric = TextAreaField(_l("Rubric: one criterion a line, “Criterion | Level = points | Level = points”"))
    pass_points = DecimalField(
        _l("Pass mark (points)"),
        default=0,
        places=2,
        validators=[Optional(), NumberRange(min=0, message=_l("Zero or more."))],
    )
    required = BooleanField(_l("Required to complete the course"), default=True)
    accepts_files = BooleanField(_l("Accept files"), default=True)
    allowed_extensions = StringField(_l("Allowed file types"), default="pdf, zip, txt, md, py, png, jpg")
    max_file_size_mb = DecimalField(
        _l("Size limit per file (MB)"),
        default=10,
        places=1,
        validators=[Optional(), NumberRange(min=0.01, message=_l("More than zero."))],
    )
    max_files = IntegerField(_l("Files per attempt"), default=5, validators=[Optional()])
    accepts_links = BooleanField(_l("Accept links (GitHub and others)"), default=True)
    accepts_text = BooleanField(_l("Accept text"), default=True)
    max_attempts = IntegerField(_l("Attempts allowed (empty: unlimited)"), validators=[Optional()])
    late_policy = SelectField(
        _l("Late hand-ins"),
        choices=[
            SelectChoice("refuse", _l("Refuse after the deadline")),
            SelectChoice("penalty", _l("Accept with a penalty until a cut-off")),
        ],
    )
    late_penalty_percent = DecimalField(
        _l("Penalty per started day late (%)"), default=0, places=1, validators=[Optional()]
    )
    late_cutoff_at = DateTimeLocalField(
        _l("Cut-off for late hand-ins"), format=DATETIME_FORMATS, validators=[Optional()]
    )
    anonymous = BooleanField(_l("Anonymous marking (names hidden until grades are released)"))
    reminder_hours = StringField(_l("Reminders, hours before the deadline"), default="24, 1")
    published = BooleanField(_l("Published (visible to students)"), default=True)


class ExtensionForm(FlaskForm):
    student_id = SelectField(_l("Student"), coerce=int)
    due_at = DateTimeLocalField(
        _l("New deadline for this student"),
        format=DATETIME_FORMATS,
        validators=[DataRequired(_l("Enter a date and time."))],
    )


class TranslationForm(FlaskForm):
    language = SelectField(_l("Language"))
    title = StringField(_l("Title"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description (Markdown)"))
