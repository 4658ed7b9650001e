"""WTForms forms of the core's pages; labels and messages go through Babel."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                 Email(_l("Enter a valid e-mail address."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=8, message=_l("The password must be at least 8 characters long."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", _l("The passwords do not match."))])


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)])
    locale = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=8, message=_l("The password must be at least 8 characters long."))])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Name the token.")), Length(max=80)])


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=80)])
    summary = TextAreaField(_l("Summary"))
    default_language = SelectField(_l("Language of the content"))
    published = BooleanField(_l("Published"))


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0)])
    published = BooleanField(_l("Published"), default=True)


class QuizForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Description"))
    pass_percent = IntegerField(_l("Pass mark (%)"), default=60, validators=[
        DataRequired(_l("Enter the pass mark.")), NumberRange(1, 100, _l("Between 1 and 100."))])
    max_attempts = IntegerField(_l("Attempts allowed (empty: unlimited)"), validators=[
        Optional(), NumberRange(min=1, message=_l("At least 1."))])
    time_limit_minutes = IntegerField(_l("Time limit in minutes (empty: none)"), validators=[
        Optional(), NumberRange(min=1, message=_l("At least 1."))])
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0)])
    published = BooleanField(_l("Published"), default=True)
