"""WTForms forms of the core's pages; labels and messages go through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp

# Positions, counts and limits: far past any real course, and within every database's
# integer column (a larger number would otherwise reach the database and fail there).
MAX_NUMBER = 1_000_000


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    # The address itself is checked by accounts.register, with the other account rules.
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=8, message=_l("The password must be at least 8 characters long.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The passwords do not match."))]
    )


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    locale = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=8, message=_l("The password must be at least 8 characters long.")),
        ],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Name the token.")), Length(max=80)])
    expires = SelectField(
        _l("Valid for"),
        default="90",
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("One year")),
            SelectChoice("", _l("Until revoked")),
        ],
    )


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code.")), Length(max=20)])


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=8, message=_l("The password must be at least 8 characters long.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The passwords do not match."))]
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New e-mail address"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password."))])


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    slug = StringField(
        _l("Address (slug)"),
        filters=[lambda v: (v or "").strip().lower()],
        validators=[
            Optional(),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use lower-case Latin letters, digits and single hyphens (80 characters at most)."),
            ),
            Length(
                max=80, message=_l("Use lower-case Latin letters, digits and single hyphens (80 characters at most).")
            ),
        ],
    )
    summary = TextAreaField(_l("Summary"), validators=[Length(max=20_000)])
    default_language = SelectField(_l("Language of the content"))
    published = BooleanField(_l("Published"))
    # In the teacher's own time zone; stored in UTC.
    starts_at = DateTimeLocalField(
        _l("Start date (empty: none)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()]
    )


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(0, MAX_NUMBER)])
    published = BooleanField(_l("Published"), default=True)


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description"))
    pass_percent = IntegerField(
        _l("Pass mark (%)"),
        default=60,
        validators=[InputRequired(_l("Enter the pass mark.")), NumberRange(1, 100, _l("Between 1 and 100."))],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed (empty: unlimited)"),
        validators=[Optional(), NumberRange(1, 1000, _l("Between %(min)s and %(max)s."))],
    )
    time_limit_minutes = IntegerField(
        _l("Time limit in minutes (empty: none)"),
        validators=[Optional(), NumberRange(1, 100_000, _l("Between %(min)s and %(max)s."))],
    )
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(0, MAX_NUMBER)])
    published = BooleanField(_l("Published"), default=True)
    due_at = DateTimeLocalField(
        _l("Deadline (empty: none)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
    )
    review_policy = SelectField(
        _l("Learners see the correct answers and feedback"),
        default="never",
        choices=[
            SelectChoice("never", _l("Never")),
            SelectChoice("after_attempt", _l("After each attempt")),
            SelectChoice("after_last_attempt", _l("After their last attempt")),
            SelectChoice("after_deadline", _l("After the deadline")),
        ],
    )


class ChoiceForm(Form):
    """One option of a choice question (a sub-form: the question's form carries the CSRF token)."""

    id = HiddenField()
    text = StringField(_l("Option"))
    correct = BooleanField(_l("Correct"))
    match = StringField(_l("Matches"))


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Type"),
        choices=[
            SelectChoice("single", _l("Single choice")),
            SelectChoice("multiple", _l("Multiple choice")),
            SelectChoice("text", _l("Short text answer")),
            SelectChoice("numeric", _l("Number (with a tolerance)")),
            SelectChoice("matching", _l("Matching")),
            SelectChoice("ordering", _l("Ordering")),
            SelectChoice("essay", _l("Essay (graded by the teacher)")),
        ],
    )
    text = TextAreaField(_l("Question"), validators=[DataRequired(_l("Enter the question."))])
    points = IntegerField(
        _l("Points"),
        default=1,
        validators=[InputRequired(_l("Enter the points.")), NumberRange(0, 10_000, _l("Between %(min)s and %(max)s."))],
    )
    position = IntegerField(
        _l("Position"), validators=[Optional(), NumberRange(1, MAX_NUMBER, _l("Between %(min)s and %(max)s."))]
    )
    accepted_answers = TextAreaField(_l("Accepted answers, one per line"))
    tolerance = FloatField(
        _l("Tolerance (±)"),
        validators=[Optional(), NumberRange(0, 1e12, _l("Between %(min)s and %(max)s."))],
    )
    feedback = TextAreaField(_l("Feedback shown with the correct answer (Markdown)"))
    choices = FieldList(FormField(ChoiceForm), min_entries=4)


class StaffForm(FlaskForm):
    # No Email() validator: the address only has to match an existing account.
    email = EmailField(
        _l("E-mail of the teacher"), validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)]
    )
